package io.datashard.arrow;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Table;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.util.Text;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scans as Arrow record batches: every type, nulls, batch sizes, field ids, no leaked memory. */
class ArrowBatchesTest {
  @TempDir Path dir;

  private static final Schema SCHEMA =
      Schema.parse(
          "id long not null, ok boolean, n int, f float, d double, "
              + "price decimal(9,2), day date, t time, ts timestamp, tz timestamptz, s string, u uuid, fx fixed[3], "
              + "b binary, emb list<float>, tags map<string, int>, p struct<x: double, label: string>");

  private static Map<String, Object> row(long i) {
    Map<String, Object> r = new HashMap<>();
    r.put("id", i);
    boolean nulls = i % 5 == 4;
    r.put("ok", nulls ? null : i % 2 == 0);
    r.put("n", nulls ? null : (int) i * 3);
    r.put("f", nulls ? null : i + 0.25f);
    r.put("d", nulls ? null : i / 3.0);
    r.put("price", nulls ? null : new BigDecimal(i + ".07"));
    r.put("day", nulls ? null : LocalDate.of(2026, 1, 1).plusDays(i));
    r.put("t", nulls ? null : LocalTime.of(1, 2, 3).plusSeconds(i));
    r.put("ts", nulls ? null : LocalDateTime.of(2026, 1, 1, 0, 0).plusMinutes(i));
    r.put(
        "tz",
        nulls ? null : OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC).plusSeconds(i));
    r.put("s", nulls ? null : "row " + i + " ü");
    r.put("u", nulls ? null : new UUID(i, -i));
    r.put("fx", nulls ? null : ByteBuffer.wrap(new byte[] {(byte) i, 1, 2}));
    r.put("b", nulls ? null : ByteBuffer.wrap(new byte[(int) (i % 4)]));
    List<Float> emb = new ArrayList<>();
    for (int k = 0; k < i % 4; k++) {
      emb.add(k == 1 ? null : k * 0.5f);
    }
    r.put("emb", nulls ? null : emb);
    Map<String, Object> tags = new LinkedHashMap<>();
    for (int k = 0; k < i % 3; k++) {
      tags.put("k" + k, k == 1 ? null : k);
    }
    r.put("tags", nulls ? null : tags);
    Map<String, Object> p = new HashMap<>();
    p.put("x", (double) i);
    p.put("label", i % 3 == 0 ? null : "l" + i);
    r.put("p", nulls ? null : p);
    return r;
  }

  @Test
  void batchesHoldEveryRowAndValueOfTheScan() {
    Table t = DataShard.create(dir, SCHEMA);
    List<Map<String, Object>> input = new ArrayList<>();
    for (long i = 0; i < 250; i++) {
      input.add(row(i));
    }
    t.append(input.subList(0, 100));
    t.append(input.subList(100, 250));
    List<Row> expected = t.scan().toList();
    try (BufferAllocator allocator = new RootAllocator()) {
      List<Integer> sizes = new ArrayList<>();
      int seen = 0;
      try (ArrowBatches batches = ArrowBatches.of(t.scan(), allocator, 64)) {
        while (batches.hasNext()) {
          VectorSchemaRoot root = batches.next();
          sizes.add(root.getRowCount());
          for (int r = 0; r < root.getRowCount(); r++) {
            Row want = expected.get(seen++);
            for (int c = 0; c < root.getFieldVectors().size(); c++) {
              FieldVector v = root.getVector(c);
              assertThat(normalize(v.getObject(r)))
                  .as("row %d column %s", seen - 1, v.getName())
                  .isEqualTo(expectedArrowValue(want.get(c)));
            }
          }
        }
      }
      assertThat(seen).isEqualTo(250);
      assertThat(sizes).allMatch(n -> n <= 64).contains(64);
      assertThat(allocator.getAllocatedMemory()).as("all batch memory freed").isZero();
    }
  }

  @Test
  void fieldIdsAndTypesAreInTheArrowSchema() {
    org.apache.arrow.vector.types.pojo.Schema arrow = ArrowBatches.arrowSchema(SCHEMA);
    assertThat(arrow.getFields()).hasSize(SCHEMA.columns().size());
    for (int i = 0; i < SCHEMA.columns().size(); i++) {
      Field f = arrow.getFields().get(i);
      assertThat(f.getName()).isEqualTo(SCHEMA.columns().get(i).name());
      assertThat(f.getMetadata().get(ArrowBatches.FIELD_ID_KEY))
          .isEqualTo(Integer.toString(SCHEMA.columns().get(i).id()));
      assertThat(f.isNullable()).isEqualTo(SCHEMA.columns().get(i).isOptional());
    }
    assertThat(arrow.findField("emb").getType().toString()).isEqualTo("List");
    assertThat(arrow.findField("tz").getType().toString()).contains("MICROSECOND").contains("UTC");
    assertThat(arrow.findField("price").getType().toString()).contains("Decimal(9, 2");
  }

  @Test
  void projectionAndEmptyTables() {
    Table t = DataShard.create(dir, SCHEMA);
    try (BufferAllocator allocator = new RootAllocator();
        ArrowBatches batches = ArrowBatches.of(t.scan(), allocator, 10)) {
      assertThat(batches.hasNext()).isFalse();
    }
    t.append(List.of(row(1), row(2), row(3)));
    try (BufferAllocator allocator = new RootAllocator();
        ArrowBatches batches = ArrowBatches.of(t.scan().select("s", "id"), allocator, 2)) {
      VectorSchemaRoot root = batches.next();
      assertThat(root.getSchema().getFields())
          .extracting(Field::getName)
          .containsExactly("s", "id");
      assertThat(root.getRowCount()).isEqualTo(2);
      root = batches.next();
      assertThat(root.getRowCount()).isEqualTo(1);
      assertThat(batches.hasNext()).isFalse();
    }
  }

  /** Arrow's getObject values in plain Java form, to compare with what the scan returned. */
  private static Object normalize(Object v) {
    if (v instanceof Text) {
      return v.toString();
    }
    if (v instanceof byte[]) {
      return ByteBuffer.wrap((byte[]) v);
    }
    if (v instanceof List) {
      List<Object> out = new ArrayList<>();
      for (Object o : (List<?>) v) {
        out.add(normalize(o));
      }
      return out;
    }
    if (v instanceof Map) {
      Map<String, Object> out = new LinkedHashMap<>();
      ((Map<?, ?>) v)
          .forEach(
              (k, x) -> {
                if (x != null) {
                  out.put(k.toString(), normalize(x));
                }
              });
      return out;
    }
    return v;
  }

  /** The value a scan value should have in Arrow's getObject form (after {@link #normalize}). */
  private static Object expectedArrowValue(Object v) {
    if (v == null) {
      return null;
    }
    if (v instanceof LocalDate) {
      return (int) ((LocalDate) v).toEpochDay();
    }
    if (v instanceof LocalTime) {
      return ((LocalTime) v).toNanoOfDay() / 1000;
    }
    if (v instanceof LocalDateTime) {
      return v; // Arrow gives LocalDateTime for timestamps without zone
    }
    if (v instanceof OffsetDateTime) {
      return ChronoUnit.MICROS.between(
          OffsetDateTime.of(1970, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC), (OffsetDateTime) v);
    }
    if (v instanceof UUID) {
      UUID u = (UUID) v;
      return ByteBuffer.wrap(
          ByteBuffer.allocate(16)
              .putLong(u.getMostSignificantBits())
              .putLong(u.getLeastSignificantBits())
              .array());
    }
    if (v instanceof List) {
      List<Object> out = new ArrayList<>();
      ((List<?>) v).forEach(o -> out.add(expectedArrowValue(o)));
      return out;
    }
    if (v instanceof Row) {
      Row r = (Row) v;
      Map<String, Object> out = new LinkedHashMap<>();
      for (int i = 0; i < r.size(); i++) {
        if (r.get(i) != null) {
          out.put(r.type().fields().get(i).name(), expectedArrowValue(r.get(i)));
        }
      }
      return out;
    }
    if (v instanceof Map) {
      // Arrow's map getObject is a list of {key, value} entries
      List<Object> out = new ArrayList<>();
      ((Map<?, ?>) v)
          .forEach(
              (k, x) -> {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("key", expectedArrowValue(k));
                if (x != null) {
                  e.put("value", expectedArrowValue(x));
                }
                out.add(e);
              });
      return out;
    }
    return v;
  }

  @SuppressWarnings("unused")
  private static final List<Class<?>> USED =
      Arrays.asList(ListVector.class, MapVector.class, StructVector.class);
}
