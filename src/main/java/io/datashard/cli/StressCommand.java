package io.datashard.cli;

import io.datashard.CloseableIterator;
import io.datashard.DataShard;
import io.datashard.DiskUsage;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The stress demo: many OS processes hammer one table; afterwards the table is read and every
 * acknowledged operation is checked present exactly once. A plain file with no coordination runs
 * the same workload first, to show what is lost without DataShard.
 */
@Command(
    name = "stress",
    description =
        "Run concurrent worker processes against one table and count, by "
            + "reading the table afterwards, that nothing acknowledged was lost or duplicated.")
final class StressCommand implements Callable<Integer> {
  enum Mode {
    append,
    counter,
    both,
    pipeline
  }

  enum Format {
    text,
    json
  }

  @Option(
      names = "--dir",
      paramLabel = "DIR",
      description = "Work directory (default: a new temporary directory, " + "removed afterwards).")
  Path dir;

  @Option(
      names = "--processes",
      defaultValue = "12",
      description = "Worker processes (default: ${DEFAULT-VALUE}).")
  int processes;

  @Option(
      names = "--ops",
      defaultValue = "200",
      description = "Operations per process (default: ${DEFAULT-VALUE}).")
  int ops;

  @Option(
      names = "--warmup-ops",
      defaultValue = "50",
      paramLabel = "N",
      description =
          "Operations each worker makes on a separate table before the timed part starts, so that "
              + "class loading and compilation are not timed (default: ${DEFAULT-VALUE}).")
  int warmupOps;

  @Option(
      names = "--mode",
      defaultValue = "both",
      description = "Workload: ${COMPLETION-CANDIDATES} " + "(default: ${DEFAULT-VALUE}).")
  Mode mode;

  @Option(
      names = "--format",
      defaultValue = "text",
      description = "text or json (default: ${DEFAULT-VALUE}).")
  Format format;

  @Option(names = "--verbose", description = "Print stack traces with errors.")
  boolean verbose;

  @Option(
      names = "--baseline-ops",
      defaultValue = "-1",
      paramLabel = "N",
      description =
          "Counter mode also "
              + "times one process making N increments alone, the rate the concurrent run is compared with (default: "
              + "processes x ops, at most 1,000; 0 skips it).")
  int baselineOps;

  @Option(
      names = "--property",
      paramLabel = "KEY=VALUE",
      description =
          "A table property for the tables the "
              + "workers use, e.g. datashard.commit.group.enabled=false to compare without group commit (repeatable).")
  Map<String, String> properties = new LinkedHashMap<>();

  @Option(
      names = "--consumers",
      defaultValue = "4",
      paramLabel = "C",
      description =
          "Pipeline mode: consumer processes that follow the table, each writing its shard of the"
              + " rows into an output table effectively once (default: ${DEFAULT-VALUE}).")
  int consumers;

