package io.datashard.testkit;

import io.datashard.CommitStateUnknownException;
import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Snapshot;
import io.datashard.Table;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A child process for the history check: alternates appends of unique ids and reads of the whole
 * table, logging each operation with its start and end time (System.nanoTime, which is one
 * monotonic clock for all processes of a Linux machine) and outcome:
 *
 * <ul>
 *   <li>{@code append START END ok|unknown|failed ID SNAPSHOT}
 *   <li>{@code read START END ok SNAPSHOT ID,ID,...} (the snapshot read and every id it held)
 * </ul>
 *
 * Arguments: table dir, process number, operations, log file.
 */
public final class HistoryWorker {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int process = Integer.parseInt(args[1]);
    int ops = Integer.parseInt(args[2]);
    Table table = DataShard.open(dir);
    try (BufferedWriter out = Files.newBufferedWriter(Path.of(args[3]), StandardCharsets.UTF_8)) {
      for (int i = 0; i < ops; i++) {
        long start = System.nanoTime();
        if (i % 2 == 0) {
          long id = (long) process * 1_000_000 + i;
          String outcome;
          long snapshot = -1;
          try {
            Snapshot s = table.newAppend().add(Map.of("id", id)).commit();
            snapshot = s.snapshotId();
            outcome = "ok";
          } catch (CommitStateUnknownException e) {
            outcome = "unknown";
          } catch (RuntimeException e) {
            outcome = "failed";
          }
          out.write(
              "append "
                  + start
                  + " "
                  + System.nanoTime()
                  + " "
                  + outcome
                  + " "
                  + id
                  + " "
                  + snapshot
                  + "\n");
        } else {
          Snapshot s = table.scan().snapshot();
          List<String> ids = new ArrayList<>();
          long snapshot = -1;
          if (s != null) {
            snapshot = s.snapshotId();
            for (Row r : table.scan().useSnapshot(snapshot).toList()) {
              ids.add(r.get("id").toString());
            }
          }
          out.write(
              "read "
                  + start
                  + " "
                  + System.nanoTime()
                  + " ok "
                  + snapshot
                  + " "
                  + String.join(",", ids)
                  + "\n");
        }
        out.flush();
      }
    }
  }
}
