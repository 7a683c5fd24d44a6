package io.datashard.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Iceberg Java test harness works: the sample table is written and read back by Apache Iceberg
 * Java, for every snapshot by id and by time, with the trimmed Hadoop classpath of pom.xml. Also
 * pins down the on-disk layout Iceberg Java produces (file names, location form, no .crc files),
 * which DataShard's reader has to handle.
 */
class IcebergJavaHarnessTest {
  @TempDir Path tmp;

  static List<Map<String, Object>> sorted(List<Map<String, Object>> rows) {
    List<Map<String, Object>> out = new ArrayList<>(rows);
    out.sort(Comparator.comparingLong(m -> (Long) m.get("id")));
    return out;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> castMap(Object o) {
    return (Map<String, Object>) o;
  }

  @Test
  void sampleTableReadsBackForEverySnapshotByIdAndByTime() {
    long skippedBefore = IcebergJava.FastLocalFileSystem.skippedCalls();
    Path dir = IcebergJava.writeSampleTable(tmp.resolve("sample"));
    // each created file/dir would have forked a chmod without the no-op setPermission
    assertThat(IcebergJava.FastLocalFileSystem.skippedCalls() - skippedBefore).isGreaterThan(10);

    List<Long> ids = IcebergJava.snapshotIds(dir);
    List<Long> times = IcebergJava.snapshotTimestamps(dir);
    List<List<Map<String, Object>>> expected = IcebergJava.sampleExpectedRows();
    assertThat(ids).hasSize(IcebergJava.SAMPLE_SNAPSHOTS).doesNotHaveDuplicates();
    assertThat(expected).hasSize(IcebergJava.SAMPLE_SNAPSHOTS);
    assertThat(times).isSorted().doesNotHaveDuplicates();
    assertThat(IcebergJava.currentSnapshotId(dir)).isEqualTo(ids.get(ids.size() - 1));

    List<Integer> sizes = List.of(5, 10, 15);
    for (int i = 0; i < ids.size(); i++) {
      List<Map<String, Object>> want = expected.get(i);
      assertThat(want).hasSize(sizes.get(i));
      assertThat(sorted(IcebergJava.readRows(dir, ids.get(i))))
          .as("snapshot %d by id", i)
          .isEqualTo(want);
      assertThat(sorted(IcebergJava.readRowsAsOf(dir, times.get(i))))
          .as("as of commit %d", i)
          .isEqualTo(want);
      long justBeforeNext = i + 1 < times.size() ? times.get(i + 1) - 1 : times.get(i) + 60_000;
      assertThat(sorted(IcebergJava.readRowsAsOf(dir, justBeforeNext)))
          .as("as of before %d", i + 1)
          .isEqualTo(want);
    }
    assertThat(sorted(IcebergJava.readRows(dir, null)))
        .isEqualTo(expected.get(expected.size() - 1));
    assertThatThrownBy(() -> IcebergJava.readRowsAsOf(dir, times.get(0) - 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void valuesComeBackInDataShardConventions() {
    Path dir = IcebergJava.writeSampleTable(tmp.resolve("sample"));
    List<Map<String, Object>> rows = sorted(IcebergJava.readRows(dir, null));

    Map<String, Object> r0 = rows.get(0);
    assertThat(r0.keySet())
        .containsExactly(
            "id", "b", "i", "f", "d", "dec9", "dec18", "dec38", "dt", "t", "ts", "tz", "s", "u",
            "fx", "bin", "emb", "tags", "pos");
    assertThat(r0.get("id")).isEqualTo(0L);
    assertThat(r0.get("b")).isEqualTo(true);
    assertThat(r0.get("i")).isEqualTo(-20);
    assertThat(r0.get("f")).isEqualTo(0.0f);
    assertThat(r0.get("d")).isEqualTo(0.0);
    assertThat(r0.get("dec9")).isEqualTo(new BigDecimal("-300.00"));
    assertThat(r0.get("dec18")).isEqualTo(new BigDecimal("-0.0005"));
    assertThat(r0.get("dec38")).isEqualTo(new BigDecimal("123456789012345678.9012345678"));
    assertThat(r0.get("dt")).isEqualTo(LocalDate.of(1969, 12, 30));
    assertThat(r0.get("t")).isEqualTo(LocalTime.MIDNIGHT);
    assertThat(r0.get("ts")).isEqualTo(LocalDateTime.of(1969, 12, 31, 23, 59, 59));
    assertThat(r0.get("tz")).isEqualTo(OffsetDateTime.of(2024, 2, 29, 12, 0, 0, 0, ZoneOffset.UTC));
    assertThat(((OffsetDateTime) r0.get("tz")).getOffset()).isEqualTo(ZoneOffset.UTC);
    assertThat(r0.get("s")).isEqualTo("row-0 ü€😀");
    assertThat(r0.get("u")).isEqualTo(new UUID(0x0123_4567_89AB_CDEFL, -1L));
    assertThat(r0.get("fx")).isEqualTo(ByteBuffer.wrap(new byte[] {0, 1, (byte) 0xFF, 0x7F}));
    assertThat(r0.get("bin")).isEqualTo(ByteBuffer.allocate(0));
    assertThat(r0.get("emb")).isEqualTo(List.of(0f, 0.25f));
    assertThat(r0.get("tags")).isEqualTo(Map.of("a", 0, "b0", 0));
    assertThat(r0.get("pos")).isEqualTo(Map.of("x", 0.0, "y", -0.0));

    Map<String, Object> r1 = rows.get(1);
    assertThat((Double) r1.get("d")).isNaN();
    assertThat(r1.get("f")).isEqualTo(Float.NEGATIVE_INFINITY);
    assertThat(r1.get("t")).isEqualTo(LocalTime.of(23, 59, 59, 999_999_000));
    assertThat(r1.get("dec38")).isEqualTo(new BigDecimal("-246913578024691357.8024691356"));
    assertThat(r1.get("emb"))
        .asInstanceOf(InstanceOfAssertFactories.LIST)
        .containsExactly(1f, null, -0.0f);
    assertThat(castMap(r1.get("tags"))).containsEntry("n", null).containsEntry("one", 1).hasSize(2);
    assertThat(r1.get("bin")).isEqualTo(ByteBuffer.wrap(new byte[] {(byte) 0x81}));
    assertThat(rows.get(2).get("emb")).isEqualTo(List.of());
    assertThat(rows.get(2).get("tags")).isEqualTo(Map.of());
    assertThat(castMap(rows.get(3).get("pos"))).containsEntry("x", null).containsEntry("y", -3.0);

    // k % 5 == 4: every optional column null, required ones set
    Map<String, Object> r4 = rows.get(4);
    assertThat(r4.get("id")).isEqualTo(4L);
    assertThat(r4.get("i")).isEqualTo(8);
    assertThat(r4.get("s")).isEqualTo("row-4 ü€😀");
    assertThat(r4.entrySet().stream().filter(e -> e.getValue() != null).map(Map.Entry::getKey))
        .containsExactlyInAnyOrder("id", "i", "s");
  }

  @Test
  void sampleSchemaHasEveryV2PrimitiveAndNestedTypes() {
    Path dir = IcebergJava.writeSampleTable(tmp.resolve("sample"));
    Schema schema = IcebergJava.schema(dir);
    Set<Type.TypeID> seen = EnumSet.noneOf(Type.TypeID.class);
    for (Types.NestedField f : TypeUtil.indexById(schema.asStruct()).values()) {
      seen.add(f.type().typeId());
    }
    // everything but the v3-only types
    Set<Type.TypeID> v2 =
        EnumSet.complementOf(
            EnumSet.of(
                Type.TypeID.TIMESTAMP_NANO,
                Type.TypeID.VARIANT,
                Type.TypeID.UNKNOWN,
                Type.TypeID.GEOMETRY,
                Type.TypeID.GEOGRAPHY));
    assertThat(seen).containsAll(v2);
    assertThat(schema.findType("dec9")).isEqualTo(Types.DecimalType.of(9, 2));
    assertThat(schema.findType("dec18")).isEqualTo(Types.DecimalType.of(18, 4));
    assertThat(schema.findType("dec38")).isEqualTo(Types.DecimalType.of(38, 10));
    assertThat(schema.findType("fx")).isEqualTo(Types.FixedType.ofLength(4));
    assertThat(schema.findType("ts")).isEqualTo(Types.TimestampType.withoutZone());
    assertThat(schema.findType("tz")).isEqualTo(Types.TimestampType.withZone());
    assertThat(schema.findField("id").isRequired()).isTrue();
    assertThat(schema.findField("i").isRequired()).isTrue();
    assertThat(schema.findField("s").isRequired()).isTrue();
    assertThat(schema.findField("pos.y").isRequired()).isTrue();
    assertThat(schema.findField("pos.x").isOptional()).isTrue();
    assertThat(schema.findField("b").isOptional()).isTrue();
    // Iceberg reassigns ids on create: top-level 1..19 in order, then nested ones
    assertThat(schema.findField("id").fieldId()).isEqualTo(1);
    assertThat(schema.findField("pos").fieldId()).isEqualTo(19);
    assertThat(IcebergJava.schemaString(dir)).contains("tags: optional map<string, int>");
    // format-version is a reserved property: it goes to the metadata's format-version, not the
    // properties map (which holds the default write.parquet.compression-codec=zstd of new tables)
    assertThat(IcebergJava.load(dir).properties()).doesNotContainKey("format-version");
    assertThat(((HasTableOperations) IcebergJava.load(dir)).operations().current().formatVersion())
        .isEqualTo(2);
  }

  /** The files Iceberg Java's HadoopTables writes, as DataShard's reader meets them. */
  @Test
  void layoutOfAnIcebergJavaTable() throws IOException {
    Path dir = IcebergJava.writeSampleTable(tmp.resolve("sample")).toAbsolutePath();
    Table table = IcebergJava.load(dir);

    List<String> all;
    try (Stream<Path> s = Files.walk(dir)) {
      all =
          s.filter(Files::isRegularFile)
              .map(p -> dir.relativize(p).toString())
              .sorted()
              .collect(Collectors.toList());
    }
    assertThat(all).noneMatch(n -> n.endsWith(".crc"));
    assertThat(all).noneMatch(n -> n.contains("version-hint.temp"));

    // metadata JSON: create (v1) plus one per append, a plain-text version hint with the number
    assertThat(all)
        .contains(
            "metadata/v1.metadata.json",
            "metadata/v2.metadata.json",
            "metadata/v3.metadata.json",
            "metadata/v4.metadata.json",
            "metadata/version-hint.text");
    assertThat(Files.readString(dir.resolve("metadata/version-hint.text"), StandardCharsets.UTF_8))
        .isEqualTo("4");

    // table, manifest list and manifest locations are recorded as given: a plain absolute path
    assertThat(table.location()).isEqualTo(dir.toString());
    for (Snapshot s : table.snapshots()) {
      assertThat(s.manifestListLocation())
          .matches(
              Pattern.quote(dir + "/metadata/snap-" + s.snapshotId() + "-1-")
                  + "[0-9a-f-]{36}\\.avro");
      for (ManifestFile m : s.allManifests(table.io())) {
        assertThat(m.path())
            .matches(Pattern.quote(dir + "/metadata/") + "[0-9a-f-]{36}-m\\d+\\.avro");
      }
    }
    List<String> dataFiles = new ArrayList<>();
    for (Snapshot s : table.snapshots()) {
      for (DataFile f : s.addedDataFiles(table.io())) {
        dataFiles.add(f.location());
        assertThat(f.recordCount()).isPositive();
        assertThat(f.valueCounts()).isNotEmpty();
        assertThat(f.lowerBounds()).isNotEmpty();
      }
    }
    // but data file paths, taken from Hadoop's qualified output file, are file: URIs
    assertThat(dataFiles)
        .hasSize(4)
        .allMatch(p -> p.startsWith("file:" + dir + "/data/"))
        .allMatch(
            p ->
                p.substring(p.lastIndexOf('/') + 1)
                    .matches("\\d{5}-\\d+-[0-9a-f-]{36}-\\d{5}\\.parquet"));
    assertThat(table.currentSnapshot().addedDataFiles(table.io())).hasSize(1);
    // one new manifest per append (also for the commit that added two data files); a manifest
    // list holds the new manifest and every earlier one (no merging at this size)
    for (Snapshot s : table.snapshots()) {
      assertThat(s.dataManifests(table.io()))
          .hasSize((int) s.sequenceNumber())
          .filteredOn(m -> m.snapshotId() == s.snapshotId())
          .hasSize(1);
    }

    // Parquet data files are compressed as the table property says: ZSTD
    String first = dataFiles.get(0).substring("file:".length());
    try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(Path.of(first)))) {
      assertThat(reader.getFooter().getBlocks().get(0).getColumns())
          .allMatch(c -> c.getCodec() == CompressionCodecName.ZSTD);
    }
  }

  @Test
  void fileUriLocationsAreRecordedAsFileUris() {
    Path dir = IcebergJava.writeSampleTable(tmp.resolve("sample-uri"), true).toAbsolutePath();
    Table table = IcebergJava.load(dir);
    // the table location is kept exactly as given (file:///...), everything else as Hadoop's
    // normalised Path: file:/... (one slash)
    assertThat(table.location()).isEqualTo("file://" + dir);
    assertThat(table.currentSnapshot().manifestListLocation())
        .startsWith("file:" + dir + "/metadata/snap-");
    assertThat(table.currentSnapshot().allManifests(table.io()))
        .allMatch(m -> m.path().startsWith("file:" + dir + "/metadata/"));
    assertThat(table.currentSnapshot().addedDataFiles(table.io()))
        .allMatch(f -> f.location().startsWith("file:" + dir + "/data/"));
    List<Long> ids = IcebergJava.snapshotIds(dir);
    for (int i = 0; i < ids.size(); i++) {
      assertThat(sorted(IcebergJava.readRows(dir, ids.get(i))))
          .isEqualTo(IcebergJava.sampleExpectedRows(i));
    }
  }

  @Test
  void appendWritesRowsGivenInDataShardConventions() {
    Path dir = IcebergJava.writeSampleTable(tmp.resolve("sample"));
    ByteBuffer bin = ByteBuffer.wrap(new byte[] {1, 2, 3});
    Map<String, Object> row = new HashMap<>(IcebergJava.sampleRow(100));
    row.put("bin", bin);
    long id = IcebergJava.append(dir, List.of(row));
    assertThat(bin.remaining()).isEqualTo(3); // the caller's buffer is left alone
    assertThat(IcebergJava.currentSnapshotId(dir)).isEqualTo(id);
    List<Map<String, Object>> rows = sorted(IcebergJava.readRows(dir, null));
    assertThat(rows).hasSize(16);
    assertThat(rows.get(15)).isEqualTo(row);
  }
}
