package io.datashard.cli;

import io.datashard.DataShard;
import io.datashard.Schema;
import io.datashard.Table;
import io.datashard.TableProperties;
import io.datashard.storage.ForwardingStorage;
import io.datashard.storage.LocalStorage;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Benchmarks. */
@Command(
    name = "bench",
    description = "Benchmarks that print figures (not pass/fail tests).",
    subcommands = {
      BenchCommand.Commits.class,
      BenchCompactCommand.class,
      BenchDeletesCommand.class,
      BenchIoCommand.class
    })
final class BenchCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "Missing benchmark: choose commits, compact or io");
  }

  /** One writer making small durable commits: does the cost per commit grow with history? */
  @Command(
      name = "commits",
      description =
          "One writer makes small durable commits; prints p50/p99 latency and "
              + "bytes written per commit for the first and last 1,000 commits, and metadata bytes on disk at the end.")
  static final class Commits implements Callable<Integer> {
    @Option(
        names = "--dir",
        paramLabel = "DIR",
        description = "Table directory (default: a temporary one, removed).")
    Path dir;

    @Option(
        names = "--count",
        defaultValue = "100000",
        description = "Commits (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(
        names = "--rows",
        defaultValue = "1",
        description = "Rows per commit (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--format", defaultValue = "text", description = "text or json.")
    String format;

    @Option(
        names = "--cleanup-every",
        defaultValue = "-1",
        paramLabel = "N",
        description =
            "Sets the table property "
                + TableProperties.CLEANUP_EVERY_COMMITS
                + ": every N commits, the files only dropped snapshots used are deleted (after "
                + "the grace period), so files on disk stay bounded by the snapshot retention. "
                + "Default: not set, the table's default ("
                + TableProperties.CLEANUP_EVERY_COMMITS_DEFAULT
                + "); 0: off, then they stay until 'gc'.")
    int cleanupEvery;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      if (count < 1 || rows < 1) {
        throw new CliException("--count and --rows must be at least 1");
      }
      boolean temporary = dir == null;
      Path work = temporary ? Files.createTempDirectory("datashard-bench").resolve("table") : dir;
      CountingStorage storage = new CountingStorage(new LocalStorage(true));
      DataShard.TableBuilder builder =
          DataShard.table(work).schema(Schema.parse("id long not null, value double"));
      if (cleanupEvery >= 0) {
        builder.property(TableProperties.CLEANUP_EVERY_COMMITS, Integer.toString(cleanupEvery));
      }
      builder.create();
      Table table = DataShard.table(storage, work.toAbsolutePath().normalize().toString()).open();
      int window = Math.min(1000, count);
      long[] firstNanos = new long[window];
      long[] lastNanos = new long[window];
      long firstBytes = 0;
      long lastBytes = 0;
      PrintWriter out = spec.commandLine().getOut();
      long id = 0;
      for (int c = 0; c < count; c++) {
        List<Object> batch = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
          batch.add(Map.of("id", id++, "value", id * 0.5));
        }
        long before = storage.bytes.get();
        long t0 = System.nanoTime();
        table.append(batch);
        long took = System.nanoTime() - t0;
        long wrote = storage.bytes.get() - before;
        if (c < window) {
          firstNanos[c] = took;
          firstBytes += wrote;
        }
        if (c >= count - window) {
          lastNanos[c - (count - window)] = took;
          lastBytes += wrote;
        }
        if (!format.equals("json") && (c + 1) % 1000 == 0) {
          out.printf("%,d commits, last one %.2f ms%n", c + 1, took / 1e6);
          out.flush();
        }
      }
      long metadataBytes;
      try (Stream<Path> files = Files.list(work.resolve("metadata"))) {
        metadataBytes = files.mapToLong(p -> p.toFile().length()).sum();
      }
      long tableBytes;
      try (Stream<Path> files = Files.walk(work)) {
        tableBytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
      }
      long dataFiles = table.refresh().scan().files().size();
      Map<String, Object> first = window(firstNanos, firstBytes);
      Map<String, Object> last = window(lastNanos, lastBytes);
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("first", first);
      result.put("last", last);
      result.put("commits", (long) count);
      result.put("metadata_bytes", metadataBytes);
      result.put("table_bytes", tableBytes);
      result.put("live_data_files", dataFiles);
      long every = cleanupEvery >= 0 ? cleanupEvery : TableProperties.CLEANUP_EVERY_COMMITS_DEFAULT;
      result.put("cleanup_every", every);
      if (format.equals("json")) {
        out.println(Render.json(result));
      } else {
        out.printf(
            "first %d commits: p50 %.2f ms, p99 %.2f ms, %,d bytes/commit%n",
            window, first.get("p50_ms"), first.get("p99_ms"), first.get("bytes_per_commit"));
        out.printf(
            "last %d commits:  p50 %.2f ms, p99 %.2f ms, %,d bytes/commit%n",
            window, last.get("p50_ms"), last.get("p99_ms"), last.get("bytes_per_commit"));
        out.printf(
            "on disk: %,d bytes in all, %,d of them in %s (automatic cleanup every %d commits); "
                + "%,d live data files%n",
            tableBytes, metadataBytes, work.resolve("metadata"), every, dataFiles);
      }
      if (temporary) {
        try (Stream<Path> s = Files.walk(work.getParent())) {
          s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        }
      }
      return 0;
    }

    private static Map<String, Object> window(long[] nanos, long bytes) {
      long[] sorted = nanos.clone();
      Arrays.sort(sorted);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("p50_ms", Math.round(sorted[sorted.length / 2] / 1e4) / 100.0);
      m.put(
          "p99_ms",
          Math.round(sorted[Math.min(sorted.length - 1, (int) (sorted.length * 0.99))] / 1e4)
              / 100.0);
      m.put("bytes_per_commit", bytes / nanos.length);
      return m;
    }
  }

  /** Counts the bytes of every file published through it. */
  static final class CountingStorage extends ForwardingStorage {
    final AtomicLong bytes = new AtomicLong();

    CountingStorage(Storage delegate) {
      super(delegate);
    }

    @Override
    protected long publish(String location, PendingFile file) throws IOException {
      long n = file.publish();
      bytes.addAndGet(n);
      return n;
    }

    @Override
    public void replace(String location, byte[] content) throws IOException {
      super.replace(location, content);
      bytes.addAndGet(content.length);
    }
  }
}
