package io.datashard.bench;

import io.datashard.DataShard;
import io.datashard.Table;
import io.datashard.interop.IcebergJava;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.rest.RESTCatalog;

/**
 * One process of {@link CatalogBench}: makes {@code warmup} untimed operations, waits for the go
 * file, then {@code count} timed ones, and writes each one's nanoseconds, one per line.
 *
 * <p>Modes: {@code rest} (an append of one row, one small Parquet file, committed by Apache Iceberg
 * Java's {@code RESTCatalog} through the server), {@code direct} (the same append with DataShard's
 * API on the folder), {@code load} ({@code loadTable} through the server).
 *
 * <p>Arguments: mode, catalog URI, table folder, worker id, warm-up ops, timed ops, go file, out.
 */
public final class CatalogBenchWorker {
  public static void main(String[] args) throws Exception {
    String mode = args[0];
    String uri = args[1];
    Path dir = Path.of(args[2]);
    int worker = Integer.parseInt(args[3]);
    int warmup = Integer.parseInt(args[4]);
    int count = Integer.parseInt(args[5]);
    Path go = Path.of(args[6]);
    Path out = Path.of(args[7]);
    TableIdentifier id = TableIdentifier.of("bench", dir.getFileName().toString());
    RESTCatalog catalog = null;
    org.apache.iceberg.Table rest = null;
    Table direct = null;
    if (mode.equals("direct")) {
      direct = DataShard.open(dir);
    } else {
      catalog = new RESTCatalog();
      catalog.setConf(IcebergJava.conf());
      catalog.initialize(
          "ds", Map.of("uri", uri, "io-impl", "org.apache.iceberg.hadoop.HadoopFileIO"));
      rest = catalog.loadTable(id);
    }
    long[] nanos = new long[count];
    for (int i = -warmup; i < count; i++) {
      if (i == 0) {
        Files.writeString(out.resolveSibling(out.getFileName() + ".ready"), "ready");
        while (!Files.exists(go)) {
          Thread.sleep(5);
        }
      }
      long t0 = System.nanoTime();
      switch (mode) {
        case "rest" -> IcebergJava.append(rest, List.of(Map.of("worker", worker, "seq", i)));
        case "direct" -> direct.newAppend().add(Map.of("worker", worker, "seq", i)).commit();
        case "load" -> catalog.loadTable(id);
        default -> throw new IllegalArgumentException(mode);
      }
      if (i >= 0) {
        nanos[i] = System.nanoTime() - t0;
      }
    }
    try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
      for (long n : nanos) {
        w.write(Long.toString(n));
        w.write('\n');
      }
    }
    if (catalog != null) {
      catalog.close();
    }
  }
}
