package io.datashard.internal.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataFile;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.interop.IcebergJava;
import io.datashard.storage.LocalStorage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Metrics;
import org.apache.iceberg.MetricsConfig;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.data.parquet.GenericParquetWriter;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.parquet.ParquetUtil;
import org.apache.iceberg.types.Comparators;
import org.apache.iceberg.types.Conversions;
import org.apache.iceberg.util.BinaryUtil;
import org.apache.iceberg.util.UnicodeUtil;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * File-level interoperability with Apache Iceberg Java: it reads our Parquet files, we read its
 * files, and its metrics for our files agree with ours.
 */
class ParquetIcebergInteropTest {
  @TempDir Path dir;

  private final LocalStorage storage = new LocalStorage(false);
  private static final Schema SCHEMA = ParquetTestData.ALL;
  private static final org.apache.iceberg.Schema ICE = IcebergConversions.iceberg(SCHEMA);

  private DataFile writeOurs(Path file, List<Row> rows, CompressionCodecName codec)
      throws IOException {
    return ParquetFiles.write(storage, file.toString(), SCHEMA, rows.iterator(), codec);
  }

  private static List<Map<String, Object>> readWithIceberg(
      Path file, org.apache.iceberg.Schema projection) throws IOException {
    List<Map<String, Object>> out = new ArrayList<>();
    try (CloseableIterable<Record> records =
        Parquet.read(org.apache.iceberg.Files.localInput(file.toFile()))
            .project(projection)
            .createReaderFunc(fs -> GenericParquetReaders.buildReader(projection, fs))
            .build()) {
      for (Record r : records) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) IcebergJava.plain(r);
        out.add(m);
      }
    }
    return out;
  }

  private static List<Map<String, Object>> maps(List<Row> rows) {
    List<Map<String, Object>> out = new ArrayList<>();
    rows.forEach(r -> out.add(r.toMap()));
    return out;
  }

  @Test
  void icebergJavaReadsOurFilesWithEveryCodec() throws IOException {
    List<Row> rows = ParquetTestData.rows(60);
    for (CompressionCodecName codec :
        List.of(
            CompressionCodecName.ZSTD,
            CompressionCodecName.SNAPPY,
            CompressionCodecName.GZIP,
            CompressionCodecName.UNCOMPRESSED)) {
      Path file = dir.resolve("ours-" + codec + ".parquet");
      writeOurs(file, rows, codec);
      assertThat(readWithIceberg(file, ICE)).as(codec.name()).isEqualTo(maps(rows));
    }
  }

  @Test
  void icebergJavaProjectsOurFilesById() throws IOException {
    Path file = dir.resolve("ours.parquet");
    List<Row> rows = ParquetTestData.rows(20);
    writeOurs(file, rows, CompressionCodecName.ZSTD);
    // columns renamed (same ids), one dropped, one unknown to the file
    org.apache.iceberg.Schema projection =
        new org.apache.iceberg.Schema(
            org.apache.iceberg.types.Types.NestedField.required(
                1, "key", org.apache.iceberg.types.Types.LongType.get()),
            org.apache.iceberg.types.Types.NestedField.optional(
                14, "text", org.apache.iceberg.types.Types.StringType.get()),
            org.apache.iceberg.types.Types.NestedField.optional(
                99, "new", org.apache.iceberg.types.Types.IntegerType.get()));
    List<Map<String, Object>> read = readWithIceberg(file, projection);
    assertThat(read).hasSize(20);
    for (int n = 0; n < 20; n++) {
      assertThat(read.get(n).get("key")).isEqualTo((long) n);
      assertThat(read.get(n).get("text")).isEqualTo(rows.get(n).get("s"));
      assertThat(read.get(n).get("new")).isNull();
    }
  }

  @Test
  void weReadFilesIcebergJavaWroteWithEveryCodec() throws IOException {
    List<Row> rows = ParquetTestData.rows(60);
    for (String codec : List.of("zstd", "snappy", "gzip", "uncompressed")) {
      Path file = dir.resolve("iceberg-" + codec + ".parquet");
      try (FileAppender<Record> appender =
          Parquet.write(org.apache.iceberg.Files.localOutput(file.toFile()))
              .schema(ICE)
              .createWriterFunc(GenericParquetWriter::create)
              .set("write.parquet.compression-codec", codec)
              .build()) {
        for (Row r : rows) {
          appender.add(IcebergConversions.record(ICE.asStruct(), r));
        }
      }
      assertThat(ParquetFiles.read(storage, file.toString(), SCHEMA).toList())
          .as(codec)
          .isEqualTo(rows);
      // and by id, in another order, with a column the file lacks
      Schema projection =
          new Schema(
              0,
              List.of(
                  Types.NestedField.optional(20, "pos", ParquetTestData.POINT),
                  Types.NestedField.required(1, "id", Types.LONG),
                  Types.NestedField.optional(77, "missing", Types.STRING)));
      List<Row> read = ParquetFiles.read(storage, file.toString(), projection).toList();
      assertThat(read).hasSize(rows.size());
      for (int n = 0; n < rows.size(); n++) {
        assertThat(read.get(n).get(0)).isEqualTo(rows.get(n).get("pos"));
        assertThat(read.get(n).get(1)).isEqualTo((long) n);
        assertThat(read.get(n).get(2)).isNull();
      }
    }
  }

  @Test
  void weReadAnIcebergFileWithManyRowGroups() throws IOException {
    List<Row> rows = ParquetTestData.rows(3000);
    Path file = dir.resolve("groups.parquet");
    try (FileAppender<Record> appender =
        Parquet.write(org.apache.iceberg.Files.localOutput(file.toFile()))
            .schema(ICE)
            .createWriterFunc(GenericParquetWriter::create)
            .set("write.parquet.row-group-size-bytes", "16384")
            .set("write.parquet.row-group-check-min-record-count", "50")
            .set("write.parquet.row-group-check-max-record-count", "50")
            .build()) {
      for (Row r : rows) {
        appender.add(IcebergConversions.record(ICE.asStruct(), r));
      }
      appender.close();
      assertThat(appender.splitOffsets()).hasSizeGreaterThan(5);
    }
    assertThat(ParquetFiles.read(storage, file.toString(), SCHEMA).toList()).isEqualTo(rows);
  }

  @Test
  void icebergJavaMetricsOfOurFileAgreeWithOurs() throws IOException {
    Path file = dir.resolve("metrics.parquet");
    List<Row> rows = ParquetTestData.rows(45);
    DataFile ours = writeOurs(file, rows, CompressionCodecName.ZSTD);
    Metrics ice =
        ParquetUtil.fileMetrics(
            org.apache.iceberg.Files.localInput(file.toFile()), MetricsConfig.getDefault());

    assertThat(ours.recordCount()).isEqualTo(ice.recordCount()).isEqualTo(45);
    assertThat(ours.fileSizeInBytes()).isEqualTo(Files.size(file));
    assertThat(ours.columnSizes()).isEqualTo(ice.columnSizes());
    assertThat(ice.valueCounts()).isNotEmpty();
    ice.valueCounts()
        .forEach(
            (id, n) ->
                assertThat(ours.valueCounts().get(id)).as("value count %d", id).isEqualTo(n));
    ice.nullValueCounts()
        .forEach(
            (id, n) ->
                assertThat(ours.nullValueCounts().get(id)).as("null count %d", id).isEqualTo(n));
    ice.lowerBounds()
        .forEach((id, b) -> assertThat(ours.lowerBounds().get(id)).as("lower %d", id).isEqualTo(b));
    ice.upperBounds()
        .forEach((id, b) -> assertThat(ours.upperBounds().get(id)).as("upper %d", id).isEqualTo(b));
    assertThat(ours.splitOffsets()).containsExactlyElementsOf(readFooterSplitOffsets(file));
  }

  private static List<Long> readFooterSplitOffsets(Path file) throws IOException {
    try (ParquetFileReader r =
        ParquetFileReader.open(
            HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(file.toString()), IcebergJava.conf()))) {
      return ParquetUtil.getSplitOffsets(r.getFooter());
    }
  }

  @Test
  void ourMetricsMatchWhatIcebergJavasWriterRecordsForTheSameRows() throws IOException {
    List<Row> rows = ParquetTestData.rows(45);
    DataFile ours = writeOurs(dir.resolve("ours.parquet"), rows, CompressionCodecName.ZSTD);
    FileAppender<Record> appender =
        Parquet.write(org.apache.iceberg.Files.localOutput(dir.resolve("ice.parquet").toFile()))
            .schema(ICE)
            .createWriterFunc(GenericParquetWriter::create)
            .build();
    try (FileAppender<Record> a = appender) {
      rows.forEach(r -> a.add(IcebergConversions.record(ICE.asStruct(), r)));
    }
    Metrics ice = appender.metrics();
    // Counts of top-level columns agree. (For fields of an optional struct, Iceberg's writer counts
    // only rows where the struct is present, while its footer metrics, and ours, count every row.)
    for (Types.NestedField f : SCHEMA.columns()) {
      if (ice.valueCounts().containsKey(f.id())) {
        assertThat(ours.valueCounts().get(f.id()))
            .as("value count of %s", f.name())
            .isEqualTo(ice.valueCounts().get(f.id()));
        assertThat(ours.nullValueCounts().get(f.id()))
            .as("null count of %s", f.name())
            .isEqualTo(ice.nullValueCounts().get(f.id()));
      }
    }
    assertThat(ours.nanValueCounts()).isEqualTo(ice.nanValueCounts());
    assertThat(ours.lowerBounds()).isEqualTo(ice.lowerBounds());
    assertThat(ours.upperBounds()).isEqualTo(ice.upperBounds());
  }

  /**
   * Our bounds, computed independently: Iceberg's own comparators, truncation and single-value
   * serialization applied to the real minimum and maximum of each column not inside a list or map.
   */
  @Test
  void boundsAreTheRealMinAndMaxTruncatedAsIcebergDoes() throws IOException {
    List<Row> rows = ParquetTestData.rows(45);
    DataFile ours = writeOurs(dir.resolve("b.parquet"), rows, CompressionCodecName.ZSTD);
    int checked = 0;
    for (int pos = 0; pos < SCHEMA.columns().size(); pos++) {
      Types.NestedField f = SCHEMA.columns().get(pos);
      if (!f.type().isPrimitive()) {
        continue;
      }
      org.apache.iceberg.types.Type.PrimitiveType iceType =
          IcebergConversions.iceberg(f.type()).asPrimitiveType();
      List<Object> values = new ArrayList<>();
      long nans = 0;
      for (Row r : rows) {
        Object v = r.get(pos);
        if (v instanceof Float && ((Float) v).isNaN()
            || v instanceof Double && ((Double) v).isNaN()) {
          nans++;
        } else if (v != null) {
          values.add(IcebergConversions.internal(f.type(), v));
        }
      }
      @SuppressWarnings("unchecked")
      Comparator<Object> cmp = (Comparator<Object>) (Comparator<?>) Comparators.forType(iceType);
      values.sort(cmp);
      Object min = values.get(0);
      Object max = values.get(values.size() - 1);
      ByteBuffer lower;
      ByteBuffer upper;
      if (f.type().typeId() == Type.TypeId.STRING) {
        lower =
            Conversions.toByteBuffer(iceType, UnicodeUtil.truncateStringMin(min.toString(), 16));
        CharSequence up = UnicodeUtil.truncateStringMax(max.toString(), 16);
        upper = up == null ? null : Conversions.toByteBuffer(iceType, up);
      } else if (f.type().typeId() == Type.TypeId.BINARY) { // fixed[L] bounds keep all L bytes
        lower = BinaryUtil.truncateBinaryMin((ByteBuffer) min, 16);
        upper = BinaryUtil.truncateBinaryMax((ByteBuffer) max, 16);
      } else {
        lower = Conversions.toByteBuffer(iceType, min);
        upper = Conversions.toByteBuffer(iceType, max);
      }
      assertThat(ours.lowerBounds().get(f.id())).as("lower bound of %s", f.name()).isEqualTo(lower);
      assertThat(ours.upperBounds().get(f.id())).as("upper bound of %s", f.name()).isEqualTo(upper);
      long nulls = rows.stream().filter(r -> r.get(f.name()) == null).count();
      assertThat(ours.valueCounts().get(f.id())).isEqualTo(rows.size());
      assertThat(ours.nullValueCounts().get(f.id())).as("nulls of %s", f.name()).isEqualTo(nulls);
      if (f.type().typeId() == Type.TypeId.FLOAT || f.type().typeId() == Type.TypeId.DOUBLE) {
        assertThat(ours.nanValueCounts().get(f.id()))
            .as("NaNs of %s", f.name())
            .isEqualTo(nans)
            .isPositive();
      }
      checked++;
    }
    assertThat(checked).isEqualTo(19);
  }
}
