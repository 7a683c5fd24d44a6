package io.datashard.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Table;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DataShard reads a table that Apache Iceberg Java wrote (through HadoopTables), with time travel.
 */
class ReadIcebergWrittenTableTest {
  static final Schema SCHEMA =
      new Schema(
          Types.NestedField.required(1, "id", Types.LongType.get()),
          Types.NestedField.optional(2, "b", Types.BooleanType.get()),
          Types.NestedField.optional(3, "i", Types.IntegerType.get()),
          Types.NestedField.optional(4, "f", Types.FloatType.get()),
          Types.NestedField.optional(5, "d", Types.DoubleType.get()),
          Types.NestedField.optional(6, "dec", Types.DecimalType.of(38, 6)),
          Types.NestedField.optional(7, "dt", Types.DateType.get()),
          Types.NestedField.optional(8, "t", Types.TimeType.get()),
          Types.NestedField.optional(9, "ts", Types.TimestampType.withoutZone()),
          Types.NestedField.optional(10, "tz", Types.TimestampType.withZone()),
          Types.NestedField.optional(11, "s", Types.StringType.get()),
          Types.NestedField.optional(12, "u", Types.UUIDType.get()),
          Types.NestedField.optional(13, "fx", Types.FixedType.ofLength(3)),
          Types.NestedField.optional(14, "bin", Types.BinaryType.get()),
          Types.NestedField.optional(
              15, "emb", Types.ListType.ofOptional(18, Types.FloatType.get())),
          Types.NestedField.optional(
              16,
              "tags",
              Types.MapType.ofOptional(19, 20, Types.StringType.get(), Types.IntegerType.get())),
          Types.NestedField.optional(
              17,
              "pos",
              Types.StructType.of(
                  Types.NestedField.optional(21, "x", Types.DoubleType.get()),
                  Types.NestedField.required(22, "y", Types.DoubleType.get()))));

  @TempDir Path tmp;

  static Record record(long id) {
    GenericRecord r = GenericRecord.create(SCHEMA);
    r.setField("id", id);
    if (id % 4 == 3) {
      return r;
    }
    r.setField("b", id % 2 == 0);
    r.setField("i", (int) id);
    r.setField("f", id / 2f);
    r.setField("d", id / 4.0);
    r.setField("dec", new BigDecimal("12345678901234567890." + String.format("%06d", id)));
    r.setField("dt", LocalDate.of(2020, 2, 29).plusDays(id));
    r.setField("t", LocalTime.of(23, 59, 59, 999_999_000));
    r.setField("ts", LocalDateTime.of(1969, 12, 31, 23, 59, 59).plusSeconds(id));
    r.setField(
        "tz", OffsetDateTime.of(2030, 6, 1, 0, 0, 0, 0, ZoneOffset.UTC).plusNanos(id * 1000));
    r.setField("s", "ü-" + id);
    r.setField("u", UUID.nameUUIDFromBytes(new byte[] {(byte) id}));
    r.setField("fx", new byte[] {(byte) id, 1, 2});
    r.setField("bin", ByteBuffer.wrap(new byte[] {9, (byte) id}));
    r.setField("emb", List.of(1f, 2f * id));
    r.setField("tags", Map.of("k" + id, (int) id));
    GenericRecord pos = GenericRecord.create(SCHEMA.findType("pos").asStructType());
    pos.setField("x", (double) id);
    pos.setField("y", -1.0);
    r.setField("pos", pos);
    return r;
  }

  static DataFile write(org.apache.iceberg.Table table, List<Record> records) throws IOException {
    OutputFile out =
        table
            .io()
            .newOutputFile(
                table.locationProvider().newDataLocation(UUID.randomUUID() + ".parquet"));
    FileAppender<Record> appender =
        new GenericAppenderFactory(SCHEMA).newAppender(out, FileFormat.PARQUET);
    try (FileAppender<Record> a = appender) {
      a.addAll(records);
    }
    return DataFiles.builder(PartitionSpec.unpartitioned())
        .withInputFile(out.toInputFile())
        .withMetrics(appender.metrics())
        .withFormat(FileFormat.PARQUET)
        .build();
  }

  static List<Map<String, Object>> sorted(List<Map<String, Object>> rows) {
    List<Map<String, Object>> out = new ArrayList<>(rows);
    out.sort(Comparator.comparingLong(m -> (Long) m.get("id")));
    return out;
  }

  @Test
  void dataShardReadsEverySnapshotOfAnIcebergJavaTable() throws Exception {
    Path dir = tmp.resolve("ice");
    org.apache.iceberg.Table ice =
        IcebergJava.tables()
            .create(
                SCHEMA,
                PartitionSpec.unpartitioned(),
                Map.of("format-version", "2"),
                dir.toString());
    List<Long> ids = new ArrayList<>();
    List<Long> times = new ArrayList<>();
    long next = 0;
    for (int c = 0; c < 3; c++) {
      List<Record> batch = new ArrayList<>();
      for (int k = 0; k < 4; k++) {
        batch.add(record(next++));
      }
      ice.newAppend().appendFile(write(ice, batch)).commit();
      ids.add(ice.currentSnapshot().snapshotId());
      Thread.sleep(3);
      times.add(System.currentTimeMillis());
      Thread.sleep(3);
    }
    assertThat(Files.exists(dir.resolve("metadata/version-hint.text"))).isTrue();

    Table table = DataShard.open(dir);
    assertThat(table.snapshots()).extracting(s -> s.snapshotId()).containsExactlyElementsOf(ids);
    assertThat(table.currentSnapshot().orElseThrow().snapshotId()).isEqualTo(ids.get(2));
    assertThat(table.schema().findField("tags").type().toString()).isEqualTo("map<string, int>");
    for (int c = 0; c < 3; c++) {
      List<Map<String, Object>> expected = sorted(IcebergJava.rows(ice, ids.get(c)));
      assertThat(expected).hasSize(4 * (c + 1));
      assertThat(sorted(toMaps(table.scan().useSnapshot(ids.get(c)).toList()))).isEqualTo(expected);
      assertThat(sorted(toMaps(table.scan().asOfMillis(times.get(c)).toList())))
          .isEqualTo(expected);
      assertThat(table.scan().useSnapshot(ids.get(c)).count()).isEqualTo(4L * (c + 1));
    }
    Map<String, Object> r1 = sorted(toMaps(table.scan().toList())).get(1);
    assertThat(r1.get("dec")).isEqualTo(new BigDecimal("12345678901234567890.000001"));
    assertThat(r1.get("ts")).isEqualTo(LocalDateTime.of(1970, 1, 1, 0, 0, 0));
    assertThat(r1.get("fx")).isEqualTo(ByteBuffer.wrap(new byte[] {1, 1, 2}));

    // DataShard can append to the Iceberg-written table, and Iceberg Java still reads it all
    table.append(List.of(Map.of("id", 100L, "s", "from datashard")));
    ice.refresh();
    List<Map<String, Object>> all = sorted(IcebergJava.rows(ice, null));
    assertThat(all).hasSize(13);
    assertThat(all.get(12).get("s")).isEqualTo("from datashard");
    assertThat(sorted(toMaps(table.scan().toList()))).isEqualTo(all);
  }

  static List<Map<String, Object>> toMaps(List<Row> rows) {
    List<Map<String, Object>> out = new ArrayList<>();
    rows.forEach(r -> out.add(r.toMap()));
    return out;
  }
}
