package io.datashard.cli;

import io.datashard.CloseableIterator;
import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import io.datashard.VerifyReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * The kill test: writer processes commit in a loop and log every acknowledged commit; the parent
 * kills a random one with SIGKILL at random moments and restarts it; afterwards it checks that
 * every acknowledged commit is in the table exactly once and that the table verifies.
 */
@Command(
    name = "torture",
    mixinStandardHelpOptions = true,
    description = {
      "Kill test: start writer processes that commit small appends in a loop and log each acknowledged commit "
          + "(fsynced); kill a random writer with SIGKILL after a random delay and restart it, --kills times; "
          + "then stop the writers, read the table and check that every acknowledged row is there exactly once, "
          + "no row is duplicated, and 'verify --deep' finds no error.",
      "Prints kills, acknowledged commits, rows, lost, duplicated, unreadable, orphans and wall seconds. Orphans "
          + "(files killed writers left behind) are expected and only counted. Commits that landed just before a "
          + "kill, before their log line, are counted as 'unacknowledged present'."
    },
    footer = {
      "",
      "Exit codes: 0 nothing lost, duplicated or unreadable, verify clean; 1 otherwise; 2 bad command line."
    })
final class TortureCommand implements Callable<Integer> {
  enum Format {
    text,
    json
  }

  @Option(
      names = "--dir",
      paramLabel = "DIR",
      description =
          "Work directory, which must not hold a torture table "
              + "yet (default: a new temporary directory, removed afterwards unless the check fails).")
  Path dir;

  @Option(
      names = "--processes",
      defaultValue = "4",
      description = "Writer processes (default: ${DEFAULT-VALUE}).")
  int processes;

  @Option(
      names = "--kills",
      defaultValue = "200",
      description = "Kills to do (default: ${DEFAULT-VALUE}).")
  int kills;

  @Option(
      names = "--seed",
      description =
          "Random seed for the choice of victims and delays (default: random; "
              + "always printed).")
  Long seed;

  @Option(
      names = "--max-delay-ms",
      defaultValue = "500",
      description =
          "A victim is killed a random 0..this many "
              + "milliseconds after its first commit (default: ${DEFAULT-VALUE}).")
  int maxDelayMs;

  @Option(
      names = "--format",
      defaultValue = "text",
      description = "text or json (default: ${DEFAULT-VALUE}).")
  Format format;

  @Option(names = "--verbose", description = "Print stack traces with errors.")
  boolean verbose;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /** One writer slot: the current process and its generation. */
  private final class Slot {
    final int writer;
    int generation = -1;
    Process process;
    Path ready;
    Path out;

    Slot(int writer) {
      this.writer = writer;
    }

