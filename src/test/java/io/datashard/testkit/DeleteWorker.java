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
 * A child process for concurrency tests: appends rows {worker, seq} and deletes every odd one again
 * right after appending it, logging {@code append ok|unknown|failed SEQ} and {@code delete
 * ok|unknown|failed SEQ}.
 *
 * <p>Arguments: table dir, worker id, number of rows, log file.
 */
public final class DeleteWorker {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int worker = Integer.parseInt(args[1]);
    int count = Integer.parseInt(args[2]);
    Path log = Path.of(args[3]);
    Table table = DataShard.open(dir);
    try (BufferedWriter out =
        Files.newBufferedWriter(
            log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      for (int seq = 0; seq < count; seq++) {
        int s = seq;
        out.write(
            "append "
                + outcome(() -> table.newAppend().add(Map.of("worker", worker, "seq", s)).commit())
                + " "
                + seq
                + "\n");
        if (seq % 2 == 1) {
          out.write(
              "delete "
                  + outcome(
                      () ->
                          table
                              .newDelete()
                              .where("worker = " + worker + " and seq = " + s)
                              .commit())
                  + " "
                  + seq
                  + "\n");
        }
        out.flush();
      }
    }
  }

  private static String outcome(Runnable change) {
    try {
      change.run();
      return "ok";
    } catch (CommitStateUnknownException e) {
      return "unknown";
    } catch (RuntimeException e) {
      System.out.println(e);
      return "failed";
    }
  }
}
