import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Table;
import io.datashard.TransactionResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Serializable read-modify-write transactions: threads increment one counter row; a transaction
 * whose read went stale is re-run, so no increment is lost. An idempotency key makes a retried job
 * apply once.
 *
 * <p>Run (after {@code mvn -B -q package -DskipTests}, which also compiles the examples): {@code
 * java -cp "target/test-classes:target/classes:target/lib/*" Transactions [DIR]}
 */
public final class Transactions {
  private Transactions() {}

  static long increment(Table table) {
    return table.transaction(
        tx -> {
          long current = 0;
          for (Row r : tx.scan().toList()) {
            current = Math.max(current, r.get("value", Long.class));
          }
          tx.deleteAll().append(Map.of("value", current + 1)); // replace the counter row
          return current + 1;
        });
  }

  public static void main(String[] args) throws Exception {
    Path dir =
        (args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("datashard-example"))
            .resolve("counter");
    Table table = DataShard.create(dir, Schema.parse("value long not null"));

    int threads = 4;
    int perThread = 10;
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Thread t =
          new Thread(
              () -> {
                Table mine =
                    DataShard.open(
                        dir); // one Table object per thread or process is fine, so is sharing
                for (int j = 0; j < perThread; j++) {
                  increment(mine);
                }
              });
      workers.add(t);
      t.start();
    }
    for (Thread t : workers) {
      t.join();
    }
    long value = table.scan().toList().get(0).get("value", Long.class);
    System.out.println("counter = " + value + " after " + threads * perThread + " increments");

    // The same step twice (say, a job retried after a crash): the second run is not applied.
    for (int attempt = 0; attempt < 2; attempt++) {
      TransactionResult<Long> r =
          table
              .newTransaction()
              .idempotencyKey("nightly-job", 1)
              .run(
                  tx -> {
                    tx.append(Map.of("value", -1L));
                    return -1L;
                  });
      System.out.println("attempt " + attempt + ": already applied = " + r.alreadyApplied());
    }
    if (value != threads * perThread || table.scan().count() != 2) {
      throw new AssertionError("lost an increment or applied a step twice");
    }
  }
}
