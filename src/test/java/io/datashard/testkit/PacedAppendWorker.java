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
 * A child process like {@link AppendWorker} that pauses between its appends, so that other
 * processes (a rollback, a tag) find moments when nobody commits. Logs {@code ok SEQ SNAPSHOT},
 * {@code unknown SEQ} or {@code failed SEQ ERROR} per append.
 *
 * <p>Arguments: table dir, worker id, number of appends, log file, pause in milliseconds.
 */
public final class PacedAppendWorker {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int worker = Integer.parseInt(args[1]);
    int count = Integer.parseInt(args[2]);
    Path log = Path.of(args[3]);
    long pause = Long.parseLong(args[4]);
    Table table = DataShard.open(dir);
    try (BufferedWriter out =
        Files.newBufferedWriter(
            log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      for (int seq = 0; seq < count; seq++) {
        try {
          Snapshot s = table.newAppend().add(Map.of("worker", worker, "seq", seq)).commit();
          out.write("ok " + seq + " " + s.snapshotId() + "\n");
        } catch (CommitStateUnknownException e) {
          out.write("unknown " + seq + "\n");
        } catch (RuntimeException e) {
          out.write("failed " + seq + " " + e.toString().replace('\n', ' ') + "\n");
        }
        out.flush();
        Thread.sleep(pause);
      }
    }
  }
}
