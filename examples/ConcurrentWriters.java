import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Concurrent writers: several OS processes, each with several threads, append to one table at the
 * same time, with no coordination but the table directory. Every append lands exactly once.
 *
 * <p>Run (after {@code mvn -B -q package -DskipTests}, which also compiles the examples): {@code
 * java -cp "target/test-classes:target/classes:target/lib/*" ConcurrentWriters [DIR]} (the class
 * re-launches itself as the child processes).
 */
public final class ConcurrentWriters {
  private ConcurrentWriters() {}

  static final int PROCESSES = 3;
  static final int THREADS = 2;
  static final int APPENDS = 20;

  public static void main(String[] args) throws Exception {
    if (args.length == 3 && args[0].equals("--writer")) {
      writer(Path.of(args[1]), Integer.parseInt(args[2]));
      return;
    }
    Path dir =
        (args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("datashard-example"))
            .resolve("log");
    DataShard.create(
        dir, Schema.parse("process int not null, thread int not null, seq int not null"));

    List<Process> children = new ArrayList<>();
    for (int p = 0; p < PROCESSES; p++) {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      children.add(
          new ProcessBuilder(
                  java,
                  "-cp",
                  System.getProperty("java.class.path"),
                  ConcurrentWriters.class.getName(),
                  "--writer",
                  dir.toString(),
                  Integer.toString(p))
              .inheritIO()
              .start());
    }
    for (Process c : children) {
      if (!c.waitFor(5, TimeUnit.MINUTES) || c.exitValue() != 0) {
        throw new AssertionError("a writer process failed");
      }
    }

    Table table = DataShard.open(dir);
    Set<List<Integer>> seen = new HashSet<>();
    for (Row r : table.scan().toList()) {
      if (!seen.add(
          List.of(
              r.get("process", Integer.class),
              r.get("thread", Integer.class),
              r.get("seq", Integer.class)))) {
        throw new AssertionError("duplicated row " + r);
      }
    }
    int expected = PROCESSES * THREADS * APPENDS;
    System.out.println(
        seen.size()
            + " of "
            + expected
            + " appends present, each once, in "
            + table.snapshots().size()
            + " retained snapshots");
    if (seen.size() != expected) {
      throw new AssertionError("lost appends");
    }
  }

  static void writer(Path dir, int process) throws InterruptedException {
    Table table = DataShard.open(dir);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      Thread th =
          new Thread(
              () -> {
                for (int seq = 0; seq < APPENDS; seq++) {
                  // a blind append: if another writer commits first, it is rebased and retried,
                  // never lost
                  table
                      .newAppend()
                      .add(Map.of("process", process, "thread", thread, "seq", seq))
                      .summary("writer", "example-" + process + "-" + thread)
                      .commit();
                }
              });
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) {
      th.join();
    }
  }
}
