package io.datashard.bench;

import io.datashard.DataShard;
import io.datashard.Schema;
import io.datashard.cli.Main;
import io.datashard.testkit.ChildJvm;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The catalog benchmark: {@code loadTable} latency and commits per second through {@code datashard
 * serve} (1 and 4 client processes, each appending one small file per commit with Apache Iceberg
 * Java's REST client), next to DataShard's own commits on the folder (1 and 4 processes) in the
 * same run. Default settings everywhere (durable commits, default table properties); the server
 * runs as a child process, as a user runs it. Prints one JSON object per line.
 *
 * <p>Run with {@code bin/bench-catalog [--ops N] [--warmup N] [--dir DIR]} (test classpath: it
 * drives Iceberg Java, a test dependency).
 */
public final class CatalogBench {
  public static void main(String[] args) throws Exception {
    int ops = 200;
    int warmup = 30;
    Path dir = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--ops" -> ops = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--dir" -> dir = Path.of(args[++i]);
        default ->
            throw new IllegalArgumentException(
                "unknown argument " + args[i] + "; use --ops N --warmup N --dir DIR");
      }
    }
    Path root = dir != null ? dir : Files.createTempDirectory("datashard-catalog-bench");
    Path warehouse = root.resolve("lake");
    Files.createDirectories(warehouse.resolve("bench"));
    Path serveLog = root.resolve("serve.log");
    Process serve =
        ChildJvm.start(Main.class, serveLog, "serve", warehouse.toString(), "--port", "0");
    try {
      String uri = awaitUri(serve, serveLog);
      System.out.println(
          "{\"what\":\"settings\",\"ops_per_process\":"
              + ops
              + ",\"warmup_ops\":"
              + warmup
              + ",\"durable\":true,\"changed\":\"commit.retry.num-retries=20 on the tables the"
              + " REST clients write (Iceberg's default of 4 runs out with 4 clients on one table)\""
              + ",\"dir\":\""
              + root
              + "\"}");
      // interleaved, so that the disk's drift over the run touches every mode alike
      for (int processes : new int[] {1, 4}) {
        for (String mode : new String[] {"direct", "rest"}) {
          Path table = warehouse.resolve("bench").resolve(mode + processes);
          DataShard.table(table)
              .schema(Schema.parse("worker int not null, seq int not null"))
              .property("commit.retry.num-retries", "20")
              .create();
          run(mode, uri, table, processes, warmup, ops, root);
        }
      }
      Path loaded = warehouse.resolve("bench").resolve("rest1");
      run("load", uri, loaded, 1, warmup, ops, root);
    } finally {
      serve.destroy();
      serve.waitFor();
    }
  }

  private static void run(
      String mode, String uri, Path table, int processes, int warmup, int ops, Path root)
      throws Exception {
    Path go = root.resolve(table.getFileName() + "-" + mode + ".go");
    List<Process> procs = new ArrayList<>();
    List<Path> outs = new ArrayList<>();
    for (int w = 0; w < processes; w++) {
      Path out = root.resolve(table.getFileName() + "-" + mode + "-" + w + ".nanos");
      outs.add(out);
      procs.add(
          ChildJvm.start(
              CatalogBenchWorker.class,
              root.resolve(table.getFileName() + "-" + mode + "-" + w + ".log"),
              mode,
              uri,
              table.toString(),
              Integer.toString(w),
              Integer.toString(warmup),
              Integer.toString(ops),
              go.toString(),
              out.toString()));
    }
    for (Path out : outs) {
      Path ready = out.resolveSibling(out.getFileName() + ".ready");
      while (!Files.exists(ready)) {
        for (Process p : procs) {
          if (!p.isAlive() && p.exitValue() != 0) {
            throw new IllegalStateException("a worker failed; see " + root);
          }
        }
        Thread.sleep(10);
      }
    }
    long t0 = System.nanoTime();
    Files.writeString(go, "go");
    for (Process p : procs) {
      p.waitFor();
      if (p.exitValue() != 0) {
        throw new IllegalStateException("a worker failed; see the logs in " + root);
      }
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    List<Long> all = new ArrayList<>();
    for (Path out : outs) {
      for (String line : Files.readAllLines(out)) {
        all.add(Long.parseLong(line.trim()));
      }
    }
    long[] sorted = all.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(sorted);
    int n = sorted.length;
    System.out.println(
        String.format(
            Locale.ROOT,
            "{\"mode\":\"%s\",\"processes\":%d,\"ops\":%d,\"wall_s\":%.3f,\"ops_per_s\":%.1f,"
                + "\"p50_ms\":%.2f,\"p99_ms\":%.2f}",
            mode,
            processes,
            n,
            wall,
            n / wall,
            sorted[n / 2] / 1e6,
            sorted[Math.min(n - 1, (int) (n * 0.99))] / 1e6));
  }

  private static String awaitUri(Process serve, Path log) throws Exception {
    Pattern p = Pattern.compile(" at (http://[0-9.]+:\\d+)");
    for (int i = 0; i < 1200; i++) {
      if (Files.exists(log)) {
        Matcher m = p.matcher(Files.readString(log));
        if (m.find()) {
          ping(m.group(1));
          return m.group(1);
        }
      }
      if (!serve.isAlive()) {
        throw new IllegalStateException("serve stopped: " + Files.readString(log));
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("serve printed no URI");
  }

  private static void ping(String uri) throws IOException, InterruptedException {
    HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(uri + "/v1/config")).build(),
            HttpResponse.BodyHandlers.discarding());
  }
}
