package io.datashard.cli;

import io.datashard.DataShard;
import io.datashard.Expressions;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import io.datashard.TableProperties;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A delete of a small random fraction of a large table, in merge-on-read and in copy-on-write mode,
 * on two tables built alike; then a full scan of the merge-on-read table (with its delete files)
 * against the copy-on-write one (the same rows, no delete files).
 */
@Command(
    name = "deletes",
    description =
        "Builds two tables of --rows rows in --files files (durable commits; automatic compaction "
            + "off for them, so that they keep their files), deletes --fraction of the rows chosen "
            + "at random by id from each, merge-on-read in one and copy-on-write in the other, and "
            + "prints both delete times and bytes written, then full-scan times with the deletes "
            + "and without them (the copy-on-write table: the same rows, rewritten). Both deletes "
            + "run once on small tables first, so that neither pays the other's JIT warm-up.")
final class BenchDeletesCommand implements Callable<Integer> {
  @Option(
      names = "--dir",
      paramLabel = "DIR",
      description = "Directory for the two tables (default: a temporary one, removed).")
  Path dir;

  @Option(
      names = "--rows",
      defaultValue = "10000000",
      description = "Rows in each table (default: ${DEFAULT-VALUE}).")
  long rows;

  @Option(
      names = "--files",
      defaultValue = "10",
      description = "Data files (one commit each) (default: ${DEFAULT-VALUE}).")
  int files;

  @Option(
      names = "--fraction",
      defaultValue = "0.01",
      description = "Fraction of the rows deleted (default: ${DEFAULT-VALUE}).")
  double fraction;

  @Option(
      names = "--scans",
      defaultValue = "3",
      description = "Scans timed per table; the fastest counts (default: ${DEFAULT-VALUE}).")
  int scans;

  @Option(names = "--seed", description = "Seed of the random ids (default: random, printed).")
  Long seed;

