package io.datashard.testkit;

import io.datashard.CommitStateUnknownException;
import io.datashard.DataShard;
import io.datashard.Table;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * A child process for concurrency tests: runs serializable read-modify-write transactions on a
 * counter table (each reads the row count N and appends the row {n: N}), logging {@code ok N},
 * {@code unknown} or {@code failed ERROR} per transaction. Serializability means the n values of
 * all workers together are 0, 1, 2, ... each exactly once.
 *
 * <p>Arguments: table location (a directory or {@code s3://...}), worker id, number of
 * transactions, log file.
 */
public final class CounterWorker {
  public static void main(String[] args) throws Exception {
    Table table = DataShard.table(args[0]).open();
    int worker = Integer.parseInt(args[1]);
    int count = Integer.parseInt(args[2]);
    try (BufferedWriter out =
        Files.newBufferedWriter(
            Path.of(args[3]),
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND)) {
      for (int i = 0; i < count; i++) {
        try {
          long n =
              table.transaction(
                  tx -> {
                    long c = tx.scan().count();
                    tx.append(Map.of("n", c, "worker", (long) worker));
                    return c;
                  });
          out.write("ok " + n + "\n");
        } catch (CommitStateUnknownException e) {
          out.write("unknown\n");
        } catch (RuntimeException e) {
          out.write("failed " + e.toString().replace('\n', ' ') + "\n");
        }
        out.flush();
      }
    }
  }
}
