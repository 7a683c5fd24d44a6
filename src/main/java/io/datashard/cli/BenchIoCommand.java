package io.datashard.cli;

import io.datashard.CloseableIterator;
import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.ScanReport;
import io.datashard.Schema;
import io.datashard.Table;
import io.datashard.Types;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Bulk write and full scan through DataShard beside the same rows written and read with
 * parquet-java directly, in one run; then a streaming scan of the whole table in a child JVM with a
 * 256 MB heap.
 */
@Command(
    name = "io",
    description =
        "Bulk append and full scan of (long, string, double, timestamptz, "
            + "list<float>[8]) rows through DataShard, beside the same rows written and read with parquet-java directly; "
            + "then a streaming scan in a JVM limited to -Xmx256m.")
final class BenchIoCommand implements Callable<Integer> {
  @Option(
      names = "--dir",
      paramLabel = "DIR",
      description = "Work directory (default: a temporary one, removed).")
  Path dir;

  @Option(
      names = "--rows",
      defaultValue = "10000000",
      description = "Rows (default: ${DEFAULT-VALUE}).")
  long rows;

  @Option(
      names = "--rows-per-file",
      defaultValue = "1000000",
      description = "Rows per append commit and per raw file (default: ${DEFAULT-VALUE}).")
  int rowsPerFile;

  @Option(
      names = "--no-small-heap-scan",
      description = "Skip the scan of the table in a child JVM with -Xmx256m (done by default).")
  boolean noSmallHeapScan;

  @Option(
      names = "--filter-files",
      defaultValue = "1000",
      description =
          "Data files of the table the selective filter runs on (default: ${DEFAULT-VALUE}; 0: skip).")
  int filterFiles;

  @Option(names = "--format", defaultValue = "text", description = "text or json.")
  String format;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  static final String SCHEMA =
      "id long not null, name string, score double, ts timestamptz, emb list<float>";

  private static final OffsetDateTime T0 =
      OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
  private static final long T0_MICROS = T0.toEpochSecond() * 1_000_000L;

  /** Row {@code i} of the benchmark, the same in both paths. */
  private static RawParquet.Rec raw(long i) {
    RawParquet.Rec r = new RawParquet.Rec();
    r.id = i;
    r.name = "user-" + (i % 10_000);
    r.score = (i * 0.6180339887) % 1.0;
    r.tsMicros = T0_MICROS + i * 1000;
    r.emb = new float[8];
    for (int k = 0; k < 8; k++) {
      r.emb[k] = (float) ((i + k) % 97) / 97f;
    }
    return r;
  }

  private static Row row(Types.StructType type, long i) {
    RawParquet.Rec r = raw(i);
    List<Float> emb = new ArrayList<>(8);
    for (float f : r.emb) {
      emb.add(f);
    }
    return Row.of(type, r.id, r.name, r.score, T0.plusNanos((r.tsMicros - T0_MICROS) * 1000), emb);
  }

