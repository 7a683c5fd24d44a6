package io.datashard.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import io.datashard.Type;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Apache Iceberg Java reads what DataShard writes: rows, schema, snapshots, time travel. */
class IcebergInteropTest {
  static final Schema ALL_TYPES =
      Schema.parse(
          "id long not null, b boolean, i int, f float, d double, "
              + "dec9 decimal(9,2), dec18 decimal(18,4), dec38 decimal(38,10), dt date, t time, ts timestamp, "
              + "tz timestamptz, s string, u uuid, fx fixed[4], bin binary, emb list<float>, "
              + "tags map<string, int>, pos struct<x: double, y: double not null>");

  @TempDir Path tmp;

  static Map<String, Object> record(long id) {
    Map<String, Object> m = new HashMap<>();
    m.put("id", id);
    if (id % 5 == 4) {
      return m; // every optional column null
    }
    m.put("b", id % 2 == 0);
    m.put("i", (int) id * 3);
    m.put("f", id + 0.5f);
    m.put("d", id * 1.25);
    m.put("dec9", new BigDecimal(id + ".25"));
    m.put("dec18", new BigDecimal("-" + id + ".1234"));
    m.put("dec38", new BigDecimal("1234567890123456789012345678." + id));
    m.put("dt", LocalDate.of(2024, 1, 1).plusDays(id));
    m.put("t", LocalTime.of(10, 0).plusNanos(id * 1000));
    m.put("ts", LocalDateTime.of(2024, 1, 1, 12, 0).plusSeconds(id));
    m.put("tz", OffsetDateTime.of(2024, 1, 1, 12, 0, 0, 0, ZoneOffset.UTC).plusSeconds(id));
    m.put("s", "row-" + id + "-é");
    m.put("u", new UUID(id, id * 7));
    m.put("fx", new byte[] {1, 2, 3, (byte) id});
    m.put("bin", new byte[] {(byte) id, 0, (byte) 255});
    m.put("emb", List.of(0.1f * id, 0.2f, Float.NaN));
    m.put("tags", Map.of("a", (int) id, "b", 2));
    m.put("pos", Map.of("x", 1.5 * id, "y", -2.0));
    return m;
  }

