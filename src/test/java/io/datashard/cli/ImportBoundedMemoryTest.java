package io.datashard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.CloseableIterator;
import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import io.datashard.testkit.ChildJvm;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Import and export stream: a child JVM with a 32 MB heap (and only the runtime classpath) imports
 * 300,000 records, which as objects in memory would take several times that heap, in one commit,
 * and exports them again. (Measured: the in-memory {@code append} command runs out of heap on the
 * same 300,000 records at this heap size.)
 */
class ImportBoundedMemoryTest {
  @TempDir Path tmp;

  private String run(String... args) throws Exception {
    String cp = System.getProperty("datashard.runtime.classpath");
    assertThat(cp).as("set by the build (pom.xml)").isNotBlank();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                ChildJvm.javaBinary(),
                "-Xmx32m",
                "-XX:+UseSerialGC",
                "-cp",
                cp,
                Main.class.getName()));
    cmd.addAll(List.of(args));
    Path out = tmp.resolve("out-" + System.nanoTime());
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    String text = Files.readString(out);
    assertThat(p.exitValue()).as(text).isZero();
    return text;
  }

  @Test
  void importsAndExportsMoreRowsThanTheHeapCouldHold() throws Exception {
    int n = 300_000;
    Path input = tmp.resolve("big.jsonl");
    try (BufferedWriter w = Files.newBufferedWriter(input)) {
      for (int i = 0; i < n; i++) {
        w.write(
            "{\"id\": " + i + ", \"name\": \"name-" + i + "\", \"score\": " + (i * 0.5) + "}\n");
      }
    }
    Path dir = tmp.resolve("t");
    DataShard.create(dir, Schema.parse("id long not null, name string, score double"));
    String out = run("import", dir.toString(), input.toString(), "--rows-per-file", "100000");
    assertThat(out).contains("Imported 300,000 rows from 1 file into 3 data files");

    Table t = DataShard.open(dir);
    assertThat(t.snapshots()).hasSize(1);
    Snapshot s = t.currentSnapshot().orElseThrow();
    assertThat(s.summaryLong("added-records", 0)).isEqualTo(n);
    assertThat(t.scan().count()).isEqualTo(n);
    long sum = 0;
    try (CloseableIterator<Row> rows = t.scan().select("id").iterator()) {
      while (rows.hasNext()) {
        sum += rows.next().get("id", Long.class);
      }
    }
    assertThat(sum).isEqualTo((long) n * (n - 1) / 2);

    Path csv = tmp.resolve("out.csv");
    assertThat(run("export", dir.toString(), "--to", csv.toString()))
        .contains("Exported 300,000 rows");
    try (Stream<String> lines = Files.lines(csv)) {
      assertThat(lines.count()).isEqualTo(n + 1);
    }
  }
}