  @Override
  public Integer call() throws Exception {
    if (rows < 1 || rowsPerFile < 1) {
      throw new CliException("--rows and --rows-per-file must be at least 1");
    }
    boolean temporary = dir == null;
    Path work = temporary ? Files.createTempDirectory("datashard-bench-io") : dir;
    Files.createDirectories(work);
    Path tableDir = work.resolve("table");
    Path rawDir = Files.createDirectories(work.resolve("raw"));
    PrintWriter out = spec.commandLine().getOut();
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("rows", rows);
    try {
      // alternate the two paths file by file, so that machine noise hits both alike
      Table table = DataShard.create(tableDir, Schema.parse(SCHEMA));
      Types.StructType type = table.schema().asStruct();
      long dsWriteNanos = 0;
      long rawWriteNanos = 0;
      int files = 0;
      for (long start = 0; start < rows; start += rowsPerFile) {
        long n = Math.min(rowsPerFile, rows - start);
        long t0 = System.nanoTime();
        long first = start;
        RawParquet.write(rawDir.resolve("part-" + files + ".parquet"), n, i -> raw(first + i));
        long t1 = System.nanoTime();
        // streamed like the raw path: rows are made as the writer asks for them, not held in a list
        table
            .newAppend()
            .addAll(LongStream.range(start, start + n).mapToObj(i -> row(type, i)).iterator())
            .commit();
        long t2 = System.nanoTime();
        rawWriteNanos += t1 - t0;
        dsWriteNanos += t2 - t1;
        files++;
        if (!format.equals("json")) {
          out.printf("written %,d of %,d rows%n", start + n, rows);
          out.flush();
        }
      }
      // Each scan runs twice, in the order raw, DataShard, DataShard, raw, so that a drift of the
      // machine's speed during the run (JIT, other load) weighs on both alike.
      double[] raw1 = rawScan(rawDir, files);
      double[] ds1 = dsScan(table);
      double[] ds2 = dsScan(table);
      double[] raw2 = rawScan(rawDir, files);
      for (double[] pass : List.of(raw1, ds1, ds2, raw2)) {
        if (pass[1] != rows) {
          throw new CliException(
              "Row counts differ: a scan read " + (long) pass[1] + " rows, expected " + rows + ".");
        }
        if (Math.abs(pass[0] - raw1[0]) > 1e-6 * Math.max(1, Math.abs(raw1[0]))) {
          throw new CliException(
              "The scans read different values (checksums " + pass[0] + " and " + raw1[0] + ").");
        }
      }
      double dsScanSum = ds1[0];
      long rawScanNanos = (long) (raw1[2] + raw2[2]);
      long dsScanNanos = (long) (ds1[2] + ds2[2]);
      result.put("write_rows_per_s", Math.round(rows / (dsWriteNanos / 1e9)));
      result.put("raw_write_rows_per_s", Math.round(rows / (rawWriteNanos / 1e9)));
      result.put("scan_rows_per_s", Math.round(2 * rows / (dsScanNanos / 1e9)));
      result.put("raw_scan_rows_per_s", Math.round(2 * rows / (rawScanNanos / 1e9)));
      result.put("write_vs_raw", round2((double) rawWriteNanos / dsWriteNanos));
      result.put("scan_vs_raw", round2((double) rawScanNanos / dsScanNanos));
      // the same scan with two files read at once (rows in the same order)
      long p0 = System.nanoTime();
      double parallelSum = 0;
      try (CloseableIterator<Row> it = table.scan().parallelism(2).iterator()) {
        while (it.hasNext()) {
          parallelSum += checksum(it.next());
        }
      }
      long p1 = System.nanoTime();
      if (Math.abs(parallelSum - dsScanSum) > 1e-6 * Math.max(1, Math.abs(dsScanSum))) {
        throw new CliException("The parallel scan read different values than the sequential one.");
      }
      result.put("scan_parallel2_rows_per_s", Math.round(rows / ((p1 - p0) / 1e9)));
      result.put("table_bytes", treeBytes(tableDir.resolve("data")));
      result.put("raw_bytes", treeBytes(rawDir));
      if (filterFiles > 0) {
        // one append per partition value, so one data file each; the filter names one partition
        Table parts =
            DataShard.table(work.resolve("parts"))
                .schema(Schema.parse("part int not null, id long not null, " + "score double"))
                .partitionBy("part")
                .create();
        for (int p = 0; p < filterFiles; p++) {
          List<Map<String, Object>> batch = new ArrayList<>();
          for (int i = 0; i < 100; i++) {
            batch.add(Map.of("part", p, "id", (long) p * 100 + i, "score", (i % 10) / 10.0));
          }
          parts.append(batch);
        }
        ScanReport[] report = new ScanReport[1];
        long matched = 0;
        long start = System.nanoTime();
        try (CloseableIterator<Row> it =
            parts
                .scan()
                .filter("part = " + (filterFiles / 2) + " and score >= 0.5")
                .reportTo(r -> report[0] = r)
                .iterator()) {
          while (it.hasNext()) {
            it.next();
            matched++;
          }
        }
        result.put("filter_files_total", report[0].filesConsidered());
        result.put("filter_files_opened", report[0].filesRead());
        result.put("filter_rows", matched);
        result.put("filter_ms", round2((System.nanoTime() - start) / 1e6));
      }
      if (!noSmallHeapScan) {
        long start = System.nanoTime();
        long counted = smallHeapScan(tableDir);
        result.put("small_heap_scan_rows", counted);
        result.put("small_heap_scan_s", round2((System.nanoTime() - start) / 1e9));
      }
      if (format.equals("json")) {
        out.println(Render.json(result));
      } else {
        out.printf(
            "write: DataShard %,d rows/s, parquet-java %,d rows/s (%.2fx)%n",
            result.get("write_rows_per_s"),
            result.get("raw_write_rows_per_s"),
            result.get("write_vs_raw"));
        out.printf(
            "scan:  DataShard %,d rows/s, parquet-java %,d rows/s (%.2fx)%n",
            result.get("scan_rows_per_s"),
            result.get("raw_scan_rows_per_s"),
            result.get("scan_vs_raw"));
        out.printf(
            "scan with parallelism(2): %,d rows/s%n", result.get("scan_parallel2_rows_per_s"));
        out.printf(
            "data: DataShard %,d bytes, parquet-java %,d bytes%n",
            result.get("table_bytes"), result.get("raw_bytes"));
        if (filterFiles > 0) {
          out.printf(
              "filter on one partition: opened %d of %d data files, %d rows, %.2f ms%n",
              result.get("filter_files_opened"),
              result.get("filter_files_total"),
              result.get("filter_rows"),
              result.get("filter_ms"));
        }
        if (!noSmallHeapScan) {
          out.printf(
              "streaming scan with -Xmx256m: %,d rows in %.2f s%n",
              result.get("small_heap_scan_rows"), result.get("small_heap_scan_s"));
        }
      }
      return 0;
    } finally {
      if (temporary) {
        try (Stream<Path> s = Files.walk(work)) {
          s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }

  /** One full scan of the raw files: checksum, rows, nanoseconds. */
  private static double[] rawScan(Path rawDir, int files) throws IOException {
    long[] rows = {0};
    double sum = 0;
    long t0 = System.nanoTime();
    for (int f = 0; f < files; f++) {
      sum += RawParquet.read(rawDir.resolve("part-" + f + ".parquet"), rows);
    }
    return new double[] {sum, rows[0], System.nanoTime() - t0};
  }

  /** One full scan of the table: checksum, rows, nanoseconds. */
  private static double[] dsScan(Table table) {
    double sum = 0;
    long rows = 0;
    long t0 = System.nanoTime();
    try (CloseableIterator<Row> it = table.scan().iterator()) {
      while (it.hasNext()) {
        sum += checksum(it.next());
        rows++;
      }
    }
    return new double[] {sum, rows, System.nanoTime() - t0};
  }

  /** The same sum RawParquet.read computes, over a DataShard row. */
  static double checksum(Row r) {
    double sum =
        (Long) r.get(0)
            + (Double) r.get(2)
            + (((OffsetDateTime) r.get(3)).toEpochSecond() * 1_000_000L
                + ((OffsetDateTime) r.get(3)).getNano() / 1000)
            + ((String) r.get(1)).length();
    @SuppressWarnings("unchecked")
    List<Float> emb = (List<Float>) r.get(4);
    for (Float f : emb) {
      sum += f;
    }
    return sum;
  }

  private static long smallHeapScan(Path table) throws Exception {
    List<String> cmd =
        List.of(
            StressCommand.javaBinary(),
            "-Xmx256m",
            "-cp",
            System.getProperty("java.class.path"),
            SmallHeapScan.class.getName(),
            table.toString());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new CliException("The streaming scan with -Xmx256m failed: " + output);
    }
    return Long.parseLong(output.substring(output.lastIndexOf('\n') + 1).strip());
  }

  /** Child JVM main: scans a table row by row and prints the row count. */
  public static final class SmallHeapScan {
    private SmallHeapScan() {}

    public static void main(String[] args) {
      long n = 0;
      double sum = 0;
      try (CloseableIterator<Row> it = DataShard.open(Path.of(args[0])).scan().iterator()) {
        while (it.hasNext()) {
          sum += checksum(it.next());
          n++;
        }
      }
      System.out.println(sum > Double.NEGATIVE_INFINITY ? n : -1);
    }
  }

  private static long treeBytes(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private static double round2(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
