package io.datashard.cli;

import io.datashard.ChangeBatch;
import io.datashard.ChangeConsumer;
import io.datashard.CommitStateUnknownException;
import io.datashard.DataShard;
import io.datashard.Ref;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import io.datashard.TransactionResult;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

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
    if (args[0].equals("consume")) {
      consume(args);
      return;
    }
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
            out.write("ok " + seq + " " + micros() + "\n");
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

  /** Wall-clock microseconds, comparable between the processes of one machine. */
  static long micros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
  }

  /**
   * A consumer of {@code stress --mode pipeline}: follows the source table as consumer {@code
   * pipeline-I} and writes the rows of its shard ((process + seq) mod C = I) into the output table
   * effectively once, logging "d PROCESS SEQ MICROS" for each row it delivered. It stops when the
   * stop file existed before a poll that found nothing new. Arguments: consume, source, I, C,
   * output, log, ready, go, stop, warm-up dir (or "-").
   */
  private static void consume(String[] args) throws Exception {
    Path source = Path.of(args[1]);
    int index = Integer.parseInt(args[2]);
    int consumers = Integer.parseInt(args[3]);
    Path output = Path.of(args[4]);
    Path log = Path.of(args[5]);
    Path ready = Path.of(args[6]);
    Path go = Path.of(args[7]);
    Path stop = Path.of(args[8]);
    if (!args[9].equals("-")) {
      // the same loop on tables of its own first, so the timed part is not class loading
      Path warm = Files.createTempDirectory(Path.of(args[9]), "consumer-" + index);
      Schema schema = Schema.parse("process int not null, seq int not null");
      Table warmSource = DataShard.create(warm.resolve("source"), schema);
      Table warmOutput = DataShard.create(warm.resolve("output"), schema);
      ChangeConsumer w = warmSource.consumer("warm").writingTo(warmOutput);
      for (int i = 0; i < 30; i++) {
        warmSource.newAppend().add(Map.of("process", 0, "seq", i)).commit();
        deliver(w, w.poll(), 0, 1, null, List.of());
      }
    }
    Table table = DataShard.open(source);
    Table out = DataShard.open(output);
    ChangeConsumer c = table.consumer("pipeline-" + index).writingTo(out);
    // where this process goes on from, against the cursor tag: after a kill between an output
    // write and the (lagging) cursor move, the output's record is ahead of the cursor
    Ref cursor = table.refs().get(c.refName());
    Long resume = c.position().map(Snapshot::snapshotId).orElse(null);
    String start =
        "start "
            + (cursor == null ? "-" : cursor.snapshotId())
            + " "
            + (resume == null ? "-" : resume);
    if (!Files.exists(ready)) {
      Files.createFile(ready);
    }
    while (!Files.exists(go)) {
      Thread.sleep(1);
    }
    // A reader thread follows the table and hands each batch over as it arrives (the moment the
    // lag is measured to); this thread writes what has arrived, several batches in one output
    // transaction when they queued up while the last one was written.
    LinkedBlockingQueue<Received> arrived = new LinkedBlockingQueue<>();
    AtomicInteger generation = new AtomicInteger();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread reader =
        new Thread(
            () -> {
              try {
                ChangeBatch last = null;
                int seen = generation.get();
                while (true) {
                  if (generation.get() != seen) {
                    seen = generation.get();
                    last = null; // start again from what is durably recorded
                  }
                  boolean stopping = Files.exists(stop);
                  ChangeBatch b = c.follow(last, Duration.ofMillis(200));
                  if (b.isEmpty()) {
                    if (stopping) {
                      arrived.put(new Received(null, 0, seen)); // caught up: the writer may end
                    }
                    continue;
                  }
                  b.rows();
                  arrived.put(new Received(b, micros(), seen));
                  last = b;
                }
              } catch (Throwable t) {
                failed.set(t);
                arrived.add(new Received(null, 0, -1));
              }
            },
            "pipeline-reader");
    reader.setDaemon(true);
    reader.start();
    try (BufferedWriter w =
        Files.newBufferedWriter(
            log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      w.write(start + "\n");
      w.flush();
      boolean done = false;
      while (!done) {
        List<Received> got = new ArrayList<>();
        got.add(arrived.take());
        arrived.drainTo(got);
        ChangeBatch joined = null;
        List<long[]> times = new ArrayList<>();
        for (Received r : got) {
          if (r.generation == -1) {
            throw new IllegalStateException("the reader failed", failed.get());
          }
          if (r.batch == null) {
            done = r.generation == generation.get();
            continue;
          }
          if (r.generation != generation.get()) {
            continue; // read ahead of a batch another process wrote: dropped
          }
          joined = joined == null ? r.batch : joined.concat(r.batch);
          times.add(new long[] {r.batch.rows().size(), r.micros});
        }
        if (joined != null && !deliver(c, joined, index, consumers, w, times)) {
          generation.incrementAndGet();
        }
      }
    }
  }

  /** A batch as the reader thread received it. */
  private record Received(ChangeBatch batch, long micros, int generation) {}

  /**
   * Writes a batch's rows of this shard to the output; logs them, with the time each part of the
   * batch was received ({rows, micros} per part), if this process wrote them.
   *
   * @return false if the output had the batch already (another process of the consumer wrote it)
   */
  private static boolean deliver(
      ChangeConsumer c,
      ChangeBatch b,
      int index,
      int consumers,
      BufferedWriter log,
      List<long[]> received)
      throws IOException {
    List<int[]> mine = new ArrayList<>();
    List<Long> at = new ArrayList<>();
    int part = 0;
    long left = received.isEmpty() ? Long.MAX_VALUE : received.get(0)[0];
    for (Row r : b.rows()) {
      while (left == 0 && part + 1 < received.size()) {
        part++;
        left = received.get(part)[0];
      }
      left--;
      long micros = received.isEmpty() ? 0 : received.get(part)[1];
      if (!"INSERT".equals(r.get("_change_type"))) {
        continue;
      }
      int process = r.get("process", Integer.class);
      int seq = r.get("seq", Integer.class);
      if (Math.floorMod(process + seq, consumers) == index) {
        mine.add(new int[] {process, seq});
        at.add(micros);
      }
    }
    TransactionResult<Void> result =
        c.commit(
            b,
            tx -> {
              for (int[] m : mine) {
                tx.append(Map.of("process", m[0], "seq", m[1]));
              }
            });
    if (log != null && !result.alreadyApplied()) {
      long written = micros();
      for (int i = 0; i < mine.size(); i++) {
        int[] m = mine.get(i);
        log.write("d " + m[0] + " " + m[1] + " " + at.get(i) + " " + written + "\n");
      }
      log.flush();
    }
    return !result.alreadyApplied();
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
