package io.datashard.testkit;

import io.datashard.CommitStateUnknownException;
import io.datashard.DataShard;
import io.datashard.Snapshot;
import io.datashard.Table;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * A child process for concurrency tests: appends rows {worker, seq} one commit each, and logs every
 * outcome to its own file as it happens: {@code ok SEQ SNAPSHOT}, {@code unknown SEQ} or {@code
 * failed SEQ ERROR}.
 *
 * <p>Arguments: table location (a directory or {@code s3://...}), worker id, number of appends, log
 * file.
 */
public final class AppendWorker {
  public static void main(String[] args) throws Exception {
    String location = args[0]; // a local directory or an s3:// location
    int worker = Integer.parseInt(args[1]);
    int count = Integer.parseInt(args[2]);
    Path log = Path.of(args[3]);
    Table table = DataShard.table(location).open();
    try (BufferedWriter out =
        Files.newBufferedWriter(
            log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      for (int seq = 0; seq < count; seq++) {
        try {
          Snapshot s =
              table
                  .newAppend()
                  .add(Map.of("worker", worker, "seq", seq))
                  .summary("writer", "worker-" + worker)
                  .commit();
          out.write("ok " + seq + " " + s.snapshotId() + "\n");
        } catch (CommitStateUnknownException e) {
          out.write("unknown " + seq + "\n");
        } catch (RuntimeException e) {
          out.write("failed " + seq + " " + e.toString().replace('\n', ' ') + "\n");
        }
        out.flush();
      }
    }
  }
}
