package io.datashard.cli;

import io.datashard.DataShard;
import io.datashard.MaintenanceResult;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Table;
import io.datashard.TableProperties;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Scan time of a table made of many one-row commits, before and after compaction. */
@Command(
    name = "compact",
    description =
        "Builds a table from N one-row commits (not fsynced, automatic compaction switched off), "
            + "times a full scan, compacts, times the scan again, checks the rows are the same and "
            + "prints both times and the speed-up.")
final class BenchCompactCommand implements Callable<Integer> {
  @Option(
      names = "--dir",
      paramLabel = "DIR",
      description = "Table directory (default: a temporary one, removed).")
  Path dir;

  @Option(
      names = "--commits",
      defaultValue = "10000",
      description = "One-row commits (default: ${DEFAULT-VALUE}).")
  int commits;

  @Option(
      names = "--scans",
      defaultValue = "3",
      description =
          "Scans timed before and after; the fastest counts " + "(default: ${DEFAULT-VALUE}).")
  int scans;

  @Option(names = "--format", defaultValue = "text", description = "text or json.")
  String format;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (commits < 2 || scans < 1) {
      throw new CliException("--commits must be at least 2 and --scans at least 1");
    }
    boolean json = format.equals("json");
    PrintWriter out = spec.commandLine().getOut();
    boolean temporary = dir == null;
    Path work = temporary ? Files.createTempDirectory("datashard-bench").resolve("table") : dir;
    Table table =
        DataShard.table(work)
            .schema(Schema.parse("id long not null, value double, name string"))
            .durable(false)
            // measures one explicit compaction of a table of one-row files: automatic compaction,
            // which would keep the table compacted all along, is switched off for it
            .property(TableProperties.COMPACTION_AUTO_ENABLED, "false")
            .create();
    long t0 = System.nanoTime();
    for (long i = 0; i < commits; i++) {
      table.append(List.of(Map.of("id", i, "value", i * 0.5, "name", "row-" + i)));
      if (!json && (i + 1) % 1000 == 0) {
        out.printf("%,d commits%n", i + 1);
        out.flush();
      }
    }
    double buildSeconds = (System.nanoTime() - t0) / 1e9;
    int filesBefore = table.scan().files().size();
    List<Row> before = new ArrayList<>();
    double scanBefore = timeScans(table, before);
    long c0 = System.nanoTime();
    MaintenanceResult r = table.maintenance().compact().run();
    double compactMs = (System.nanoTime() - c0) / 1e6;
    int filesAfter = table.scan().files().size();
    List<Row> after = new ArrayList<>();
    double scanAfter = timeScans(table, after);
    boolean same =
        before.size() == commits
            && new HashSet<>(before).equals(new HashSet<>(after))
            && after.size() == before.size();
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("commits", (long) commits);
    result.put("rows", (long) after.size());
    result.put("files_before", (long) filesBefore);
    result.put("files_after", (long) filesAfter);
    result.put("build_s", Math.round(buildSeconds * 10) / 10.0);
    result.put("compact_ms", Math.round(compactMs * 10) / 10.0);
    result.put("scan_before_ms", Math.round(scanBefore * 100) / 100.0);
    result.put("scan_after_ms", Math.round(scanAfter * 100) / 100.0);
    result.put("speedup", Math.round(scanBefore / scanAfter * 10) / 10.0);
    result.put("same_rows", same);
    if (json) {
      out.println(Render.json(result));
    } else {
      out.printf(
          "%,d one-row commits built in %.1f s (automatic compaction off for this table)%n",
          commits, buildSeconds);
      out.printf("full scan before compaction: %.2f ms (%,d files)%n", scanBefore, filesBefore);
      out.printf("compaction: %.1f ms (%s)%n", compactMs, r);
      out.printf("full scan after compaction:  %.2f ms (%,d files)%n", scanAfter, filesAfter);
      out.printf("speed-up: %.1fx; same rows: %s%n", scanBefore / scanAfter, same);
    }
    if (temporary) {
      try (Stream<Path> s = Files.walk(work.getParent())) {
        s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
      }
    }
    if (!same) {
      throw new CliException(
          "The rows after compaction differ from the rows before it: this is a bug, please "
              + "report it with the table directory (run again with --dir to keep it).");
    }
    return 0;
  }

  /**
   * Scans the whole table {@code scans} times, collecting the rows of the first; returns the
   * fastest in ms.
   */
  private double timeScans(Table table, List<Row> rows) {
    double best = Double.MAX_VALUE;
    for (int i = 0; i < scans; i++) {
      long s0 = System.nanoTime();
      List<Row> got = table.scan().toList();
      best = Math.min(best, (System.nanoTime() - s0) / 1e6);
      if (i == 0) {
        rows.addAll(got);
      }
    }
    return best;
  }
}