  static List<Map<String, Object>> ours(List<Row> rows) {
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

  @Test
  void icebergJavaReadsEveryTypeSnapshotAndTimeTravelOfADataShardTable() throws Exception {
    Path dir = tmp.resolve("t");
    Table table = DataShard.create(dir, ALL_TYPES);
    List<Snapshot> snapshots = new ArrayList<>();
    List<Long> times = new ArrayList<>();
    long id = 0;
    for (int commit = 0; commit < 3; commit++) {
      List<Map<String, Object>> batch = new ArrayList<>();
      for (int k = 0; k < 5; k++) {
        batch.add(record(id++));
      }
      snapshots.add(table.append(batch));
      Thread.sleep(3);
      times.add(System.currentTimeMillis());
      Thread.sleep(3);
    }

    org.apache.iceberg.Table ice = IcebergJava.load(dir);
    assertThat(ice.currentSnapshot().snapshotId()).isEqualTo(snapshots.get(2).snapshotId());
    List<Long> iceIds = new ArrayList<>();
    ice.snapshots().forEach(s -> iceIds.add(s.snapshotId()));
    assertThat(iceIds)
        .containsExactly(snapshots.stream().map(Snapshot::snapshotId).toArray(Long[]::new));
    assertThat(ice.currentSnapshot().parentId()).isEqualTo(snapshots.get(1).snapshotId());
    assertThat(ice.currentSnapshot().sequenceNumber()).isEqualTo(3);

    // schema: same names, ids, types, requiredness
    Types.StructType iceStruct = ice.schema().asStruct();
    assertThat(iceStruct.fields()).hasSize(ALL_TYPES.columns().size());
    for (io.datashard.Types.NestedField f : ALL_TYPES.columns()) {
      Types.NestedField g = iceStruct.field(f.id());
      assertThat(g.name()).isEqualTo(f.name());
      assertThat(g.isRequired()).isEqualTo(f.isRequired());
      assertThat(g.type().toString().replace(" ", ""))
          .isEqualTo(icebergName(f.type()).replace(" ", ""));
    }

    for (int i = 0; i < 3; i++) {
      long sid = snapshots.get(i).snapshotId();
      List<Map<String, Object>> mine = ours(table.scan().useSnapshot(sid).toList());
      assertThat(mine).hasSize(5 * (i + 1));
      assertThat(sorted(IcebergJava.rows(ice, sid))).isEqualTo(mine);
      assertThat(sorted(IcebergJava.rowsAsOf(ice, times.get(i)))).isEqualTo(mine);
      assertThat(ours(table.scan().asOfMillis(times.get(i)).toList())).isEqualTo(mine);
    }
    // a value read back equals the value written (not just "both sides agree")
    Map<String, Object> first = ours(table.scan().toList()).get(1);
    assertThat(first.get("dec38"))
        .isEqualTo(new BigDecimal("1234567890123456789012345678.1000000000"));
    assertThat(first.get("fx")).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2, 3, 1}));
    assertThat(first.get("u")).isEqualTo(new UUID(1, 7));
    assertThat(((List<?>) first.get("emb")).get(2)).isEqualTo(Float.NaN);
    assertThat(first.get("pos")).isEqualTo(new LinkedHashMap<>(Map.of("x", 1.5, "y", -2.0)));

    // Iceberg Java sees the same file-level statistics DataShard recorded
    long files = 0;
    try (CloseableIterable<FileScanTask> tasks = ice.newScan().includeColumnStats().planFiles()) {
      for (FileScanTask task : tasks) {
        files++;
        assertThat(task.file().recordCount()).isEqualTo(5);
        assertThat(task.file().valueCounts().get(1)).isEqualTo(5L);
        assertThat(task.file().lowerBounds()).containsKey(1);
        assertThat(task.deletes()).isEmpty();
      }
    }
    assertThat(files).isEqualTo(3);
    // and Iceberg's own filter pruning, driven by our bounds, keeps exactly the file holding id 7
    try (CloseableIterable<FileScanTask> tasks =
        ice.newScan().filter(Expressions.equal("id", 7L)).planFiles()) {
      assertThat(tasks).hasSize(1);
    }
  }

  static String icebergName(Type t) {
    switch (t.typeId()) {
      case LIST:
        return "list<" + icebergName(t.asList().elementType()) + ">";
      case MAP:
        return "map<"
            + icebergName(t.asMap().keyType())
            + ", "
            + icebergName(t.asMap().valueType())
            + ">";
      case STRUCT:
        {
          List<String> parts = new ArrayList<>();
          for (io.datashard.Types.NestedField f : t.asStruct().fields()) {
            parts.add(
                f.id()
                    + ": "
                    + f.name()
                    + ": "
                    + (f.isRequired() ? "required " : "optional ")
                    + icebergName(f.type()));
          }
          return "struct<" + String.join(", ", parts) + ">";
        }
      case INTEGER:
        return "int";
      default:
        return t.toString();
    }
  }

  @Test
  void icebergJavaReadsATableWhoseSchemaWasInferred() {
    Path dir = tmp.resolve("inferred");
    Table table = DataShard.create(dir);
    table.append(List.of(Map.of("id", 1L, "emb", new float[] {0.5f, 1.5f}, "tag", "x")));
    table.append(List.of(Map.of("id", 2L, "emb", new float[] {2.5f}, "tag", "y")));
    org.apache.iceberg.Table ice = IcebergJava.load(dir);
    assertThat(ice.schema().findField("emb").type().toString()).isEqualTo("list<float>");
    assertThat(sorted(IcebergJava.rows(ice, null))).isEqualTo(ours(table.scan().toList()));
  }
}
