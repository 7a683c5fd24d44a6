package io.datashard.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.DataShard;
import io.datashard.DataShardException;
import io.datashard.Row;
import io.datashard.Scan;
import io.datashard.VerifyReport;
import io.datashard.testkit.ChildJvm;
import io.datashard.testkit.StreamCount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.deletes.EqualityDeleteWriter;
import org.apache.iceberg.deletes.PositionDelete;
import org.apache.iceberg.deletes.PositionDeleteWriter;
import org.apache.iceberg.encryption.EncryptedOutputFile;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * DataShard reads tables whose row-level deletes Apache Iceberg Java wrote (position and equality
 * delete files, in each file format, partitioned and not, with schema and partition evolution): at
 * every snapshot it returns the rows Iceberg Java returns, counts them alike, filters them alike,
 * and {@code verify} finds the tables healthy.
 */
class ReadIcebergDeletesTest {
  static final Schema SCHEMA =
      new Schema(
          Types.NestedField.required(1, "id", Types.LongType.get()),
          Types.NestedField.optional(2, "name", Types.StringType.get()),
          Types.NestedField.optional(3, "cat", Types.StringType.get()));

  @TempDir Path tmp;

  private static final AtomicLong COUNTER = new AtomicLong();

  static Record record(Schema schema, long id) {
    GenericRecord r = GenericRecord.create(schema);
    r.setField("id", id);
    r.setField(schema.findField("name") != null ? "name" : "label", "n" + id);
    if (schema.findField("cat") != null) {
      r.setField("cat", id % 5 == 4 ? null : "c" + (id % 3));
    }
    return r;
  }

  private static EncryptedOutputFile newFile(Table table, FileFormat format) {
    return OutputFileFactory.builderFor(table, 1, COUNTER.incrementAndGet())
        .format(format)
        .build()
        .newOutputFile();
  }

  /** Writes the records as data files, one per partition, in {@code format}. */
  static List<DataFile> writeData(Table table, List<Record> records, FileFormat format) {
    Map<StructLike, List<Record>> byPartition = partitioned(table, records);
    List<DataFile> out = new ArrayList<>();
    for (Map.Entry<StructLike, List<Record>> e : byPartition.entrySet()) {
      EncryptedOutputFile file = newFile(table, format);
      FileAppender<Record> appender =
          new GenericAppenderFactory(table.schema(), table.spec())
              .newAppender(file.encryptingOutputFile(), format);
      try (FileAppender<Record> a = appender) {
        a.addAll(e.getValue());
      } catch (IOException x) {
        throw new UncheckedIOException(x);
      }
      DataFiles.Builder b =
          DataFiles.builder(table.spec())
              .withEncryptedOutputFile(file)
              .withFormat(format)
              .withMetrics(appender.metrics())
              .withSplitOffsets(appender.splitOffsets());
      if (table.spec().isPartitioned()) {
        b.withPartition(e.getKey());
      }
      out.add(b.build());
    }
    return out;
  }

  private static Map<StructLike, List<Record>> partitioned(Table table, List<Record> records) {
    Map<StructLike, List<Record>> out = new java.util.LinkedHashMap<>();
    Map<List<Object>, StructLike> keys = new HashMap<>();
    for (Record r : records) {
      PartitionKey key = new PartitionKey(table.spec(), table.schema());
      key.partition(r);
      List<Object> values = new ArrayList<>();
      for (int i = 0; i < key.size(); i++) {
        values.add(key.get(i, Object.class));
      }
      StructLike k = keys.computeIfAbsent(values, v -> key);
      out.computeIfAbsent(k, x -> new ArrayList<>()).add(r);
    }
    return out;
  }

