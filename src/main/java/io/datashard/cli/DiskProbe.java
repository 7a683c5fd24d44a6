package io.datashard.cli;

import io.datashard.CloseableIterator;
import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Table;
import io.datashard.storage.LocalStorage;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * What the stress run's figures are measured against, in the same run: how many durable publishes
 * this machine's disk allows (a 1 KB file written, forced, hard-linked under its final name, and
 * its directory forced: a commit's smallest step), one at a time and {@link #THREADS} at once; and
 * how fast a full scan of the table is against the same rows in one file.
 */
final class DiskProbe {
  /** How many publishes run at once in the concurrent measurement. */
  static final int THREADS = 12;

  private static final long MILLIS = 1_500;

  private DiskProbe() {}

  /** Durable publishes per second: {one at a time, THREADS at once}. */
  static double[] publishRates(Path work) throws IOException, InterruptedException {
    return new double[] {rate(work, 1), rate(work, THREADS)};
  }

  private static double rate(Path work, int threads) throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory(work, "disk-probe");
    Storage storage = new LocalStorage(true);
    AtomicLong done = new AtomicLong();
    List<Thread> workers = new ArrayList<>();
    List<IOException> failures = new ArrayList<>();
    long start = System.nanoTime();
    long end = start + MILLIS * 1_000_000;
    byte[] content = new byte[1024];
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread w =
          new Thread(
              () -> {
                try {
                  for (int i = 0; System.nanoTime() < end; i++) {
                    try (Storage.PendingFile f = storage.create(dir + "/p-" + id + "-" + i)) {
                      f.stream().write(content);
                      f.publish();
                    }
                    storage.syncDirectory(dir.toString());
                    done.incrementAndGet();
                  }
                } catch (IOException e) {
                  synchronized (failures) {
                    failures.add(e);
                  }
                }
              });
      w.start();
      workers.add(w);
    }
    for (Thread w : workers) {
      w.join();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Files.deleteIfExists(p);
      }
    }
    Files.deleteIfExists(dir);
    if (!failures.isEmpty()) {
      throw failures.get(0);
    }
    return done.get() / seconds;
  }

  /** The disk line of the report: the mean of the measurements before and after the runs. */
  static Map<String, Object> result(double[] before, double[] after) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("mode", "disk");
    m.put("publishes_per_s", round((before[0] + after[0]) / 2));
    m.put("publishes_per_s_concurrent", round((before[1] + after[1]) / 2));
    m.put("concurrent_publishers", (long) THREADS);
    m.put("publishes_per_s_before", round(before[0]));
    m.put("publishes_per_s_after", round(after[0]));
    return m;
  }

  /** Adds a run's commit and operation rates as fractions of the disk's publish rate. */
  static void relate(Map<String, Object> r, Map<String, Object> disk) {
    double publishes = (double) disk.get("publishes_per_s");
    double wall = (double) r.get("wall_s");
    if (publishes <= 0 || wall <= 0) {
      return;
    }
    double commits = (long) r.get("commits") / wall;
    r.put("commits_per_s", round(commits));
    r.put("commits_vs_disk", Math.round(commits / publishes * 1000) / 1000.0);
    r.put("ops_vs_disk", Math.round((double) r.get("ops_per_s") / publishes * 1000) / 1000.0);
  }

  /**
   * Times a full scan of {@code table} against a scan of the same rows written as one file (a new
   * table at {@code oneFileDir}): after five untimed scans of each (the first scans of this JVM
   * mostly measure its compiler), five scans of each in turn, and the median of each five (single
   * scans of a small table take milliseconds, where one run says little).
   */
  static Map<String, Object> scanVsOneFile(Table table, Path oneFileDir) {
    List<Row> rows = table.scan().toList();
    Table one = DataShard.table(oneFileDir).schema(table.schema()).create();
    one.newAppend().addAll(rows).commit();
    for (int round = 0; round < SCAN_ROUNDS; round++) {
      timeScan(table);
      timeScan(one);
    }
    double[] manyRuns = new double[SCAN_ROUNDS];
    double[] singleRuns = new double[SCAN_ROUNDS];
    for (int round = 0; round < SCAN_ROUNDS; round++) {
      manyRuns[round] = timeScan(table);
      singleRuns[round] = timeScan(one);
    }
    Arrays.sort(manyRuns);
    Arrays.sort(singleRuns);
    double many = manyRuns[SCAN_ROUNDS / 2];
    double single = singleRuns[SCAN_ROUNDS / 2];
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scan_s", Math.round(many * 1000) / 1000.0);
    m.put("one_file_scan_s", Math.round(single * 1000) / 1000.0);
    m.put("scan_vs_one_file", single > 0 ? Math.round(many / single * 100) / 100.0 : 0.0);
    return m;
  }

  private static final int SCAN_ROUNDS = 5;

  private static double timeScan(Table table) {
    long start = System.nanoTime();
    long n = 0;
    try (CloseableIterator<Row> it = table.scan().iterator()) {
      while (it.hasNext()) {
        it.next();
        n++;
      }
    }
    if (n < 0) {
      throw new IllegalStateException(); // keeps the loop from being optimized away
    }
    return (System.nanoTime() - start) / 1e9;
  }

  private static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }
}