  @Option(names = "--format", defaultValue = "text", description = "text or json.")
  String format;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (rows < files || files < 1 || fraction <= 0 || fraction >= 1 || scans < 1) {
      throw new CliException(
          "--rows must be at least --files (at least 1), --fraction between 0 and 1, --scans at "
              + "least 1");
    }
    boolean json = format.equals("json");
    PrintWriter out = spec.commandLine().getOut();
    long s = seed != null ? seed : new Random().nextLong();
    boolean temporary = dir == null;
    Path work = temporary ? Files.createTempDirectory("datashard-bench-deletes") : dir;
    try {
      if (!json) {
        out.printf(
            "building two tables of %,d rows in %d files each (seed %d)...%n", rows, files, s);
        out.flush();
      }
      warmUp(work.resolve("warm-up"), s);
      long b0 = System.nanoTime();
      Table mor = build(work.resolve("merge-on-read"), TableProperties.MERGE_ON_READ);
      Table cow = build(work.resolve("copy-on-write"), TableProperties.COPY_ON_WRITE);
      double buildSeconds = (System.nanoTime() - b0) / 1e9;

      Random random = new Random(s);
      int n = (int) Math.round(rows * fraction);
      Set<Long> ids = new HashSet<>();
      while (ids.size() < n) {
        ids.add(Math.floorMod(random.nextLong(), rows));
      }
      List<Long> idList = new ArrayList<>(ids);

      long morBefore = bytes(work.resolve("merge-on-read"));
      long m0 = System.nanoTime();
      Snapshot md = mor.newDelete().where(Expressions.in("id", idList)).commit().orElseThrow();
      double morSeconds = (System.nanoTime() - m0) / 1e9;
      long morWritten = bytes(work.resolve("merge-on-read")) - morBefore;

      long cowBefore = bytes(work.resolve("copy-on-write"));
      long c0 = System.nanoTime();
      Snapshot cd = cow.newDelete().where(Expressions.in("id", idList)).commit().orElseThrow();
      double cowSeconds = (System.nanoTime() - c0) / 1e9;
      long cowWritten = bytes(work.resolve("copy-on-write")) - cowBefore;

      long[] morRows = new long[1];
      long[] cowRows = new long[1];
      long[] morSum = new long[1];
      long[] cowSum = new long[1];
      double scanMor = Double.MAX_VALUE;
      double scanCow = Double.MAX_VALUE;
      // alternate the two, so that a change of the machine's speed touches both alike
      for (int i = 0; i < scans; i++) {
        scanMor = Math.min(scanMor, timeScan(mor, morRows, morSum));
        scanCow = Math.min(scanCow, timeScan(cow, cowRows, cowSum));
      }
      boolean same = morRows[0] == cowRows[0] && morSum[0] == cowSum[0] && morRows[0] == rows - n;

      Map<String, Object> result = new LinkedHashMap<>();
      result.put("rows", rows);
      result.put("files", (long) files);
      result.put("deleted", (long) n);
      result.put("seed", s);
      result.put("build_s", round(buildSeconds, 1));
      result.put("mor_delete_s", round(morSeconds, 3));
      result.put("cow_delete_s", round(cowSeconds, 3));
      result.put("delete_speedup", round(cowSeconds / morSeconds, 1));
      result.put("mor_bytes_written", morWritten);
      result.put("cow_bytes_written", cowWritten);
      result.put("mor_delete_files", md.summaryLong("added-delete-files", 0));
      result.put("cow_rows_rewritten", cd.summaryLong("datashard.rows-rewritten", 0));
      result.put("scan_with_deletes_ms", round(scanMor, 1));
      result.put("scan_rewritten_ms", round(scanCow, 1));
      result.put("scan_ratio", round(scanMor / scanCow, 2));
      result.put("same_rows", same);
      if (json) {
        out.println(Render.json(result));
      } else {
        out.printf(
            "built in %.1f s (automatic compaction off for these tables; both deletes warmed up "
                + "first on tables of 200,000 rows)%n",
            buildSeconds);
        out.printf(
            "delete %,d random ids, merge-on-read: %.3f s, %,d bytes written (%d delete files)%n",
            n, morSeconds, morWritten, md.summaryLong("added-delete-files", 0));
        out.printf(
            "delete %,d random ids, copy-on-write: %.3f s, %,d bytes written (%,d rows rewritten)%n",
            n, cowSeconds, cowWritten, cd.summaryLong("datashard.rows-rewritten", 0));
        out.printf("merge-on-read delete: %.1fx faster%n", cowSeconds / morSeconds);
        out.printf(
            "full scan with the deletes: %.1f ms; the same rows rewritten: %.1f ms (%.2fx)%n",
            scanMor, scanCow, scanMor / scanCow);
        out.printf("same rows: %s%n", same);
      }
      if (!same) {
        throw new CliException(
            "The two tables differ after the deletes: this is a bug, please report it (run again "
                + "with --dir and --seed "
                + s
                + " to keep the tables).");
      }
      return 0;
    } finally {
      if (temporary) {
        try (Stream<Path> walk = Files.walk(work)) {
          walk.sorted((a, b) -> b.getNameCount() - a.getNameCount())
              .forEach(p -> p.toFile().delete());
        }
      }
    }
  }

  /**
   * Runs both kinds of delete once on small tables first, so that neither timed delete pays for
   * compiling the code the other then finds compiled.
   */
  private void warmUp(Path dir, long seed) {
    long savedRows = rows;
    int savedFiles = files;
    rows = Math.min(200_000, savedRows);
    files = Math.min(2, savedFiles);
    try {
      Random random = new Random(seed);
      for (String mode : List.of(TableProperties.MERGE_ON_READ, TableProperties.COPY_ON_WRITE)) {
        Table t = build(dir.resolve(mode), mode);
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < Math.max(1, rows / 100); i++) {
          ids.add(Math.floorMod(random.nextLong(), rows));
        }
        t.newDelete().where(Expressions.in("id", ids)).commit();
        timeScan(t, new long[1], new long[1]);
      }
    } finally {
      rows = savedRows;
      files = savedFiles;
    }
  }

  private Table build(Path table, String mode) {
    Table t =
        DataShard.table(table)
            .schema(Schema.parse("id long not null, value double, name string"))
            .property(TableProperties.DELETE_MODE, mode)
            // the benchmark compares files with and without deletes: automatic compaction would
            // merge the files and fold the deletes in
            .property(TableProperties.COMPACTION_AUTO_ENABLED, "false")
            .create();
    long per = rows / files;
    for (int f = 0; f < files; f++) {
      long from = f * per;
      long to = f == files - 1 ? rows : from + per;
      t.newAppend().addAll(rowsOf(from, to)).commit();
    }
    return t;
  }

  private static Iterator<Map<String, Object>> rowsOf(long from, long to) {
    return new Iterator<>() {
      private long next = from;

      @Override
      public boolean hasNext() {
        return next < to;
      }

      @Override
      public Map<String, Object> next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        long id = next++;
        return Map.of("id", id, "value", id * 0.5, "name", "row-" + id);
      }
    };
  }

  /** A full scan (every column), in ms; counts the rows and sums their ids. */
  private static double timeScan(Table t, long[] count, long[] idSum) {
    long s0 = System.nanoTime();
    long n = 0;
    long sum = 0;
    try (var it = t.scan().iterator()) {
      while (it.hasNext()) {
        Row r = it.next();
        n++;
        sum += (Long) r.get(0);
      }
    }
    double ms = (System.nanoTime() - s0) / 1e6;
    count[0] = n;
    idSum[0] = sum;
    return ms;
  }

  private static long bytes(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }
}
