package io.datashard.formats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.DataFile;
import io.datashard.DataShard;
import io.datashard.FileFormat;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import io.datashard.ValidationException;
import io.datashard.internal.parquet.AllTypesRows;
import io.datashard.interop.IcebergJava;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Data files written elsewhere are added to a table by {@code appendFile}: after the commit the
 * table (and Apache Iceberg Java) reads their rows, and the manifest carries the metrics read from
 * them; files outside the allowed locations are refused unless their directory is listed.
 */
class RegisterDataFilesTest {
  @TempDir Path tmp;

  /** Writes rows in {@code format} through a scratch table and returns that data file's path. */
  private Path writeElsewhere(FileFormat format, List<Row> rows) {
    Table scratch =
        DataShard.create(tmp.resolve("scratch-" + System.nanoTime()), AllTypesRows.SCHEMA);
    scratch.newAppend().format(format).addAll(rows).commit();
    return Path.of(scratch.scan().files().get(0).path());
  }

  private static DataFile describe(Path file, FileFormat format, long records) throws Exception {
    return DataFile.builder()
        .path(file.toString())
        .format(format)
        .recordCount(records)
        .fileSizeInBytes(Files.size(file))
        .build();
  }

  @ParameterizedTest
  @EnumSource(FileFormat.class)
  void aFileCopiedIntoTheTableIsAddedWithItsMetricsAndReadByBoth(FileFormat format)
      throws Exception {
    Path dir = tmp.resolve("t-" + format);
    Table t = DataShard.create(dir, AllTypesRows.SCHEMA);
    List<Row> all = AllTypesRows.rows(30);
    t.newAppend().addAll(all.subList(0, 10)).commit();
    Path source = writeElsewhere(format, all.subList(10, 30));
    Path inTable = dir.resolve("imported").resolve("batch." + format.extension());
    Files.createDirectories(inTable.getParent());
    Files.copy(source, inTable);

    Snapshot s = t.newAppend().appendFile(describe(inTable, format, 20)).commit();

    assertThat(s.summary())
        .containsEntry("added-data-files", "1")
        .containsEntry("added-records", "20");
    assertThat(FileFormatsTest.maps(t.scan().toList())).isEqualTo(FileFormatsTest.maps(all));
    DataFile added =
        t.scan().files().stream()
            .filter(f -> f.path().equals(inTable.toString()))
            .findFirst()
            .orElseThrow();
    assertThat(added.format()).isEqualTo(format);
    assertThat(added.recordCount()).isEqualTo(20);
    assertThat(added.valueCounts()).containsEntry(1, 20L);
    long nullInts = all.subList(10, 30).stream().filter(r -> r.get("i") == null).count();
    assertThat(added.nullValueCounts()).containsEntry(3, nullInts);
    assertThat(added.lowerBounds().get(1).order(ByteOrder.LITTLE_ENDIAN).getLong(0)).isEqualTo(10L);
    assertThat(added.upperBounds().get(1).order(ByteOrder.LITTLE_ENDIAN).getLong(0)).isEqualTo(29L);
    if (format == FileFormat.PARQUET) {
      assertThat(added.columnSizes()).containsKey(1);
    }
    assertThat(FileFormatsTest.sorted(IcebergJava.readRows(dir, null)))
        .isEqualTo(FileFormatsTest.maps(all));
  }

  @Test
  void recordsAndAFileCommitTogetherInOneSnapshot() throws Exception {
    Path dir = tmp.resolve("both");
    Table t = DataShard.create(dir, AllTypesRows.SCHEMA);
    List<Row> all = AllTypesRows.rows(8);
    Path inTable = dir.resolve("data").resolve("ext.avro");
    Files.createDirectories(inTable.getParent());
    Files.copy(writeElsewhere(FileFormat.AVRO, all.subList(4, 8)), inTable);
    t.newAppend()
        .addAll(all.subList(0, 4))
        .appendFile(describe(inTable, FileFormat.AVRO, 4))
        .commit();
    assertThat(t.snapshots()).hasSize(1);
    assertThat(t.scan().files()).hasSize(2);
    assertThat(FileFormatsTest.maps(t.scan().toList())).isEqualTo(FileFormatsTest.maps(all));
  }

