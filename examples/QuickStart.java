import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Quick start: create a table, append rows in one commit, read them back.
 *
 * <p>Run (after {@code mvn -B -q package -DskipTests}, which also compiles the examples): {@code
 * java -cp "target/test-classes:target/classes:target/lib/*" QuickStart [DIR]}
 */
public final class QuickStart {
  private QuickStart() {}

  public static void main(String[] args) throws Exception {
    Path dir =
        (args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("datashard-example"))
            .resolve("events");
    Table table =
        DataShard.create(
            dir, Schema.parse("id long not null, name string, emb list<float>, ts timestamptz"));

    // Records are Maps, Java records or Rows; all of one append commit atomically.
    Snapshot s =
        table
            .newAppend()
            .add(
                Map.of("id", 1L, "name", "a", "emb", new float[] {0.1f, 0.2f}, "ts", Instant.now()))
            .add(Map.of("id", 2L, "name", "b"))
            .commit();
    System.out.println(
        "committed snapshot "
            + s.snapshotId()
            + " with "
            + s.summary().get("added-records")
            + " rows");

    List<Row> rows = table.scan().select("id", "name").toList();
    for (Row r : rows) {
      System.out.println(r.get("id", Long.class) + " " + r.get("name", String.class));
    }
    if (rows.size() != 2) {
      throw new AssertionError("expected 2 rows, read " + rows.size());
    }
    // The directory is an Apache Iceberg v2 table: Spark, DuckDB or pyiceberg read it too.
    System.out.println("table at " + table.location() + ": " + table.scan().count() + " rows");
  }
}
