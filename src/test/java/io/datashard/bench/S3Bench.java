package io.datashard.bench;

import io.datashard.DataShard;
import io.datashard.Schema;
import io.datashard.storage.S3Storage;
import io.datashard.testkit.S3Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The object-store benchmark: commits per second and requests per commit on an {@code s3://} table
 * of a local S3-API server (S3Proxy, started here as a child process), next to the same work on a
 * local directory in the same run: appends (one row per commit) and counter transactions
 * (serializable read-modify-write), by 1 and by 4 writer processes. Default settings everywhere
 * (durable, default table properties and options, the automatic upkeep included); the writer
 * processes run with the JVM's default flags. Prints one JSON object per line.
 *
 * <p>Run with {@code bin/bench-s3 [--ops N] [--counter-ops N] [--warmup N] [--dir DIR]} (test
 * classpath: the server comes from the build like the tests' one).
 */
public final class S3Bench {
  public static void main(String[] args) throws Exception {
    int ops = 100;
    int counterOps = 25;
    int warmup = 10;
    Path dir = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--ops" -> ops = Integer.parseInt(args[++i]);
        case "--counter-ops" -> counterOps = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--dir" -> dir = Path.of(args[++i]);
        default ->
            throw new IllegalArgumentException(
                "unknown argument "
                    + args[i]
                    + "; use --ops N --counter-ops N --warmup N --dir DIR");
      }
    }
    Path root = dir != null ? dir : Files.createTempDirectory("datashard-s3-bench");
    try (S3Proxy server = S3Proxy.start(Files.createDirectories(root.resolve("s3")))) {
      server.createBucket("bench");
      System.out.println(
          "{\"what\":\"settings\",\"append_ops_per_process\":"
              + ops
              + ",\"counter_ops_per_process\":"
              + counterOps
              + ",\"warmup_ops\":"
              + warmup
              + ",\"durable\":true,\"changed\":\"nothing\",\"server\":\"S3Proxy 4.0.0,"
              + " filesystem blob store, 127.0.0.1, same 2 cores\",\"dir\":\""
              + root
              + "\"}");
      // interleaved, so that the disk's drift over the run touches both stores alike
      for (int processes : new int[] {1, 4}) {
        for (String mode : new String[] {"append", "counter"}) {
          for (String store : new String[] {"local", "s3"}) {
            String name = mode + processes;
            String location =
                store.equals("s3")
                    ? "s3://bench/" + name
                    : root.resolve("local").resolve(name).toString();
            try (S3Storage s3 = server.storage()) {
              (store.equals("s3")
                      ? DataShard.table(s3, location)
                      : DataShard.table(Path.of(location)))
                  .schema(Schema.parse("worker int not null, seq int not null"))
                  .create();
            }
            run(
                store,
                mode,
                location,
                processes,
                warmup,
                mode.equals("append") ? ops : counterOps,
                root,
                server.environment());
          }
        }
      }
    }
  }

  private static void run(
      String store,
      String mode,
      String location,
      int processes,
      int warmup,
      int ops,
      Path root,
      Map<String, String> env)
      throws Exception {
    String tag = store + "-" + mode + processes;
    Path go = root.resolve(tag + ".go");
    List<Process> procs = new ArrayList<>();
    List<Path> outs = new ArrayList<>();
    for (int w = 0; w < processes; w++) {
      Path out = root.resolve(tag + "-" + w + ".nanos");
      outs.add(out);
      ProcessBuilder pb =
          new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-cp",
              System.getProperty("java.class.path"),
              S3BenchWorker.class.getName(),
              mode,
              location,
              Integer.toString(w),
              Integer.toString(warmup),
              Integer.toString(ops),
              go.toString(),
              out.toString());
      pb.environment().putAll(env);
      pb.redirectErrorStream(true);
      pb.redirectOutput(root.resolve(tag + "-" + w + ".log").toFile());
      procs.add(pb.start());
    }
    for (Path out : outs) {
      Path ready = out.resolveSibling(out.getFileName() + ".ready");
      while (!Files.exists(ready)) {
        for (Process p : procs) {
          if (!p.isAlive() && p.exitValue() != 0) {
            throw new IllegalStateException("a worker failed; see the logs in " + root);
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
    long[] requests = new long[S3Storage.Request.values().length];
    for (Path out : outs) {
      for (String line : Files.readAllLines(out)) {
        if (line.startsWith("requests")) {
          String[] parts = line.trim().split(" ");
          for (int i = 1; i < parts.length; i++) {
            requests[i - 1] += Long.parseLong(parts[i]);
          }
        } else {
          all.add(Long.parseLong(line.trim()));
        }
      }
    }
    long[] sorted = all.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(sorted);
    int n = sorted.length;
    StringBuilder perCommit = new StringBuilder();
    S3Storage.Request[] kinds = S3Storage.Request.values();
    for (int i = 0; i < kinds.length; i++) {
      perCommit.append(
          String.format(
              Locale.ROOT,
              ",\"%s_per_commit\":%.2f",
              kinds[i].name().toLowerCase(Locale.ROOT),
              (double) requests[i] / n));
    }
    System.out.println(
        String.format(
                Locale.ROOT,
                "{\"store\":\"%s\",\"mode\":\"%s\",\"processes\":%d,\"commits\":%d,\"wall_s\":%.3f,"
                    + "\"commits_per_s\":%.1f,\"p50_ms\":%.2f,\"p99_ms\":%.2f",
                store,
                mode,
                processes,
                n,
                wall,
                n / wall,
                sorted[n / 2] / 1e6,
                sorted[Math.min(n - 1, (int) (n * 0.99))] / 1e6)
            + (store.equals("s3") ? perCommit.toString() : "")
            + "}");
  }
}