    void start(Path tableDir, Path logs, Path stop, long baseSeed) throws IOException {
      generation++;
      String name = "w" + writer + "-g" + generation;
      ready = logs.resolve(name + ".ready");
      out = logs.resolve(name + ".out");
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  StressCommand.javaBinary(),
                  "-Xmx256m",
                  "-XX:+UseSerialGC",
                  "-XX:TieredStopAtLevel=1",
                  "-Dslf4j.internal.verbosity=ERROR",
                  "-cp",
                  System.getProperty("java.class.path"),
                  TortureWorker.class.getName(),
                  tableDir.toString(),
                  Integer.toString(writer),
                  Integer.toString(generation),
                  logs.resolve(name + ".log").toString(),
                  ready.toString(),
                  stop.toString(),
                  Long.toString(baseSeed * 31 + writer * 1_000_003L + generation)));
      process =
          new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    }
  }

  private record Key(int writer, int generation, int seq, int part) {}

  private record Commit(int writer, int generation, int seq) {}

  @Override
  public Integer call() throws Exception {
    if (processes < 1 || kills < 0 || maxDelayMs < 0) {
      throw new CliException(
          "--processes must be at least 1, --kills and --max-delay-ms at least 0");
    }
    long s = seed != null ? seed : new Random().nextLong();
    boolean temporary = dir == null;
    Path work = temporary ? Files.createTempDirectory("datashard-torture") : dir.toAbsolutePath();
    Path tableDir = work.resolve("table");
    Path logs = work.resolve("logs");
    if (Files.exists(tableDir) || Files.exists(logs)) {
      throw new CliException(
          "The work directory "
              + work
              + " already holds a torture run (table/ or logs/). "
              + "Choose an empty or new --dir.");
    }
    Files.createDirectories(logs);
    PrintWriter out = spec.commandLine().getOut();
    if (format == Format.text) {
      out.println(
          "DataShard torture: "
              + processes
              + " writer processes, "
              + kills
              + " kills, seed "
              + s
              + ", in "
              + work);
      out.flush();
    }
    DataShard.create(
        tableDir,
        Schema.parse(
            "writer int not null, generation int not null, seq int not null, "
                + "part int not null"));
    Path stop = logs.resolve("stop");
    Random random = new Random(s);
    Slot[] slots = new Slot[processes];
    List<String> writerErrors = new ArrayList<>();
    long start = System.nanoTime();
    int done = 0;
    // If this process is stopped (Ctrl-C, SIGTERM), take the writers down with it.
    Thread reaper =
        new Thread(
            () -> {
              for (Slot slot : slots) {
                if (slot != null && slot.process != null) {
                  slot.process.destroyForcibly();
                }
              }
            });
    Runtime.getRuntime().addShutdownHook(reaper);
    try {
      for (int w = 0; w < processes; w++) {
        slots[w] = new Slot(w);
        slots[w].start(tableDir, logs, stop, s);
      }
      Progress progress =
          Progress.start("torture", kills, Progress.Unit.KILLS, spec.commandLine().getErr(), false);
      while (done < kills) {
        Slot victim = slots[random.nextInt(processes)];
        int delay = random.nextInt(maxDelayMs + 1);
        if (!awaitReady(victim)) {
          writerErrors.add(failure(victim));
          victim.start(tableDir, logs, stop, s);
          continue;
        }
        Thread.sleep(delay);
        if (!victim.process.isAlive()) {
          writerErrors.add(failure(victim));
          victim.start(tableDir, logs, stop, s);
          continue;
        }
        victim.process.destroyForcibly(); // SIGKILL on Linux
        victim.process.waitFor();
        done++;
        victim.start(tableDir, logs, stop, s);
        progress.update(done);
      }
      progress.close();
      Files.createFile(stop);
      for (Slot slot : slots) {
        if (!slot.process.waitFor(2, TimeUnit.MINUTES)) {
          slot.process.destroyForcibly();
          writerErrors.add(
              "writer "
                  + slot.writer
                  + " generation "
                  + slot.generation
                  + " did not stop within 2 "
                  + "minutes after the stop file appeared");
        } else if (slot.process.exitValue() != 0) {
          writerErrors.add(failure(slot));
        }
      }
    } finally {
      reaper.run();
      Runtime.getRuntime().removeShutdownHook(reaper);
    }
    double wall = (System.nanoTime() - start) / 1e9;
    Map<String, Object> result = check(tableDir, logs, done, s, wall, writerErrors);
    boolean ok = (Boolean) result.get("ok");
    if (format == Format.json) {
      out.println(Render.json(result));
    } else {
      report(out, result, writerErrors);
    }
    out.flush();
    if (temporary) {
      if (ok) {
        deleteTree(work);
      } else {
        out.println("Kept the work directory for inspection: " + work);
        out.flush();
      }
    }
    return ok ? 0 : 1;
  }

  /** Waits until the slot's writer started committing; false if it died first. */
  private boolean awaitReady(Slot slot) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (!Files.exists(slot.ready)) {
      if (!slot.process.isAlive()) {
        return false;
      }
      if (System.nanoTime() > deadline) {
        throw new CliException(
            "Torture writer " + slot.writer + " did not start within 3 minutes: " + tail(slot.out));
      }
      Thread.sleep(2);
    }
    return true;
  }

  private String failure(Slot slot) throws InterruptedException {
    slot.process.waitFor();
    return "writer "
        + slot.writer
        + " generation "
        + slot.generation
        + " exited by itself with code "
        + slot.process.exitValue()
        + ": "
        + tail(slot.out);
  }

  Map<String, Object> check(
      Path tableDir, Path logs, int done, long s, double wall, List<String> writerErrors)
      throws IOException {
    // What the logs say was acknowledged.
    Set<Commit> acknowledged = new HashSet<>();
    long acknowledgedRows = 0;
    List<Key> expected = new ArrayList<>();
    try (Stream<Path> files = Files.list(logs)) {
      for (Path log : files.filter(p -> p.getFileName().toString().endsWith(".log")).toList()) {
        String name = log.getFileName().toString(); // wW-gG.log
        String[] wg = name.substring(0, name.length() - 4).split("-");
        int writer = Integer.parseInt(wg[0].substring(1));
        int generation = Integer.parseInt(wg[1].substring(1));
        String text = Files.readString(log, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n'); // a killed writer's last line may be torn: ignore it
        if (end < 0) {
          continue;
        }
        for (String line : text.substring(0, end).split("\n")) {
          String[] f = line.split(" ");
          if (f.length == 3 && f[0].equals("ok")) {
            int seq = Integer.parseInt(f[1]);
            int rows = Integer.parseInt(f[2]);
            acknowledged.add(new Commit(writer, generation, seq));
            acknowledgedRows += rows;
            for (int part = 0; part < rows; part++) {
              expected.add(new Key(writer, generation, seq, part));
            }
          }
        }
      }
    }
    // What the table holds.
    Map<Key, Integer> seen = new HashMap<>();
    long rows = 0;
    String readError = null;
    long snapshots = 0;
    try {
      Table table = DataShard.open(tableDir);
      snapshots = table.currentSnapshot().map(Snapshot::sequenceNumber).orElse(0L);
      try (CloseableIterator<Row> it = table.scan().iterator()) {
        while (it.hasNext()) {
          Row r = it.next();
          rows++;
          seen.merge(
              new Key(
                  r.get("writer", Integer.class),
                  r.get("generation", Integer.class),
                  r.get("seq", Integer.class),
                  r.get("part", Integer.class)),
              1,
              Integer::sum);
        }
      }
    } catch (RuntimeException e) {
      readError = Main.message(e);
    }
    long lost = expected.stream().filter(k -> !seen.containsKey(k)).count();
    long duplicated = seen.values().stream().mapToLong(n -> n - 1).sum();
    Set<Commit> present = new HashSet<>();
    seen.keySet().forEach(k -> present.add(new Commit(k.writer(), k.generation(), k.seq())));
    long unacknowledgedPresent = present.stream().filter(c -> !acknowledged.contains(c)).count();

    VerifyReport report = null;
    String verifyError = null;
    try {
      report = DataShard.verify(tableDir, true);
    } catch (RuntimeException e) {
      verifyError = Main.message(e);
    }
    long verifyErrors = report == null ? 1 : report.errors().size();
    long unreadable = verifyErrors + (readError != null && verifyErrors == 0 ? 1 : 0);
    long orphanData = 0;
    long orphanMetadata = 0;
    if (report != null) {
      String dataDir = report.location() + "/data/";
      for (VerifyReport.Problem p : report.problems()) {
        if (p.kind() == VerifyReport.Kind.ORPHAN) {
          if (p.file().startsWith(dataDir)) {
            orphanData++;
          } else {
            orphanMetadata++;
          }
        }
      }
    }
    boolean ok =
        lost == 0
            && duplicated == 0
            && unreadable == 0
            && readError == null
            && writerErrors.isEmpty();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ok", ok);
    m.put("seed", s);
    m.put("processes", (long) processes);
    m.put("kills", (long) done);
    m.put("acknowledged_commits", (long) acknowledged.size());
    m.put("acknowledged_rows", acknowledgedRows);
    m.put("rows", rows);
    m.put("commits_in_table", snapshots);
    m.put("lost", lost);
    m.put("duplicated", duplicated);
    m.put("unreadable", unreadable);
    m.put("unacknowledged_present", unacknowledgedPresent);
    m.put("orphans", orphanData + orphanMetadata);
    m.put("orphan_data_files", orphanData);
    m.put("orphan_metadata_files", orphanMetadata);
    m.put("temporary_files", report == null ? 0L : report.count(VerifyReport.Kind.TEMPORARY_FILE));
    m.put("verify", report == null ? "failed: " + verifyError : VerifyCommand.summary(report));
    m.put("writer_errors", (long) writerErrors.size());
    if (readError != null) {
      m.put("read_error", readError);
    }
    if (report != null && !report.isClean()) {
      List<Object> errors = new ArrayList<>();
      report.errors().stream().limit(20).forEach(p -> errors.add(p.toString()));
      m.put("verify_errors", errors);
    }
    m.put("wall_s", Math.round(wall * 10) / 10.0);
    return m;
  }

  private void report(PrintWriter out, Map<String, Object> r, List<String> writerErrors) {
    out.printf(
        "kills %,d  acknowledged commits %,d  rows %,d  lost %,d  duplicated %,d  unreadable %,d  orphans %,d"
            + "  wall %.1f s%n",
        r.get("kills"),
        r.get("acknowledged_commits"),
        r.get("rows"),
        r.get("lost"),
        r.get("duplicated"),
        r.get("unreadable"),
        r.get("orphans"),
        r.get("wall_s"));
    out.printf(
        "  (commits in table %,d, of which unacknowledged but present %,d; acknowledged rows %,d; orphans: "
            + "%,d data files, %,d metadata files; temporary files %,d; seed %d)%n",
        r.get("commits_in_table"),
        r.get("unacknowledged_present"),
        r.get("acknowledged_rows"),
        r.get("orphan_data_files"),
        r.get("orphan_metadata_files"),
        r.get("temporary_files"),
        r.get("seed"));
    out.println("verify --deep: " + r.get("verify"));
    if (r.containsKey("verify_errors")) {
      for (Object e : (List<?>) r.get("verify_errors")) {
        out.println("  " + e);
      }
    }
    if (r.containsKey("read_error")) {
      out.println("reading the table failed: " + r.get("read_error"));
    }
    for (String e : writerErrors.subList(0, Math.min(5, writerErrors.size()))) {
      out.println("writer error: " + e);
    }
    out.println(
        (Boolean) r.get("ok")
            ? "Result: every acknowledged commit is in the table exactly once, and the table verifies."
            : "Result: FAILURE (see above).");
  }

  private static String tail(Path f) {
    try {
      String t = Files.readString(f, StandardCharsets.UTF_8).strip();
      return t.isEmpty() ? "(no output)" : t.length() > 2000 ? t.substring(t.length() - 2000) : t;
    } catch (IOException e) {
      return "(no output)";
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort cleanup of a temporary directory
    }
  }
}