  @Test
  void aFileOutsideTheTableNeedsItsDirectoryListedAsAnAllowedRoot() throws Exception {
    Path ext = tmp.resolve("landing");
    Files.createDirectories(ext);
    Path file = ext.resolve("f.parquet");
    Files.copy(writeElsewhere(FileFormat.PARQUET, AllTypesRows.rows(3)), file);
    DataFile df = describe(file, FileFormat.PARQUET, 3);

    Table closed = DataShard.create(tmp.resolve("closed"), AllTypesRows.SCHEMA);
    assertThatThrownBy(() -> closed.newAppend().appendFile(df).commit())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("outside the table's allowed locations")
        .hasMessageContaining("datashard.data-files.allowed-roots");
    assertThat(closed.snapshots()).isEmpty();

    Table open =
        DataShard.table(tmp.resolve("open"))
            .schema(AllTypesRows.SCHEMA)
            .property("datashard.data-files.allowed-roots", "/nonexistent/x, " + ext)
            .create();
    open.newAppend().appendFile(df).commit();
    assertThat(open.scan().count()).isEqualTo(3);
    assertThat(FileFormatsTest.maps(open.scan().toList()))
        .isEqualTo(FileFormatsTest.maps(AllTypesRows.rows(3)));
    assertThat(FileFormatsTest.sorted(IcebergJava.readRows(tmp.resolve("open"), null)))
        .isEqualTo(FileFormatsTest.maps(AllTypesRows.rows(3)));
  }

  @Test
  void aFileIcebergJavaWroteIsAdded() throws Exception {
    Path dir = tmp.resolve("ice");
    Table t = DataShard.create(dir, Schema.parse("id long not null, name string"));
    t.append(List.of(Map.of("id", 1L, "name", "ours")));
    org.apache.iceberg.DataFile theirs =
        IcebergJava.writeDataFile(
            IcebergJava.load(dir), List.of(Map.of("id", 2L, "name", "theirs"), Map.of("id", 3L)));
    Path file = Path.of(theirs.location().replaceFirst("^file:", ""));
    t.newAppend().appendFile(describe(file, FileFormat.PARQUET, 2)).commit();
    List<Object> names = new ArrayList<>();
    t.scan().toList().forEach(r -> names.add(r.get("name")));
    assertThat(names).containsExactlyInAnyOrder("ours", "theirs", null);
  }

  @Test
  void aFileWithoutFieldIdsIsMatchedByNameAndOtherReadersGetANameMapping() throws Exception {
    Path dir = tmp.resolve("names");
    Table t = DataShard.create(dir, Schema.parse("id long not null, name string, score double"));
    Path file = dir.resolve("data").resolve("plain.avro");
    Files.createDirectories(file.getParent());
    org.apache.avro.Schema avro =
        new org.apache.avro.Schema.Parser()
            .parse(
                "{\"type\": \"record\", \"name\": \"r\","
                    + " \"fields\": [{\"name\": \"name\", \"type\": [\"null\", \"string\"]}, {\"name\": \"id\", \"type\": \"long\"},"
                    + " {\"name\": \"extra\", \"type\": \"int\"}]}");
    try (DataFileWriter<Object> w = new DataFileWriter<>(new GenericDatumWriter<>(avro))) {
      w.create(avro, file.toFile());
      for (long i = 0; i < 3; i++) {
        GenericData.Record r = new GenericData.Record(avro);
        r.put(0, i == 1 ? null : "n" + i);
        r.put(1, i);
        r.put(2, 7);
        w.append(r);
      }
    }
    t.newAppend().appendFile(describe(file, FileFormat.AVRO, 3)).commit();
    List<Map<String, Object>> rows = FileFormatsTest.maps(t.scan().toList());
    assertThat(rows).hasSize(3);
    assertThat(rows.get(0))
        .containsEntry("id", 0L)
        .containsEntry("name", "n0")
        .containsEntry("score", null);
    assertThat(rows.get(1)).containsEntry("name", null);
    assertThat(t.refresh().properties()).containsKey("schema.name-mapping.default");
    assertThat(FileFormatsTest.sorted(IcebergJava.readRows(dir, null))).isEqualTo(rows);
  }
}
