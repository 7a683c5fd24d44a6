package io.datashard.formats;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.FileFormat;
import io.datashard.Row;
import io.datashard.Scan;
import io.datashard.ScanReport;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import io.datashard.Types;
import io.datashard.ValidationException;
import io.datashard.internal.parquet.AllTypesRows;
import io.datashard.interop.IcebergJava;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.encryption.EncryptedOutputFile;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.io.OutputFileFactory;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Tables whose data files are Parquet, ORC or Avro: every type round-trips (nulls, NaN, nested
 * lists, maps and structs), the format is chosen per table or per append, manifests carry column
 * statistics for each format, and Apache Iceberg Java reads the same rows.
 */
class FileFormatsTest {
  @TempDir Path tmp;

  static List<Map<String, Object>> maps(List<Row> rows) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Row r : rows) {
      out.add(r.toMap());
    }
    out.sort(Comparator.comparingLong(m -> (Long) m.get("id")));
    return out;
  }

  static List<Map<String, Object>> sorted(List<Map<String, Object>> rows) {
    List<Map<String, Object>> out = new ArrayList<>(rows);
    out.sort(Comparator.comparingLong(m -> (Long) m.get("id")));
    return out;
  }

  private static List<String> dataFiles(Path dir) throws Exception {
    List<String> names = new ArrayList<>();
    try (var s = Files.list(dir.resolve("data"))) {
      s.forEach(p -> names.add(p.getFileName().toString()));
    }
    return names;
  }

  @ParameterizedTest
  @EnumSource(FileFormat.class)
  void everyTypeRoundTripsInTablesOfEachFormatAndIcebergJavaReadsThem(FileFormat format)
      throws Exception {
    Path dir = tmp.resolve("t-" + format);
    Table t =
        DataShard.table(dir)
            .schema(AllTypesRows.SCHEMA)
            .property("write.format.default", format.name().toLowerCase())
            .create();
    List<Row> rows = AllTypesRows.rows(40);
    t.newAppend().addAll(rows).commit();
    t.newAppend().addAll(AllTypesRows.rows(45).subList(40, 45)).commit();

    List<Row> all = AllTypesRows.rows(45);
    List<Row> read = t.scan().toList();
    assertThat(maps(read)).isEqualTo(maps(all));
    assertThat(dataFiles(dir)).hasSize(2).allMatch(n -> n.endsWith("." + format.extension()));
    // projection by name, columns in the asked order
    List<Row> projected = t.scan().select("tags", "id").toList();
    assertThat(projected).hasSize(45);
    assertThat(projected.get(0).type().fields().get(0).name()).isEqualTo("tags");
    for (Row p : projected) {
      Row full = all.get((int) (long) (Long) p.get("id"));
      assertThat(p.get("tags")).isEqualTo(full.get("tags"));
    }
    List<Row> nested = t.scan().select("pos", "people").toList();
    assertThat(nested.stream().map(r -> r.get("pos")).toList())
        .containsExactlyInAnyOrderElementsOf(all.stream().map(r -> r.get("pos")).toList());

    assertThat(sorted(IcebergJava.readRows(dir, null))).isEqualTo(maps(all));
  }

  @ParameterizedTest
  @EnumSource(FileFormat.class)
  void manifestsCarryColumnStatisticsForEachFormat(FileFormat format) throws Exception {
    Path dir = tmp.resolve("s-" + format);
    Table t = DataShard.table(dir).schema(AllTypesRows.SCHEMA).create();
    List<Row> rows = AllTypesRows.rows(30);
    t.newAppend().format(format).addAll(rows).commit();

    org.apache.iceberg.Table ice = IcebergJava.load(dir);
    try (CloseableIterable<FileScanTask> tasks = ice.newScan().includeColumnStats().planFiles()) {
      int files = 0;
      for (FileScanTask task : tasks) {
        files++;
        DataFile f = task.file();
        assertThat(f.format().name()).isEqualTo(format.name());
        assertThat(f.recordCount()).isEqualTo(30);
        assertThat(f.valueCounts()).containsEntry(1, 30L).containsEntry(3, 30L);
        long nullInts = rows.stream().filter(r -> r.get("i") == null).count();
        assertThat(nullInts).isGreaterThan(0);
        assertThat(f.nullValueCounts()).containsEntry(3, nullInts).containsEntry(1, 0L);
        long minId = 0;
        long maxId = 29;
        assertThat(f.lowerBounds().get(1).order(ByteOrder.LITTLE_ENDIAN).getLong(0))
            .isEqualTo(minId);
        assertThat(f.upperBounds().get(1).order(ByteOrder.LITTLE_ENDIAN).getLong(0))
            .isEqualTo(maxId);
        int minI =
            rows.stream()
                .filter(r -> r.get("i") != null)
                .mapToInt(r -> (Integer) r.get("i"))
                .min()
                .getAsInt();
        int maxI =
            rows.stream()
                .filter(r -> r.get("i") != null)
                .mapToInt(r -> (Integer) r.get("i"))
                .max()
                .getAsInt();
        assertThat(f.lowerBounds().get(3).order(ByteOrder.LITTLE_ENDIAN).getInt(0)).isEqualTo(minI);
        assertThat(f.upperBounds().get(3).order(ByteOrder.LITTLE_ENDIAN).getInt(0)).isEqualTo(maxI);
        long nans =
            rows.stream().filter(r -> r.get("f") != null && ((Float) r.get("f")).isNaN()).count();
        assertThat(f.nanValueCounts()).containsEntry(5, nans);
        assertThat(f.lowerBounds()).containsKey(14); // string
      }
      assertThat(files).isEqualTo(1);
    }
  }

  @Test
  void formatIsChosenPerAppendOverTheTableDefault() throws Exception {
    Path dir = tmp.resolve("mixed");
    Table t =
        DataShard.table(dir)
            .schema(AllTypesRows.SCHEMA)
            .property("write.format.default", "avro")
            .create();
    List<Row> rows = AllTypesRows.rows(12);
    Snapshot s1 = t.newAppend().addAll(rows.subList(0, 4)).commit();
    t.newAppend().format(FileFormat.ORC).addAll(rows.subList(4, 8)).commit();
    t.newAppend().format(FileFormat.PARQUET).addAll(rows.subList(8, 12)).commit();

    List<String> names = dataFiles(dir);
    assertThat(names).hasSize(3);
    assertThat(names.stream().map(n -> n.substring(n.lastIndexOf('.') + 1)).sorted())
        .containsExactly("avro", "orc", "parquet");
    assertThat(maps(t.scan().toList())).isEqualTo(maps(rows));
    assertThat(maps(t.scan().useSnapshot(s1.snapshotId()).toList()))
        .isEqualTo(maps(rows.subList(0, 4)));
    assertThat(sorted(IcebergJava.readRows(dir, null))).isEqualTo(maps(rows));
  }

  @Test
  void unknownFormatPropertyIsRefusedClearly() {
    Path dir = tmp.resolve("bad");
    Table t =
        DataShard.table(dir)
            .schema(AllTypesRows.SCHEMA)
            .property("write.format.default", "csv")
            .create();
    Assertions.assertThatThrownBy(() -> t.newAppend().addAll(AllTypesRows.rows(1)).commit())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("write.format.default is 'csv'")
        .hasMessageContaining("parquet, orc or avro");
  }

  @ParameterizedTest
  @EnumSource(FileFormat.class)
  void verifyChecksRecordCountsOfEachFormatAndCompactionKeepsTheTableFormat(FileFormat format)
      throws Exception {
    Path dir = tmp.resolve("v-" + format);
    Table t =
        DataShard.table(dir)
            .schema(AllTypesRows.SCHEMA)
            .property("write.format.default", format.name().toLowerCase())
            .create();
    List<Row> rows = AllTypesRows.rows(10);
    t.newAppend().addAll(rows.subList(0, 5)).commit();
    t.newAppend().addAll(rows.subList(5, 10)).commit();
    assertThat(DataShard.verify(dir, true).errors()).isEmpty();
    assertThat(DataShard.verify(dir, true).checked()).containsEntry("data files", 2L);

    t.maintenance().compact().run();
    List<String> live = new ArrayList<>();
    t.scan().files().forEach(f -> live.add(f.path()));
    assertThat(live).singleElement().asString().endsWith("." + format.extension());
    assertThat(maps(t.scan().toList())).isEqualTo(maps(rows));

    // another file of the same format with fewer rows, put in place of the live one
    Path other = tmp.resolve("other-" + format);
    Table o =
        DataShard.table(other)
            .schema(AllTypesRows.SCHEMA)
            .property("write.format.default", format.name().toLowerCase())
            .create();
    o.newAppend().addAll(rows.subList(0, 3)).commit();
    Files.copy(
        Path.of(o.scan().files().get(0).path()),
        Path.of(live.get(0)),
        StandardCopyOption.REPLACE_EXISTING);
    var report = DataShard.verify(dir, false);
    assertThat(report.errors())
        .anySatisfy(
            p -> {
              assertThat(p.file()).isEqualTo(live.get(0));
              assertThat(p.message()).contains("holds 3 rows", "records 10");
            });
  }

  @Test
  void dataShardReadsAvroAndOrcFilesIcebergJavaWrote() throws Exception {
    Path dir = tmp.resolve("ice-written");
    DataShard.create(dir, AllTypesRows.SCHEMA);
    org.apache.iceberg.Table ice = IcebergJava.load(dir);
    List<Row> rows = AllTypesRows.rows(40);
    AppendFiles append = ice.newAppend();
    int part = 0;
    for (org.apache.iceberg.FileFormat format :
        List.of(org.apache.iceberg.FileFormat.AVRO, org.apache.iceberg.FileFormat.ORC)) {
      EncryptedOutputFile out =
          OutputFileFactory.builderFor(ice, part, 1).format(format).build().newOutputFile();
      FileAppender<org.apache.iceberg.data.Record> appender =
          new GenericAppenderFactory(ice.schema(), ice.spec())
              .newAppender(out.encryptingOutputFile(), format);
      try (FileAppender<org.apache.iceberg.data.Record> a = appender) {
        for (Row r : rows.subList(part * 20, part * 20 + 20)) {
          a.add(
              (org.apache.iceberg.data.Record)
                  IcebergJava.toIceberg(ice.schema().asStruct(), r.toMap()));
        }
      }
      append.appendFile(
          DataFiles.builder(ice.spec())
              .withEncryptedOutputFile(out)
              .withFormat(format)
              .withMetrics(appender.metrics())
              .build());
      part++;
    }
    append.commit();

    Table t = DataShard.open(dir);
    assertThat(t.scan().files().stream().map(f -> f.format()).sorted().toList())
        .containsExactly(FileFormat.ORC, FileFormat.AVRO);
    assertThat(maps(t.scan().toList())).isEqualTo(maps(rows));
    assertThat(DataShard.verify(dir, true).errors()).isEmpty();
  }

  @Test
  void partitionedOrcAndAvroFilesReadUnderAnEvolvedSchema() throws Exception {
    Path dir = tmp.resolve("evolve");
    Table t =
        DataShard.table(dir)
            .schema(Schema.parse("id long not null, tag string, n int, f float"))
            .partitionBy("tag")
            .property("write.format.default", "orc")
            .create();
    List<Map<String, Object>> first = new ArrayList<>();
    for (long i = 0; i < 6; i++) {
      first.add(Map.of("id", i, "tag", i % 2 == 0 ? "a" : "b", "n", (int) i * 10, "f", i + 0.5f));
    }
    t.append(first);
    t.updateSchema()
        .renameColumn("n", "count")
        .widenColumn("count", Types.LONG)
        .widenColumn("f", Types.DOUBLE)
        .addColumn("note", Types.STRING)
        .commit();
    t.newAppend()
        .format(FileFormat.AVRO)
        .add(Map.of("id", 6L, "tag", "a", "count", 60L, "f", 6.5, "note", "new"))
        .commit();

    assertThat(t.scan().files().stream().map(f -> f.format()).sorted().toList())
        .containsExactly(FileFormat.ORC, FileFormat.ORC, FileFormat.AVRO);
    assertThat(t.scan().files())
        .allSatisfy(f -> assertThat(f.partitionValues()).containsKey("tag"));
    List<Map<String, Object>> rows = maps(t.scan().toList());
    assertThat(rows).hasSize(7);
    assertThat(rows.get(3))
        .containsEntry("count", 30L)
        .containsEntry("f", 3.5)
        .containsEntry("note", null)
        .containsEntry("tag", "b");
    assertThat(rows.get(6)).containsEntry("count", 60L).containsEntry("note", "new");
    assertThat(sorted(IcebergJava.readRows(dir, null))).isEqualTo(rows);
  }

  @ParameterizedTest
  @EnumSource(FileFormat.class)
  void filtersPruneFilesByTheStatisticsOfEachFormatAndMatchRowsExactly(FileFormat format)
      throws Exception {
    Path dir = tmp.resolve("f-" + format);
    Table t =
        DataShard.table(dir)
            .schema(AllTypesRows.SCHEMA)
            .property("write.format.default", format.name().toLowerCase())
            .create();
    List<Row> rows = AllTypesRows.rows(40);
    for (int i = 0; i < 4; i++) {
      t.newAppend()
          .addAll(rows.subList(i * 10, i * 10 + 10))
          .commit(); // ids 0-9, 10-19, 20-29, 30-39
    }
    Scan scan = t.scan().filter("id >= 12 and id < 15 and s is not null");
    List<Long> ids = scan.toList().stream().map(r -> (Long) r.get("id")).sorted().toList();
    List<Long> expected =
        rows.stream()
            .filter(r -> (Long) r.get("id") >= 12 && (Long) r.get("id") < 15 && r.get("s") != null)
            .map(r -> (Long) r.get("id"))
            .toList();
    assertThat(ids).isEqualTo(expected).isNotEmpty();
    ScanReport report = t.scan().filter("id >= 12 and id < 15 and s is not null").explain();
    assertThat(report.filesConsidered()).isEqualTo(4);
    assertThat(report.filesRead()).isEqualTo(1);
  }

  static ByteBuffer le(long v) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, v);
  }
}
