package io.datashard.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.Schema;
import io.datashard.Table;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.LocalFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hadoop's checksummed local filesystem (what Spark uses for local paths) writes a {@code .crc}
 * side file beside each file and checks it on every read. When DataShard rewrites {@code
 * version-hint.text}, a side file Hadoop left for the old hint must not make Hadoop's next read
 * fail its checksum.
 */
class HadoopChecksumFileTest {
  @TempDir Path tmp;

  @Test
  void aHintRewrittenByDataShardStillReadsThroughHadoopsChecksummedFilesystem() throws IOException {
    Path dir = tmp.resolve("t");
    Table t = DataShard.create(dir, Schema.parse("id long"));
    t.newAppend().add(Map.of("id", 1L)).commit();
    Path hint = dir.resolve("metadata/version-hint.text");
    String before = Files.readString(hint).trim();

    LocalFileSystem fs = new LocalFileSystem();
    fs.initialize(URI.create("file:///"), new Configuration(false));
    org.apache.hadoop.fs.Path hadoopHint = new org.apache.hadoop.fs.Path(hint.toUri());
    // as Hadoop writes it: the hint, and its checksum beside it
    try (OutputStream out = fs.create(hadoopHint, true)) {
      out.write(before.getBytes(StandardCharsets.UTF_8));
    }
    assertThat(dir.resolve("metadata/.version-hint.text.crc")).exists();

    t.newAppend().add(Map.of("id", 2L)).commit();
    t.newAppend().add(Map.of("id", 3L)).commit();

    String read;
    try (InputStream in = fs.open(hadoopHint)) {
      read = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    }
    assertThat(read).isNotEqualTo(before).isEqualTo(Files.readString(hint).trim());
    assertThat(IcebergJava.load(dir).currentSnapshot().snapshotId())
        .isEqualTo(t.currentSnapshot().orElseThrow().snapshotId());
    fs.close();
  }
}
