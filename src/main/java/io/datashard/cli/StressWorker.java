package io.datashard.cli;

import io.datashard.CommitStateUnknownException;
import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Table;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * One worker process of {@code datashard stress}. It signals readiness, waits for the go signal,
 * runs its operations and logs each acknowledged one to its own log file. The parent never trusts
 * these logs for the "actual" figures: it counts by reading the table; the logs only say which
 * operations were acknowledged, to find lost ones.
 *
 * <p>Before it signals readiness it warms up (class loading, compilation) with the same operation
 * on a separate table, so that the timed part measures what a long run measures.
 *
 * <p>Arguments: mode (plain-file | append | counter), target (file or table dir), process number,
 * operations, log file, ready file, go file, and optionally a warm-up table dir and its operation
 * count.
 */
public final class StressWorker {
  private StressWorker() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    Path target = Path.of(args[1]);
    int process = Integer.parseInt(args[2]);
    int ops = Integer.parseInt(args[3]);
    Path log = Path.of(args[4]);
    Path ready = Path.of(args[5]);
    Path go = Path.of(args[6]);
    Table table = mode.equals("plain-file") ? null : DataShard.open(target);
    if (table != null && args.length > 8) {
      Table warm = DataShard.open(Path.of(args[7]));
      int warmOps = Integer.parseInt(args[8]);
      for (int i = 0; i < warmOps; i++) {
        if (mode.equals("counter")) {
          increment(warm, process);
        } else {
          warm.newAppend().add(Map.of("process", process, "seq", i)).commit();
        }
      }
    }
    Files.createFile(ready);
    while (!Files.exists(go)) {
      Thread.sleep(1);
    }
    try (BufferedWriter out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
      if (table == null) {
        for (int i = 0; i < ops; i++) {
          plainIncrement(target);
        }
        out.write("done " + ops + "\n");
      } else if (mode.equals("counter")) {
        for (int seq = 0; seq < ops; seq++) {
          try {
            long value = increment(table, process);
            out.write("ok " + seq + " " + value + "\n");
            if (seq % 50 == 49) {
              out.flush(); // the parent reads the logs for its progress line
            }
          } catch (CommitStateUnknownException e) {
            out.write("unknown " + seq + "\n");
          }
        }
        out.write("conflicts " + table.conflictRetries() + "\n");
      } else {
        for (int seq = 0; seq < ops; seq++) {
          try {
            table
                .newAppend()
                .add(Map.of("process", process, "seq", seq))
                .summary("writer", "stress-" + process)
                .commit();
            out.write("ok " + seq + "\n");
            if (seq % 50 == 49) {
              out.flush(); // the parent reads the logs for its progress line
            }
          } catch (CommitStateUnknownException e) {
            out.write("unknown " + seq + "\n");
          }
        }
        out.write("conflicts " + table.conflictRetries() + "\n");
      }
    }
  }

  /**
   * One serializable read-modify-write: read the counter row, replace it with value + 1. Re-run by
   * DataShard whenever another process committed in between.
   */
  static long increment(Table table, int process) {
    return table
        .newTransaction()
        .maxAttempts(1_000_000)
        .run(
            tx -> {
              long current = 0;
              for (Row r : tx.scan().toList()) {
                current = r.get("value", Long.class);
              }
              long next = current + 1;
              tx.deleteAll()
                  .append(Map.of("value", next, "process", process))
                  .summary("writer", "stress-" + process);
              return next;
            })
        .value();
  }

  /** Read, add one, write back, with no coordination at all: what plain files do. */
  static void plainIncrement(Path file) throws IOException {
    long value;
    try {
      String s = Files.readString(file, StandardCharsets.UTF_8).trim();
      value = s.isEmpty() ? 0 : Long.parseLong(s);
    } catch (NumberFormatException | IOException e) {
      value = 0; // a torn or vanished file reads as garbage: the update is lost
    }
    Files.writeString(file, Long.toString(value + 1), StandardCharsets.UTF_8);
  }
}
