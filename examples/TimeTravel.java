import io.datashard.DataShard;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * Time travel: every commit is a snapshot; read the table as of any retained snapshot id or time.
 *
 * <p>Run (after {@code mvn -B -q package -DskipTests}, which also compiles the examples): {@code
 * java -cp "target/test-classes:target/classes:target/lib/*" TimeTravel [DIR]}
 */
public final class TimeTravel {
  private TimeTravel() {}

  public static void main(String[] args) throws Exception {
    Path dir =
        (args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("datashard-example"))
            .resolve("prices");
    Table table = DataShard.create(dir, Schema.parse("item string not null, price double"));

    Snapshot first = table.newAppend().add(Map.of("item", "tea", "price", 2.5)).commit();
    Thread.sleep(5);
    Instant between = Instant.now();
    Thread.sleep(5);
    table.newAppend().add(Map.of("item", "coffee", "price", 3.0)).commit();

    long now = table.scan().count();
    long atFirst = table.scan().useSnapshot(first.snapshotId()).count();
    long asOf = table.scan().asOf(between).count();
    System.out.println(
        "rows now: "
            + now
            + ", at snapshot "
            + first.snapshotId()
            + ": "
            + atFirst
            + ", as of "
            + between
            + ": "
            + asOf);
    for (Snapshot s : table.snapshots()) {
      System.out.println(
          s.snapshotId()
              + " "
              + Instant.ofEpochMilli(s.timestampMillis())
              + " "
              + s.operation()
              + " total-records="
              + s.summary().get("total-records"));
    }
    if (now != 2 || atFirst != 1 || asOf != 1) {
      throw new AssertionError("time travel read the wrong rows");
    }
  }
}