  /** A position delete file for the given (file, position) pairs, sorted as the spec asks. */
  static DeleteFile positionDeletes(
      Table table, FileFormat format, StructLike partition, List<Map.Entry<String, Long>> deletes) {
    GenericAppenderFactory factory =
        new GenericAppenderFactory(table.schema(), table.spec(), null, null, null);
    PositionDeleteWriter<Record> writer =
        factory.newPosDeleteWriter(newFile(table, format), format, partition);
    List<Map.Entry<String, Long>> sorted = new ArrayList<>(deletes);
    sorted.sort(
        Map.Entry.<String, Long>comparingByKey().thenComparing(Map.Entry.comparingByValue()));
    try (PositionDeleteWriter<Record> w = writer) {
      PositionDelete<Record> d = PositionDelete.create();
      for (Map.Entry<String, Long> e : sorted) {
        w.write(d.set(e.getKey(), e.getValue(), null));
      }
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
    return writer.toDeleteFile();
  }

  /** An equality delete file on {@code columns}, one delete row per key record. */
  static DeleteFile equalityDeletes(
      Table table,
      PartitionSpec spec,
      FileFormat format,
      StructLike partition,
      List<String> columns,
      List<Record> keys) {
    Schema deleteSchema = table.schema().select(columns);
    int[] ids = columns.stream().mapToInt(c -> table.schema().findField(c).fieldId()).toArray();
    GenericAppenderFactory factory =
        new GenericAppenderFactory(table.schema(), spec, ids, deleteSchema, null);
    EqualityDeleteWriter<Record> writer =
        factory.newEqDeleteWriter(newFile(table, format), format, partition);
    try (EqualityDeleteWriter<Record> w = writer) {
      for (Record k : keys) {
        w.write(k);
      }
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
    return writer.toDeleteFile();
  }

  static Record key(Schema schema, List<String> columns, Object... values) {
    GenericRecord r = GenericRecord.create(schema.select(columns));
    for (int i = 0; i < columns.size(); i++) {
      r.setField(columns.get(i), values[i]);
    }
    return r;
  }

  static List<Record> range(Schema schema, long from, long to) {
    List<Record> out = new ArrayList<>();
    for (long i = from; i < to; i++) {
      out.add(record(schema, i));
    }
    return out;
  }

  private Table create(String name, PartitionSpec spec, FileFormat format) {
    Map<String, String> props = new HashMap<>();
    props.put(TableProperties.FORMAT_VERSION, "2");
    props.put(TableProperties.DEFAULT_FILE_FORMAT, format.name().toLowerCase());
    return IcebergJava.tables().create(SCHEMA, spec, props, tmp.resolve(name).toString());
  }

  // ---------------------------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(
      value = FileFormat.class,
      names = {"PARQUET", "AVRO", "ORC"})
  void unpartitionedPositionAndEqualityDeletesWithSchemaEvolution(FileFormat format) {
    flatTable(format, "flat-" + format, null);
  }

  /**
   * The same table read holding at most 2 equality-delete keys in memory: every data file's matches
   * are found in passes over its delete columns, with the same rows as a result.
   */
  @ParameterizedTest
  @EnumSource(
      value = FileFormat.class,
      names = {"PARQUET", "ORC"})
  void equalityDeletesWithMoreKeysThanAReaderHoldsAreAppliedInPasses(FileFormat format) {
    flatTable(format, "bounded-" + format, 2L);
  }

  /**
   * 300,000 equality-delete keys against 500,000 rows, read in a 24 MB heap: held whole, the keys
   * alone would not fit; with {@code datashard.read.delete-keys-max} at 20,000 the reader holds a
   * chunk of keys and a bitmap of the data file's positions, and gets the same count.
   */
  @Test
  void manyEqualityDeleteKeysAreReadInABoundedHeap() throws Exception {
    Table t = create("big-eq", PartitionSpec.unpartitioned(), FileFormat.PARQUET);
    t.newAppend()
        .appendFile(writeData(t, range(t.schema(), 0, 500_000), FileFormat.PARQUET).get(0))
        .commit();
    List<Record> keys = new ArrayList<>();
    for (long id = 0; id < 375_000; id++) {
      if (id % 5 != 0) {
        keys.add(key(t.schema(), List.of("id"), id));
      }
    }
    t.newRowDelta()
        .addDeletes(equalityDeletes(t, t.spec(), FileFormat.PARQUET, null, List.of("id"), keys))
        .commit();
    Path dir = tmp.resolve("big-eq");
    DataShard.open(dir)
        .updateProperties()
        .set(io.datashard.TableProperties.DELETE_KEYS_MAX, "20000")
        // no automatic compaction after this commit: it would fold the deletes in
        .set(io.datashard.TableProperties.COMPACTION_AUTO_ENABLED, "false")
        .commit();
    Path out = tmp.resolve("count.txt");
    Process p =
        new ProcessBuilder(
                ChildJvm.javaBinary(),
                "-Xmx24m",
                "-cp",
                System.getProperty("java.class.path"),
                StreamCount.class.getName(),
                dir.toString())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    assertThat(p.waitFor(3, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
    String printed = Files.readString(out);
    assertThat(p.exitValue()).as(printed).isZero();
    assertThat(printed.lines().reduce((a, b) -> b).orElse("")).isEqualTo("200000 200000");
  }

  private void flatTable(FileFormat format, String name, Long keysMax) {
    Table t = create(name, PartitionSpec.unpartitioned(), format);
    List<DataFile> a = writeData(t, range(t.schema(), 0, 100), format);
    List<DataFile> b = writeData(t, range(t.schema(), 100, 200), format);
    t.newAppend().appendFile(a.get(0)).appendFile(b.get(0)).commit();
    String pa = a.get(0).location();
    String pb = b.get(0).location();
    t.newRowDelta()
        .addDeletes(
            positionDeletes(
                t,
                format,
                null,
                List.of(
                    Map.entry(pa, 3L),
                    Map.entry(pa, 7L),
                    Map.entry(pa, 50L),
                    Map.entry(pb, 0L),
                    Map.entry(pb, 99L))))
        .commit();
    t.newRowDelta()
        .addDeletes(
            equalityDeletes(
                t,
                t.spec(),
                format,
                null,
                List.of("id"),
                List.of(
                    key(t.schema(), List.of("id"), 10L),
                    key(t.schema(), List.of("id"), 120L),
                    key(t.schema(), List.of("id"), 150L))))
        .commit();
    // a row with id 10 added after the equality delete: the delete does not apply to it
    t.newAppend().appendFile(writeData(t, List.of(record(t.schema(), 10)), format).get(0)).commit();
    // null matches null: every older row with no category goes
    t.newRowDelta()
        .addDeletes(
            equalityDeletes(
                t,
                t.spec(),
                format,
                null,
                List.of("cat"),
                List.of(key(t.schema(), List.of("cat"), (Object) null))))
        .commit();
    // a two-column delete, then the schema evolves: a rename, an added column, and the dropped
    // delete column still applies
    t.newRowDelta()
        .addDeletes(
            equalityDeletes(
                t,
                t.spec(),
                format,
                null,
                List.of("name", "cat"),
                List.of(
                    key(t.schema(), List.of("name", "cat"), "n11", "c2"),
                    key(t.schema(), List.of("name", "cat"), "n12", "c2"))))
        .commit();
    t.updateSchema()
        .renameColumn("name", "label")
        .addColumn("extra", Types.IntegerType.get())
        .commit();
    t.newRowDelta()
        .addDeletes(
            equalityDeletes(
                t,
                t.spec(),
                format,
                null,
                List.of("cat"),
                List.of(key(t.schema(), List.of("cat"), "c1"))))
        .commit();
    Path dir = tmp.resolve(name);
    if (keysMax != null) {
      DataShard.open(dir)
          .updateProperties()
          .set(io.datashard.TableProperties.DELETE_KEYS_MAX, Long.toString(keysMax))
          .set(io.datashard.TableProperties.COMPACTION_AUTO_ENABLED, "false")
          .commit();
    }
    assertSameAsIceberg(dir, t);

    // Dropping a delete column: the spec says its deletes still apply. Iceberg Java 1.10 fails on
    // such a table (a null field in its delete index), so the expectation is the rows before the
    // drop without the column, plus the rows added after it.
    List<Map<String, Object>> before = IcebergJava.rows(t, t.currentSnapshot().snapshotId());
    t.updateSchema().deleteColumn("cat").commit();
    t.newAppend().appendFile(writeData(t, range(t.schema(), 300, 305), format).get(0)).commit();
    List<Map<String, Object>> expected = new ArrayList<>();
    for (Map<String, Object> r : before) {
      Map<String, Object> m = new java.util.LinkedHashMap<>(r);
      m.remove("cat");
      expected.add(m);
    }
    for (long id = 300; id < 305; id++) {
      Map<String, Object> m = new java.util.LinkedHashMap<>();
      m.put("id", id);
      m.put("label", "n" + id);
      m.put("extra", null);
      expected.add(m);
    }
    var ds = DataShard.open(dir);
    assertThat(sorted(ds.scan().toList().stream().map(Row::toMap).toList()))
        .isEqualTo(sorted(expected));
    assertThat(ds.scan().count()).isEqualTo(expected.size());
    assertThat(before).hasSizeLessThan(200); // the deletes took rows away
  }

  @ParameterizedTest
  @EnumSource(
      value = FileFormat.class,
      names = {"PARQUET", "AVRO"})
  void partitionedDeletesApplyWithinTheirPartitionAndGlobalOnesEverywhere(FileFormat format) {
    PartitionSpec byCat = PartitionSpec.builderFor(SCHEMA).identity("cat").build();
    Table t = create("part-" + format, byCat, format);
    List<DataFile> files = writeData(t, range(t.schema(), 0, 300), format);
    org.apache.iceberg.AppendFiles append = t.newAppend();
    files.forEach(append::appendFile);
    append.commit();
    // in each partition, delete the rows at positions 0 and 2 of its file
    org.apache.iceberg.RowDelta delta = t.newRowDelta();
    for (DataFile f : files) {
      delta.addDeletes(
          positionDeletes(
              t,
              format,
              f.partition(),
              List.of(Map.entry(f.location(), 0L), Map.entry(f.location(), 2L))));
    }
    delta.commit();
    // a partition-scoped equality delete: name n1 is in partition c1, so only there does it apply;
    // in partition c0 it matches nothing even though a row there is named n3
    DataFile c1 =
        files.stream()
            .filter(f -> "c1".equals(f.partition().get(0, String.class)))
            .findFirst()
            .orElseThrow();
    t.newRowDelta()
        .addDeletes(
            equalityDeletes(
                t,
                t.spec(),
                format,
                c1.partition(),
                List.of("name"),
                List.of(
                    key(t.schema(), List.of("name"), "n1"),
                    key(t.schema(), List.of("name"), "n3"))))
        .commit();
    // partition evolution to unpartitioned; an equality delete written under it is global
    t.updateSpec().removeField("cat").commit();
    t.newRowDelta()
        .addDeletes(
            equalityDeletes(
                t,
                t.spec(),
                format,
                null,
                List.of("name"),
                List.of(
                    key(t.schema(), List.of("name"), "n30"),
                    key(t.schema(), List.of("name"), "n31"),
                    key(t.schema(), List.of("name"), "n34"))))
        .commit();
    t.newAppend().appendFile(writeData(t, range(t.schema(), 400, 410), format).get(0)).commit();

    Path dir = tmp.resolve("part-" + format);
    assertSameAsIceberg(dir, t);

    // maintenance keeps the delete files the retained snapshots need, and frees the others
    List<Map<String, Object>> current = IcebergJava.rows(t, null);
    var ds = DataShard.open(dir);
    ds.maintenance()
        .removeOrphanFiles()
        .olderThan(java.time.Duration.ZERO)
        .noCommitsInFlight()
        .run();
    ds.maintenance().expireSnapshots().retainLast(1).olderThan(java.time.Instant.now()).run();
    ds.maintenance()
        .removeOrphanFiles()
        .olderThan(java.time.Duration.ZERO)
        .noCommitsInFlight()
        .run();
    t.refresh();
    assertThat(sorted(IcebergJava.rows(t, null))).isEqualTo(sorted(current));
    assertThat(sorted(DataShard.open(dir).scan().toList().stream().map(Row::toMap).toList()))
        .isEqualTo(sorted(current));
    assertThat(DataShard.verify(dir, true).isClean()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(
      value = FileFormat.class,
      names = {"PARQUET"})
  void aBrokenDeleteFileIsAClearErrorAndOtherSnapshotsStayReadable(FileFormat format)
      throws IOException {
    Table t = create("broken", PartitionSpec.unpartitioned(), format);
    DataFile a = writeData(t, range(t.schema(), 0, 50), format).get(0);
    t.newAppend().appendFile(a).commit();
    long before = t.currentSnapshot().snapshotId();
    DeleteFile pos = positionDeletes(t, format, null, List.of(Map.entry(a.location(), 1L)));
    t.newRowDelta().addDeletes(pos).commit();
    Path dir = tmp.resolve("broken");
    Path deleteFile = Path.of(java.net.URI.create(pos.location()).getPath());

    // truncated
    byte[] bytes = Files.readAllBytes(deleteFile);
    Files.write(deleteFile, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    var table = DataShard.open(dir);
    assertThatThrownBy(() -> table.scan().toList())
        .isInstanceOf(DataShardException.class)
        .hasMessageContaining(pos.location())
        .hasMessageContaining("delete file");
    assertThat(table.scan().useSnapshot(before).count()).isEqualTo(50);

    // missing
    Files.delete(deleteFile);
    assertThatThrownBy(() -> DataShard.open(dir).scan().count())
        .isInstanceOf(DataShardException.class)
        .hasMessageContaining(pos.location());
    assertThat(DataShard.open(dir).scan().useSnapshot(before).toList()).hasSize(50);
    VerifyReport report = DataShard.verify(dir, false);
    assertThat(report.isClean()).isFalse();
    assertThat(report.errors().toString()).contains(deleteFile.getFileName().toString());
  }

  @ParameterizedTest
  @EnumSource(
      value = FileFormat.class,
      names = {"PARQUET"})
  void aFilteredScanSkipsEqualityDeletesWhoseValuesCannotMatch(FileFormat format)
      throws IOException {
    Table t = create("pruned", PartitionSpec.unpartitioned(), format);
    t.newAppend().appendFile(writeData(t, range(t.schema(), 0, 100), format).get(0)).commit();
    DeleteFile eq =
        equalityDeletes(
            t,
            t.spec(),
            format,
            null,
            List.of("id"),
            List.of(key(t.schema(), List.of("id"), 5L), key(t.schema(), List.of("id"), 7L)));
    t.newRowDelta().addDeletes(eq).commit();
    Path dir = tmp.resolve("pruned");
    var ds = DataShard.open(dir);
    assertThat(ds.scan().filter("id < 10").count()).isEqualTo(8);
    // Damage the delete file: a scan that needs it fails clearly; one whose filter its statistics
    // (ids 5 to 7) rule out never opens it.
    Path file = Path.of(java.net.URI.create(eq.location()).getPath());
    Files.write(file, new byte[] {1, 2, 3});
    var again = DataShard.open(dir);
    assertThat(again.scan().filter("id > 50").count()).isEqualTo(49);
    assertThat(again.scan().filter("id > 50").toList()).hasSize(49);
    assertThatThrownBy(() -> again.scan().filter("id < 10").toList())
        .isInstanceOf(DataShardException.class)
        .hasMessageContaining(eq.location());
  }

  @ParameterizedTest
  @EnumSource(
      value = FileFormat.class,
      names = {"PARQUET"})
  void aDeleteFileOfADataFileRemovedElsewhereIsAWarningAndDeletesNothing(FileFormat format) {
    Table t = create("dangling", PartitionSpec.unpartitioned(), format);
    DataFile a = writeData(t, range(t.schema(), 0, 20), format).get(0);
    DataFile b = writeData(t, range(t.schema(), 20, 40), format).get(0);
    t.newAppend().appendFile(a).appendFile(b).commit();
    t.newRowDelta()
        .addDeletes(positionDeletes(t, format, null, List.of(Map.entry(a.location(), 0L))))
        .commit();
    // Iceberg Java drops the data file and leaves its position delete file in the table
    t.newDelete().deleteFile(a).commit();
    Path dir = tmp.resolve("dangling");
    var ds = DataShard.open(dir);
    assertThat(ds.scan().count()).isEqualTo(20);
    assertThat(sorted(ds.scan().toList().stream().map(Row::toMap).toList()))
        .isEqualTo(sorted(IcebergJava.rows(t, null)));
    VerifyReport report = DataShard.verify(dir, true);
    assertThat(report.isClean()).as(report.toString()).isTrue();
    assertThat(report.count(VerifyReport.Kind.DANGLING_DELETES)).isEqualTo(1);
    assertThat(report.warnings().toString()).contains(a.location());
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * At every snapshot: the same rows as Iceberg Java (plain, parallel and filtered), the same
   * count, and a healthy table for {@code verify}.
   */
  static void assertSameAsIceberg(Path dir, Table t) {
    t.refresh();
    var ds = DataShard.open(dir);
    List<Snapshot> snapshots = new ArrayList<>();
    t.snapshots().forEach(snapshots::add);
    assertThat(snapshots).hasSizeGreaterThan(3);
    boolean sawDeletes = false;
    for (Snapshot s : snapshots) {
      List<Map<String, Object>> expected = IcebergJava.rows(t, s.snapshotId());
      Scan scan = ds.scan().useSnapshot(s.snapshotId());
      assertThat(sorted(scan.toList().stream().map(Row::toMap).toList()))
          .as("rows of snapshot %d", s.snapshotId())
          .isEqualTo(sorted(expected));
      assertThat(
              sorted(
                  ds.scan().useSnapshot(s.snapshotId()).parallelism(3).toList().stream()
                      .map(Row::toMap)
                      .toList()))
          .as("parallel rows of snapshot %d", s.snapshotId())
          .isEqualTo(sorted(expected));
      assertThat(ds.scan().useSnapshot(s.snapshotId()).count()).isEqualTo(expected.size());
      List<Map<String, Object>> filteredExpected =
          collect(
              IcebergGenerics.read(t)
                  .useSnapshot(s.snapshotId())
                  .where(Expressions.lessThan("id", 120L))
                  .build(),
              r -> (Long) r.getField("id") < 120);
      assertThat(
              sorted(
                  ds.scan().useSnapshot(s.snapshotId()).filter("id < 120").toList().stream()
                      .map(Row::toMap)
                      .toList()))
          .as("filtered rows of snapshot %d", s.snapshotId())
          .isEqualTo(sorted(filteredExpected));
      assertThat(ds.scan().useSnapshot(s.snapshotId()).filter("id < 120").count())
          .isEqualTo(filteredExpected.size());
      sawDeletes |= s.deleteManifests(t.io()).size() > 0;
    }
    assertThat(sawDeletes).isTrue();
    VerifyReport report = DataShard.verify(dir, true);
    assertThat(report.isClean()).as(report.toString()).isTrue();
    assertThat(report.checked().get("delete files")).isPositive();
  }

  private static List<Map<String, Object>> collect(
      CloseableIterable<Record> records, Function<Record, Boolean> keep) {
    List<Map<String, Object>> out = new ArrayList<>();
    try (CloseableIterable<Record> it = records) {
      for (Record r : it) {
        // Iceberg's generic reader filters by statistics, not row by row: test the rows here
        if (keep.apply(r)) {
          out.add(IcebergJava.toMap(r));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static List<Map<String, Object>> sorted(List<Map<String, Object>> rows) {
    List<Map<String, Object>> out = new ArrayList<>(rows);
    out.sort(Comparator.comparing(r -> (Long) r.get("id")));
    return out;
  }
}
