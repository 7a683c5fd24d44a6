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
 * A child process for concurrency tests: appends rows {worker, seq}, deletes every odd one again
 * right after appending it and upserts every other even one (the same row, by its key), logging
 * {@code append|delete|upsert ok|unknown|failed SEQ}.
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
        if (seq % 4 == 2) {
          // the same row again, by key: replaced, never doubled
          out.write(
              "upsert "
                  + outcome(
                      () ->
                          table
                              .newUpsert()
                              .key("worker", "seq")
                              .add(Map.of("worker", worker, "seq", s))
                              .commit())
                  + " "
                  + seq
                  + "\n");
        }
        if (seq % 2 == 1) {
          String[] wrote = {""};
          String outcome =
              outcome(
                  () ->
                      table
                          .newDelete()
                          .where("worker = " + worker + " and seq = " + s)
                          .commit()
                          .ifPresent(
                              d ->
                                  wrote[0] =
                                      " positions="
                                          + d.summaryLong("added-position-deletes", 0)
                                          + " rewritten="
                                          + d.summaryLong("datashard.rows-rewritten", 0)));
          out.write("delete " + outcome + " " + seq + wrote[0] + "\n");
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