  @Option(
      names = "--kill-consumer-every-ms",
      defaultValue = "0",
      paramLabel = "MS",
      description =
          "Pipeline mode: every MS milliseconds, kill a random consumer process with SIGKILL and"
              + " start it again, to show that no row is lost or written twice (default: never).")
  long killEveryMs;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (mode == Mode.pipeline) {
      return pipelineMain();
    }
    if (processes < 1 || ops < 1 || warmupOps < 0) {
      throw new CliException(
          "--processes and --ops must be at least 1, and --warmup-ops must not be negative");
    }
    boolean temporary = dir == null;
    Path work = temporary ? Files.createTempDirectory("datashard-stress") : dir;
    Files.createDirectories(work);
    PrintWriter out = spec.commandLine().getOut();
    if (format == Format.text) {
      out.println(
          "DataShard stress: " + processes + " processes x " + ops + " operations in " + work);
      out.println(
          "Timed: from the moment every worker JVM has started and made "
              + warmupOps
              + " warm-up operations on a separate table, to the end of the last worker.");
      out.flush();
    }
    try {
      List<Map<String, Object>> results = new ArrayList<>();
      double[] diskBefore = DiskProbe.publishRates(work);
      results.add(plainFile(work));
      report(out, results.get(results.size() - 1));
      List<Map<String, Object>> tables = new ArrayList<>();
      if (mode != Mode.counter) {
        tables.add(append(work));
      }
      if (mode != Mode.append) {
        tables.add(counter(work));
      }
      double[] diskAfter = DiskProbe.publishRates(work);
      Map<String, Object> disk = DiskProbe.result(diskBefore, diskAfter);
      report(out, disk);
      results.add(disk);
      for (Map<String, Object> r : tables) {
        DiskProbe.relate(r, disk);
        report(out, r);
        results.add(r);
      }
      boolean ok = true;
      for (Map<String, Object> r : results) {
        if (!r.get("mode").equals("plain-file")
            && !r.get("mode").equals("disk")
            && ((long) r.get("lost") != 0
                || (long) r.get("duplicated") != 0
                || (long) r.get("actual") != (long) r.get("expected"))) {
          ok = false;
        }
      }
      if (format == Format.text) {
        out.println(
            ok
                ? "Result: DataShard kept every acknowledged operation exactly once."
                : "Result: FAILURE: DataShard lost or duplicated operations (see above).");
      }
      return ok ? 0 : 1;
    } finally {
      if (temporary) {
        deleteTree(work);
      }
    }
  }

  private int pipelineMain() throws Exception {
    if (processes < 1 || ops < 1 || consumers < 1) {
      throw new CliException("--processes, --ops and --consumers must be at least 1");
    }
    boolean temporary = dir == null;
    Path work = temporary ? Files.createTempDirectory("datashard-stress") : dir;
    Files.createDirectories(work);
    PrintWriter out = spec.commandLine().getOut();
    if (format == Format.text) {
      out.println(
          "DataShard stress, pipeline: "
              + processes
              + " producer processes x "
              + ops
              + " appends, "
              + consumers
              + " consumer processes writing to an output table, in "
              + work);
      out.println(
          "Timed: from the moment every worker has started and warmed up, to the moment the"
              + " consumers have delivered the last row. Lag: from a producer's acknowledged"
              + " commit to a consumer receiving the row.");
      out.flush();
    }
    try {
      Map<String, Object> r = new Pipeline(work).run();
      if (format == Format.json) {
        out.println(Render.json(r));
      } else {
        out.printf(
            "%-10s expected %,d  actual %,d  lost %,d  duplicated %,d  wall %.2fs  %,.1f rows/s"
                + "  lag p50 %.1f ms  p99 %.1f ms (in the output: p50 %.1f ms, p99 %.1f ms)"
                + "  consumer kills %d%n",
            "pipeline",
            r.get("expected"),
            r.get("actual"),
            r.get("lost"),
            r.get("duplicated"),
            r.get("wall_s"),
            r.get("ops_per_s"),
            r.get("lag_p50_ms"),
            r.get("lag_p99_ms"),
            r.get("output_lag_p50_ms"),
            r.get("output_lag_p99_ms"),
            r.get("consumer_kills"));
      }
      boolean ok =
          (long) r.get("lost") == 0
              && (long) r.get("duplicated") == 0
              && (long) r.get("actual") == (long) r.get("expected");
      if (format == Format.text) {
        out.println(
            ok
                ? "Result: every acknowledged row reached the output exactly once."
                : "Result: FAILURE: rows were lost or written twice (see above).");
      }
      out.flush();
      return ok ? 0 : 1;
    } finally {
      if (temporary) {
        deleteTree(work);
      }
    }
  }

  /** Producers append to a source table while consumers follow it into an output table. */
  private final class Pipeline {
    private final Path work;
    private final Path runDir;
    private final Path go;
    private final Path stop;
    private final Path source;
    private final Path output;
    private final List<Process> producers = new ArrayList<>();
    private final Process[] consumerProcs;
    private final List<Path> producerLogs = new ArrayList<>();
    private final List<Path> consumerLogs = new ArrayList<>();
    private long kills;

    Pipeline(Path work) throws IOException {
      this.work = work;
      this.runDir = Files.createTempDirectory(work, "pipeline-run");
      this.go = runDir.resolve("go");
      this.stop = runDir.resolve("stop");
      this.source = work.resolve("pipeline-source");
      this.output = work.resolve("pipeline-output");
      this.consumerProcs = new Process[consumers];
    }

    Map<String, Object> run() throws Exception {
      String schema = "process int not null, seq int not null";
      createTable(source, schema);
      createTable(output, schema);
      createTable(work.resolve("append-warmup-table"), schema);
      try {
        List<Path> readies = new ArrayList<>();
        for (int p = 0; p < processes; p++) {
          Path log = runDir.resolve("producer-" + p + ".log");
          Path ready = runDir.resolve("producer-ready-" + p);
          producerLogs.add(log);
          readies.add(ready);
          List<String> args =
              new ArrayList<>(
                  List.of(
                      "append",
                      source.toString(),
                      Integer.toString(p),
                      Integer.toString(ops),
                      log.toString(),
                      ready.toString(),
                      go.toString()));
          if (warmupOps > 0) {
            args.add(work.resolve("append-warmup-table").toString());
            args.add(Integer.toString(warmupOps));
          }
          producers.add(start(args, runDir.resolve("producer-" + p + ".out")));
        }
        for (int i = 0; i < consumers; i++) {
          Path log = runDir.resolve("consumer-" + i + ".log");
          consumerLogs.add(log);
          readies.add(runDir.resolve("consumer-ready-" + i));
          consumerProcs[i] = startConsumer(i, true);
        }
        long waitUntil = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        for (Path ready : readies) {
          while (!Files.exists(ready)) {
            for (Process p : all()) {
              if (!p.isAlive() && p.exitValue() != 0) {
                throw new CliException("A pipeline worker did not start: " + outputs());
              }
            }
            if (System.nanoTime() > waitUntil) {
              throw new CliException("Pipeline workers did not start in 2 minutes: " + outputs());
            }
            Thread.sleep(5);
          }
        }
        long start = System.nanoTime();
        Files.createFile(go);
        Random random = new Random();
        long nextKill =
            killEveryMs > 0 ? System.nanoTime() + killEveryMs * 1_000_000 : Long.MAX_VALUE;
        while (producers.stream().anyMatch(Process::isAlive)) {
          Thread.sleep(5);
          if (System.nanoTime() >= nextKill) {
            killAndRestart(random.nextInt(consumers));
            nextKill = System.nanoTime() + killEveryMs * 1_000_000;
          }
        }
        for (int p = 0; p < processes; p++) {
          if (producers.get(p).waitFor() != 0) {
            throw new CliException(
                "Producer " + p + " failed: " + tail(runDir.resolve("producer-" + p + ".out")));
          }
        }
        Files.createFile(stop);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        for (int i = 0; i < consumers; i++) {
          if (!consumerProcs[i].waitFor(
              Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            throw new CliException("Consumer " + i + " did not catch up within 5 minutes");
          }
          if (consumerProcs[i].exitValue() != 0) {
            throw new CliException(
                "Consumer "
                    + i
                    + " failed (exit "
                    + consumerProcs[i].exitValue()
                    + "): "
                    + tail(consumerOut.get(i)));
          }
        }
        double wall = (System.nanoTime() - start) / 1e9;
        return check(wall);
      } finally {
        for (Process p : all()) {
          p.destroyForcibly();
        }
      }
    }

    private List<Process> all() {
      List<Process> out = new ArrayList<>(producers);
      for (Process p : consumerProcs) {
        if (p != null) {
          out.add(p);
        }
      }
      return out;
    }

    private String outputs() {
      StringBuilder s = new StringBuilder();
      try (Stream<Path> files = Files.list(runDir)) {
        for (Path f : files.filter(f -> f.toString().endsWith(".out")).sorted().toList()) {
          String t = tail(f);
          if (!t.isEmpty()) {
            s.append(f.getFileName()).append(": ").append(t).append('\n');
          }
        }
      } catch (IOException e) {
        s.append(e);
      }
      return s.toString();
    }

    /** The output file of each consumer's current process. */
    private final Map<Integer, Path> consumerOut = new HashMap<>();

    private Process startConsumer(int i, boolean warmUp) throws IOException {
      Path out = runDir.resolve("consumer-" + i + (warmUp ? "" : "-" + kills) + ".out");
      consumerOut.put(i, out);
      return start(
          List.of(
              "consume",
              source.toString(),
              Integer.toString(i),
              Integer.toString(consumers),
              output.toString(),
              consumerLogs.get(i).toString(),
              runDir.resolve("consumer-ready-" + i).toString(),
              go.toString(),
              stop.toString(),
              warmUp ? runDir.toString() : "-"),
          out);
    }

    private void killAndRestart(int i) throws Exception {
      Process p = consumerProcs[i];
      if (!p.isAlive()) {
        return;
      }
      p.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs
      p.waitFor();
      kills++;
      consumerProcs[i] = startConsumer(i, false);
    }

    private Process start(List<String> args, Path out) throws IOException {
      List<String> cmd = workerCommand(-1);
      cmd.addAll(args);
      return new ProcessBuilder(cmd)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
          .start();
    }

    private Map<String, Object> check(double wall) throws IOException {
      Map<Long, Long> ackMicros = new HashMap<>();
      for (int p = 0; p < processes; p++) {
        for (String line : Files.readAllLines(producerLogs.get(p))) {
          String[] f = line.split(" ");
          if (f[0].equals("ok")) {
            ackMicros.put(id(p, Integer.parseInt(f[1])), Long.parseLong(f[2]));
          }
        }
      }
      List<Long> lags = new ArrayList<>();
      List<Long> writtenLags = new ArrayList<>();
      long aheadOfCursor = 0;
      for (Path log : consumerLogs) {
        if (!Files.exists(log)) {
          continue;
        }
        for (String line : Files.readAllLines(log)) {
          String[] f = line.split(" ");
          if (f.length == 3 && f[0].equals("start") && !f[1].equals(f[2])) {
            aheadOfCursor++; // restarted after a kill between its output write and cursor move
          }
          if (f.length == 5 && f[0].equals("d")) {
            Long ack = ackMicros.get(id(Integer.parseInt(f[1]), Integer.parseInt(f[2])));
            if (ack != null) {
              lags.add(Math.max(0, Long.parseLong(f[3]) - ack));
              writtenLags.add(Math.max(0, Long.parseLong(f[4]) - ack));
            }
          }
        }
      }
      Map<Long, Integer> seen = new HashMap<>();
      long rows = 0;
      Table out = DataShard.open(output);
      try (CloseableIterator<Row> it = out.scan().iterator()) {
        while (it.hasNext()) {
          Row r = it.next();
          rows++;
          seen.merge(id((Integer) r.get("process"), (Integer) r.get("seq")), 1, Integer::sum);
        }
      }
      long lost = ackMicros.keySet().stream().filter(k -> !seen.containsKey(k)).count();
      long duplicated = seen.values().stream().mapToLong(n -> n - 1).sum();
      Collections.sort(lags);
      Collections.sort(writtenLags);
      Map<String, Object> m =
          result("pipeline", (long) processes * ops, rows, lost, duplicated, wall, 0, 0);
      m.remove("commits");
      m.remove("conflicts");
      m.put("consumers", (long) consumers);
      m.put("lag_p50_ms", percentileMs(lags, 0.50));
      m.put("lag_p99_ms", percentileMs(lags, 0.99));
      m.put("lag_max_ms", lags.isEmpty() ? 0.0 : lags.get(lags.size() - 1) / 1000.0);
      m.put("lag_samples", (long) lags.size());
      // to the commit of the consumer's output transaction that holds the row
      m.put("output_lag_p50_ms", percentileMs(writtenLags, 0.50));
      m.put("output_lag_p99_ms", percentileMs(writtenLags, 0.99));
      m.put("consumer_kills", kills);
      m.put("restarts_ahead_of_cursor", aheadOfCursor);
      m.put(
          "source_commits",
          DataShard.open(source).currentSnapshot().map(Snapshot::sequenceNumber).orElse(0L));
      m.put("output_commits", out.currentSnapshot().map(Snapshot::sequenceNumber).orElse(0L));
      return m;
    }
  }

  private static double percentileMs(List<Long> sortedMicros, double q) {
    if (sortedMicros.isEmpty()) {
      return 0.0;
    }
    int i = (int) Math.ceil(q * sortedMicros.size()) - 1;
    long v = sortedMicros.get(Math.max(0, Math.min(sortedMicros.size() - 1, i)));
    return Math.round(v / 100.0) / 10.0;
  }

  private Map<String, Object> plainFile(Path work) throws Exception {
    Path file = work.resolve("plain-counter.txt");
    Files.writeString(file, "0");
    Run run = runWorkers(work, "plain-file", file);
    long actual;
    try {
      actual = Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).trim());
    } catch (NumberFormatException e) {
      actual = 0;
    }
    long expected = (long) processes * ops;
    return result(
        "plain-file", expected, actual, Math.max(0, expected - actual), 0, run.wallSeconds, 0, 0);
  }

  private Table createTable(Path tableDir, String schema) {
    DataShard.TableBuilder b = DataShard.table(tableDir).schema(Schema.parse(schema));
    properties.forEach(b::property);
    return b.create();
  }

  private Map<String, Object> append(Path work) throws Exception {
    Path tableDir = work.resolve("append-table");
    Table table = createTable(tableDir, "process int not null, seq int not null");
    createTable(work.resolve("append-warmup-table"), "process int not null, seq int not null");
    Run run = runWorkers(work, "append", tableDir);
    Set<Long> acknowledged = new HashSet<>();
    long conflicts = 0;
    for (int p = 0; p < processes; p++) {
      for (String line : Files.readAllLines(run.logs.get(p))) {
        String[] f = line.split(" ");
        if (f[0].equals("ok")) {
          acknowledged.add(id(p, Integer.parseInt(f[1])));
        } else if (f[0].equals("conflicts")) {
          conflicts += Long.parseLong(f[1]);
        }
      }
    }
    Map<Long, Integer> seen = new HashMap<>();
    long rows = 0;
    table.refresh();
    try (CloseableIterator<Row> it = table.scan().iterator()) {
      while (it.hasNext()) {
        Row r = it.next();
        rows++;
        seen.merge(id((Integer) r.get("process"), (Integer) r.get("seq")), 1, Integer::sum);
      }
    }
    long lost = acknowledged.stream().filter(id -> !seen.containsKey(id)).count();
    long duplicated = seen.values().stream().mapToLong(n -> n - 1).sum();
    long commits =
        table.currentSnapshot().map(Snapshot::sequenceNumber).orElse(0L); // one per commit
    Map<String, Object> r =
        result(
            "append",
            (long) processes * ops,
            rows,
            lost,
            duplicated,
            run.wallSeconds,
            commits,
            conflicts);
    putDiskUsage(r, table);
    r.putAll(DiskProbe.scanVsOneFile(table, work.resolve("append-one-file-table")));
    return r;
  }

  /** The table's files after the run: live data files, and its bytes on disk by role. */
  private static void putDiskUsage(Map<String, Object> r, Table table) {
    DiskUsage u = table.maintenance().diskUsage();
    r.put("data_files", u.liveDataFiles());
    r.put("data_bytes", u.liveDataBytes());
    r.put("retained_bytes", u.retainedBytes());
    r.put("awaiting_cleanup_bytes", u.awaitingCleanupBytes());
    r.put("unreferenced_files", u.unreferencedFiles());
    r.put("unreferenced_bytes", u.unreferencedBytes());
    r.put("table_bytes", u.totalBytes());
  }

  private Map<String, Object> counter(Path work) throws Exception {
    // one warm-up table per worker: warming up must not wait in line for one counter row
    for (int p = 0; p < processes; p++) {
      createTable(work.resolve("counter-warmup-table-" + p), "value long not null, process int");
    }
    double baseline = 0;
    int n = baselineOps >= 0 ? baselineOps : (int) Math.min(1000L, (long) processes * ops);
    if (n > 0) {
      // one process doing durable commits back to back: the rate the concurrent run is held to
      Path baseDir = work.resolve("counter-baseline-table");
      createTable(baseDir, "value long not null, process int");
      int savedProcesses = processes;
      int savedOps = ops;
      processes = 1;
      ops = n;
      try {
        Run alone = runWorkers(work, "counter", baseDir);
        baseline = n / alone.wallSeconds;
        long value = DataShard.open(baseDir).scan().toList().get(0).get("value", Long.class);
        if (value != n) {
          throw new CliException(
              "The single-process counter ended at "
                  + value
                  + " instead of "
                  + n
                  + ": DataShard is broken");
        }
      } finally {
        processes = savedProcesses;
        ops = savedOps;
      }
    }
    Path tableDir = work.resolve("counter-table");
    Table table = createTable(tableDir, "value long not null, process int");
    Run run = runWorkers(work, "counter", tableDir);
    long acknowledged = 0;
    long conflicts = 0;
    Set<Long> values = new HashSet<>();
    long duplicateValues = 0;
    for (int p = 0; p < processes; p++) {
      for (String line : Files.readAllLines(run.logs.get(p))) {
        String[] f = line.split(" ");
        if (f[0].equals("ok")) {
          acknowledged++;
          if (!values.add(Long.parseLong(f[2]))) {
            duplicateValues++; // two increments saw the same counter value: a lost update
          }
        } else if (f[0].equals("conflicts")) {
          conflicts += Long.parseLong(f[1]);
        }
      }
    }
    table.refresh();
    List<Row> rows = table.scan().toList();
    long actual = rows.size() == 1 ? (Long) rows.get(0).get("value") : -1;
    if (rows.size() != 1) {
      throw new CliException(
          "The counter table holds " + rows.size() + " rows instead of 1: DataShard is broken");
    }
    long lost = Math.max(0, acknowledged - actual) + duplicateValues;
    long duplicated = Math.max(0, actual - acknowledged - unknownCount(run));
    long commits =
        table.currentSnapshot().map(Snapshot::sequenceNumber).orElse(0L); // one per commit
    Map<String, Object> r =
        result(
            "counter",
            (long) processes * ops,
            actual,
            lost,
            duplicated,
            run.wallSeconds,
            commits,
            conflicts);
    putDiskUsage(r, table);
    if (baseline > 0) {
      r.put("single_process_ops_per_s", Math.round(baseline * 10) / 10.0);
      r.put("vs_single_process", Math.round((double) r.get("ops_per_s") / baseline * 100) / 100.0);
    }
    return r;
  }

  private long unknownCount(Run run) throws IOException {
    long n = 0;
    for (Path log : run.logs) {
      for (String line : Files.readAllLines(log)) {
        if (line.startsWith("unknown ")) {
          n++;
        }
      }
    }
    return n;
  }

  private static long id(int process, int seq) {
    return ((long) process << 32) | (seq & 0xffffffffL);
  }

  private Map<String, Object> result(
      String name,
      long expected,
      long actual,
      long lost,
      long duplicated,
      double wall,
      long commits,
      long conflicts) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("mode", name);
    m.put("processes", (long) processes);
    m.put("ops_per_process", (long) ops);
    m.put("expected", expected);
    m.put("actual", actual);
    m.put("lost", lost);
    m.put("duplicated", duplicated);
    m.put("wall_s", Math.round(wall * 1000) / 1000.0);
    m.put("ops_per_s", wall > 0 ? Math.round(expected / wall * 10) / 10.0 : 0.0);
    m.put("commits", commits);
    m.put("conflicts", conflicts);
    return m;
  }

  private void report(PrintWriter out, Map<String, Object> r) {
    if (format == Format.json) {
      out.println(Render.json(r));
    } else if (r.get("mode").equals("disk")) {
      out.printf(
          "%-10s durable publishes (write, fsync, hard link, directory fsync), before and after: "
              + "one at a time %,.0f/s, %d at once %,.0f/s%n",
          "disk", r.get("publishes_per_s"), DiskProbe.THREADS, r.get("publishes_per_s_concurrent"));
    } else {
      out.printf(
          "%-10s expected %,d  actual %,d  lost %,d  duplicated %,d  wall %.2fs  %,.1f ops/s  commits %,d"
              + "  conflicts retried %,d%n",
          r.get("mode"),
          r.get("expected"),
          r.get("actual"),
          r.get("lost"),
          r.get("duplicated"),
          r.get("wall_s"),
          r.get("ops_per_s"),
          r.get("commits"),
          r.get("conflicts"));
      if (r.containsKey("commits_vs_disk")) {
        out.printf(
            "%-10s %,.1f commits/s = %.2fx the disk's one-at-a-time publish rate; %,.1f ops/s = %.2fx"
                + "%n",
            "",
            r.get("commits_per_s"),
            r.get("commits_vs_disk"),
            r.get("ops_per_s"),
            r.get("ops_vs_disk"));
      }
      if (r.containsKey("data_files")) {
        out.printf(
            "%-10s table after the run: %,d live data files (%s); on disk %s in all, %s waiting for "
                + "cleanup, %s unreferenced%n",
            "",
            r.get("data_files"),
            Progress.bytes((long) r.get("data_bytes")),
            Progress.bytes((long) r.get("table_bytes")),
            Progress.bytes((long) r.get("awaiting_cleanup_bytes")),
            Progress.bytes((long) r.get("unreferenced_bytes")));
      }
      if (r.containsKey("scan_s")) {
        out.printf(
            "%-10s a full scan took %.3fs, the same rows in one file %.3fs: %.2fx%n",
            "", r.get("scan_s"), r.get("one_file_scan_s"), r.get("scan_vs_one_file"));
      }
      if (r.containsKey("single_process_ops_per_s")) {
        out.printf(
            "%-10s one process alone: %,.1f ops/s; %d processes together reach %.2fx that rate%n",
            "", r.get("single_process_ops_per_s"), processes, r.get("vs_single_process"));
      }
    }
    out.flush();
  }

  private static final class Run {
    final List<Path> logs = new ArrayList<>();
    double wallSeconds;
  }

  private Run runWorkers(Path work, String workerMode, Path target) throws Exception {
    Path runDir = Files.createTempDirectory(work, workerMode + "-run");
    Path go = runDir.resolve("go");
    Run run = new Run();
    List<Process> procs = new ArrayList<>();
    List<Path> readies = new ArrayList<>();
    try {
      for (int p = 0; p < processes; p++) {
        Path log = runDir.resolve("worker-" + p + ".log");
        Path ready = runDir.resolve("ready-" + p);
        run.logs.add(log);
        readies.add(ready);
        List<String> cmd = workerCommand(p);
        cmd.addAll(
            List.of(
                workerMode,
                target.toString(),
                Integer.toString(p),
                Integer.toString(ops),
                log.toString(),
                ready.toString(),
                go.toString()));
        Path warmup =
            work.resolve(
                workerMode.equals("counter")
                    ? "counter-warmup-table-" + p
                    : workerMode + "-warmup-table");
        if (warmupOps > 0 && Files.isDirectory(warmup)) {
          cmd.add(warmup.toString());
          cmd.add(Integer.toString(warmupOps));
        }
        procs.add(
            new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(runDir.resolve("worker-" + p + ".out").toFile())
                .start());
      }
      long waitUntil = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      for (int p = 0; p < processes; p++) {
        while (!Files.exists(readies.get(p))) {
          if (!procs.get(p).isAlive() || System.nanoTime() > waitUntil) {
            throw new CliException(
                "Stress worker "
                    + p
                    + " did not start: "
                    + tail(runDir.resolve("worker-" + p + ".out")));
          }
          Thread.sleep(5);
        }
      }
      long start = System.nanoTime();
      Files.createFile(go);
      // progress from the workers' logs (a line per acknowledged operation; they write in blocks)
      try (Progress progress =
          Progress.start(
              "stress " + workerMode,
              (long) processes * ops,
              Progress.Unit.OPS,
              spec.commandLine().getErr(),
              false)) {
        long[] offsets = new long[processes];
        long lines = 0;
        while (true) {
          Process alive = procs.stream().filter(Process::isAlive).findFirst().orElse(null);
          if (alive == null) {
            break;
          }
          alive.waitFor(200, TimeUnit.MILLISECONDS);
          for (int p = 0; p < processes; p++) {
            lines += newLines(run.logs.get(p), offsets, p);
          }
          progress.update(Math.min(lines, (long) processes * ops));
        }
      }
      for (int p = 0; p < processes; p++) {
        procs.get(p).waitFor();
        if (procs.get(p).exitValue() != 0) {
          throw new CliException(
              "Stress worker "
                  + p
                  + " failed (exit "
                  + procs.get(p).exitValue()
                  + "): "
                  + tail(runDir.resolve("worker-" + p + ".out")));
        }
      }
      run.wallSeconds = (System.nanoTime() - start) / 1e9;
      return run;
    } finally {
      for (Process p : procs) {
        p.destroyForcibly();
      }
    }
  }

  /**
   * Counts the line ends written to a log since the last call (offsets[p] remembers where it
   * stopped).
   */
  private static long newLines(Path log, long[] offsets, int p) {
    try (FileChannel ch = FileChannel.open(log)) {
      long size = ch.size();
      if (size <= offsets[p]) {
        return 0;
      }
      ByteBuffer buf = ByteBuffer.allocate((int) Math.min(size - offsets[p], 1 << 20));
      ch.read(buf, offsets[p]);
      buf.flip();
      long n = 0;
      while (buf.hasRemaining()) {
        if (buf.get() == '\n') {
          n++;
        }
      }
      offsets[p] += buf.limit();
      return n;
    } catch (IOException e) {
      return 0; // not written yet
    }
  }

  private static String tail(Path f) {
    try {
      String s = Files.readString(f, StandardCharsets.UTF_8).strip();
      return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
    } catch (IOException e) {
      return "(no output)";
    }
  }

  /**
   * The command line of a worker JVM up to its arguments: small heap, serial GC, C1 only and
   * compiling after a tenth of the usual calls (short runs: measured with 12 workers appending
   * 2,000 rows each, 1.16x and 1.24x the rate of the usual thresholds, whose workers still spent a
   * tenth of their time interpreting), the options in DATASHARD_STRESS_WORKER_OPTS ({@code %p}: the
   * worker number, when {@code p >= 0}), this class path and the worker class.
   */
  private static List<String> workerCommand(int p) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                javaBinary(),
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-XX:CompileThresholdScaling=0.1",
                "-Dslf4j.internal.verbosity=ERROR"));
    String extra = System.getenv("DATASHARD_STRESS_WORKER_OPTS"); // e.g. a profiler, for one run
    if (p >= 0 && extra != null && !extra.isBlank()) {
      for (String o : extra.trim().split("\\s+")) {
        cmd.add(o.replace("%p", Integer.toString(p)));
      }
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), StressWorker.class.getName()));
    return cmd;
  }

  static String javaBinary() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort cleanup of a temporary directory
    }
  }
}
