package io.datashard.bench;

import io.datashard.DataShard;
import io.datashard.Table;
import io.datashard.internal.ObjectStores;
import io.datashard.storage.S3Storage;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * One process of {@link S3Bench}: makes {@code warmup} untimed commits, waits for the go file, then
 * {@code count} timed ones, and writes each one's nanoseconds, one per line, then a last line
 * {@code requests PUT GET HEAD LIST DELETE} with the object-store requests of the timed commits
 * (zeros for a local table).
 *
 * <p>Modes: {@code append} (one row per commit) and {@code counter} (a serializable transaction
 * that counts the rows and appends one). Arguments: mode, table location, worker id, warm-up ops,
 * timed ops, go file, out.
 */
public final class S3BenchWorker {
  public static void main(String[] args) throws Exception {
    String mode = args[0];
    String location = args[1];
    int worker = Integer.parseInt(args[2]);
    int warmup = Integer.parseInt(args[3]);
    int count = Integer.parseInt(args[4]);
    Path go = Path.of(args[5]);
    Path out = Path.of(args[6]);
    Table table = DataShard.table(location).open();
    boolean s3 = location.startsWith("s3://");
    long[] nanos = new long[count];
    Map<S3Storage.Request, Long> before = null;
    for (int i = -warmup; i < count; i++) {
      if (i == 0) {
        Files.writeString(out.resolveSibling(out.getFileName() + ".ready"), "ready");
        while (!Files.exists(go)) {
          Thread.sleep(5);
        }
        before = s3 ? ((S3Storage) ObjectStores.s3()).requests() : null;
      }
      long t0 = System.nanoTime();
      int seq = i;
      switch (mode) {
        case "append" -> table.newAppend().add(Map.of("worker", worker, "seq", seq)).commit();
        case "counter" ->
            table.transaction(
                tx -> {
                  long n = tx.scan().count();
                  tx.append(Map.of("worker", worker, "seq", (int) n));
                  return n;
                });
        default -> throw new IllegalArgumentException(mode);
      }
      if (i >= 0) {
        nanos[i] = System.nanoTime() - t0;
      }
    }
    StringBuilder requests = new StringBuilder("requests");
    if (s3) {
      Map<S3Storage.Request, Long> after = ((S3Storage) ObjectStores.s3()).requests();
      for (S3Storage.Request r : S3Storage.Request.values()) {
        requests.append(' ').append(after.get(r) - before.get(r));
      }
    }
    try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
      for (long n : nanos) {
        w.write(Long.toString(n));
        w.write('\n');
      }
      w.write(requests.toString());
      w.write('\n');
    }
  }
}
