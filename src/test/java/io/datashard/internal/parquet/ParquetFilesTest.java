package io.datashard.internal.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.CorruptTableException;
import io.datashard.DataFile;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Types;
import io.datashard.internal.Values;
import io.datashard.storage.LocalStorage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParquetFilesTest {
  @TempDir Path dir;

  private final LocalStorage storage = new LocalStorage(false);
  private final Schema schema =
      Schema.parse("id long not null, score double, name string, emb list<float>");

  private List<Row> rows(int n) {
    List<Row> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(
          Row.of(
              schema.asStruct(),
              (long) i,
              i == 3 ? Double.NaN : i / 2.0,
              i % 4 == 0 ? null : "name-" + "x".repeat(20) + i,
              List.of((float) i)));
    }
    return out;
  }

  @Test
  void everyCodecRoundTrips() {
    for (CompressionCodecName codec :
        List.of(
            CompressionCodecName.ZSTD,
            CompressionCodecName.SNAPPY,
            CompressionCodecName.GZIP,
            CompressionCodecName.UNCOMPRESSED)) {
      String loc = dir.resolve(codec + ".parquet").toString();
      List<Row> in = rows(100);
      try {
        ParquetFiles.write(storage, loc, schema, in.iterator(), codec);
      } catch (IOException e) {
        throw new AssertionError(e);
      }
      assertThat(ParquetFiles.read(storage, loc, schema).toList()).as(codec.name()).isEqualTo(in);
    }
  }

  @Test
  void metricsMatchTheData() throws Exception {
    String loc = dir.resolve("m.parquet").toString();
    DataFile f =
        ParquetFiles.write(storage, loc, schema, rows(10).iterator(), CompressionCodecName.ZSTD);
    assertThat(f.recordCount()).isEqualTo(10);
    assertThat(f.fileSizeInBytes()).isEqualTo(Files.size(Path.of(loc)));
    int id = schema.findField("id").id();
    int score = schema.findField("score").id();
    int name = schema.findField("name").id();
    assertThat(f.valueCounts().get(id)).isEqualTo(10);
    assertThat(f.nullValueCounts().get(name)).isEqualTo(3); // rows 0, 4, 8
    assertThat(f.nanValueCounts().get(score)).isEqualTo(1);
    assertThat(Values.toBytes(Types.LONG, 0L)).isEqualTo(f.lowerBounds().get(id));
    assertThat(Values.toBytes(Types.LONG, 9L)).isEqualTo(f.upperBounds().get(id));
    assertThat(Values.toBytes(Types.DOUBLE, 0.0)).isEqualTo(f.lowerBounds().get(score));
    assertThat(Values.toBytes(Types.DOUBLE, 4.5))
        .isEqualTo(f.upperBounds().get(score)); // NaN excluded
    // strings are truncated to 16 characters; the upper bound is rounded up so it still bounds
    String lower = StandardCharsets.UTF_8.decode(f.lowerBounds().get(name).duplicate()).toString();
    String upper = StandardCharsets.UTF_8.decode(f.upperBounds().get(name).duplicate()).toString();
    assertThat(lower).isEqualTo("name-xxxxxxxxxxx");
    assertThat(upper).isEqualTo("name-xxxxxxxxxxy");
    assertThat(lower.compareTo("name-" + "x".repeat(20) + "1")).isLessThan(0);
    assertThat(upper.compareTo("name-" + "x".repeat(20) + "9")).isGreaterThan(0);
    assertThat(f.splitOffsets()).containsExactly(4L);
    assertThat(f.columnSizes().keySet()).contains(id, score, name);
  }

  @Test
  void upperBoundOfAllMaxBytesHasNoTruncatedForm() {
    byte[] max = new byte[20];
    Arrays.fill(max, (byte) 0xff);
    assertThat(ParquetFiles.upperBound(Types.BINARY, ByteBuffer.wrap(max))).isNull();
    assertThat(ParquetFiles.lowerBound(Types.BINARY, ByteBuffer.wrap(max)).remaining())
        .isEqualTo(16);
  }

  @Test
  void projectionByIdReadsMissingColumnsAsNull() throws Exception {
    String loc = dir.resolve("p.parquet").toString();
    ParquetFiles.write(storage, loc, schema, rows(3).iterator(), CompressionCodecName.ZSTD);
    // a later schema: 'score' dropped, 'extra' added (new id), 'name' renamed (same id)
    Schema later =
        new Schema(
            1,
            List.of(
                Types.NestedField.required(1, "id", Types.LONG),
                Types.NestedField.optional(3, "label", Types.STRING),
                Types.NestedField.optional(9, "extra", Types.INT)));
    List<Row> read = ParquetFiles.read(storage, loc, later).toList();
    assertThat(read).hasSize(3);
    assertThat(read.get(1).get("id")).isEqualTo(1L);
    assertThat(read.get(1).get("label")).isEqualTo("name-" + "x".repeat(20) + "1");
    assertThat(read.get(1).get("extra")).isNull();
  }

  @Test
  void damagedFilesAreClearErrors() throws Exception {
    String loc = dir.resolve("d.parquet").toString();
    ParquetFiles.write(storage, loc, schema, rows(50).iterator(), CompressionCodecName.ZSTD);
    byte[] bytes = Files.readAllBytes(Path.of(loc));
    Path truncated = dir.resolve("truncated.parquet");
    Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
    assertThatThrownBy(() -> ParquetFiles.read(storage, truncated.toString(), schema).toList())
        .isInstanceOf(CorruptTableException.class)
        .hasMessageContaining("truncated.parquet");
    Path text = dir.resolve("text.parquet");
    Files.writeString(text, "this is not parquet at all, just some text");
    assertThatThrownBy(() -> ParquetFiles.read(storage, text.toString(), schema).toList())
        .isInstanceOf(CorruptTableException.class)
        .hasMessageContaining("text.parquet");
    assertThatThrownBy(
            () -> ParquetFiles.read(storage, dir.resolve("none.parquet").toString(), schema))
        .isInstanceOf(CorruptTableException.class)
        .hasMessageContaining("missing");
    Schema wrongType = Schema.parse("id string");
    assertThatThrownBy(() -> ParquetFiles.read(storage, loc, wrongType).toList())
        .isInstanceOf(CorruptTableException.class)
        .hasMessageContaining("INT64");
  }
}
