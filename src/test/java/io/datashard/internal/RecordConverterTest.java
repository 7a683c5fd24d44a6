package io.datashard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Types;
import io.datashard.ValidationException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RecordConverterTest {
  static final Schema ALL =
      Schema.parse(
          "b boolean, i int, l long not null, f float, d double, dec decimal(9,2), "
              + "dt date, t time, ts timestamp, tz timestamptz, s string, u uuid, fx fixed[2], bin binary, "
              + "emb list<float>, tags map<string, int>, pos struct<x: double, y: double>");

  @Test
  void convertsLosslessly() {
    Map<String, Object> m = new HashMap<>();
    m.put("b", true);
    m.put("i", 7L);
    m.put("l", 8);
    m.put("f", 1.5d);
    m.put("d", 2);
    m.put("dec", "12.5");
    m.put("dt", "2024-02-29");
    m.put("t", "10:15:30.123456789");
    m.put("ts", "2024-01-01T00:00:00.5");
    m.put("tz", "2024-01-01T02:00:00+02:00");
    m.put("s", "x");
    m.put("u", "6f1c2a3e-0000-4000-8000-000000000001");
    m.put("fx", new byte[] {1, 2});
    m.put("bin", ByteBuffer.wrap(new byte[] {9}));
    m.put("emb", new float[] {0.1f, 0.2f});
    m.put("tags", Map.of("a", 1L));
    m.put("pos", Map.of("x", 1.0, "y", 2.0));
    Row r = RecordConverter.toRow(ALL.asStruct(), m, 0);
    assertThat(r.get("i")).isEqualTo(7);
    assertThat(r.get("l")).isEqualTo(8L);
    assertThat(r.get("f")).isEqualTo(1.5f);
    assertThat(r.get("d")).isEqualTo(2.0);
    assertThat(r.get("dec")).isEqualTo(new BigDecimal("12.50"));
    assertThat(r.get("dt")).isEqualTo(LocalDate.of(2024, 2, 29));
    assertThat(r.get("t")).isEqualTo(LocalTime.of(10, 15, 30, 123456000));
    assertThat(r.get("ts")).isEqualTo(LocalDateTime.of(2024, 1, 1, 0, 0, 0, 500_000_000));
    assertThat(r.get("tz")).isEqualTo(OffsetDateTime.of(2024, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC));
    assertThat(r.get("u")).isEqualTo(UUID.fromString("6f1c2a3e-0000-4000-8000-000000000001"));
    assertThat(r.get("fx")).isEqualTo(ByteBuffer.wrap(new byte[] {1, 2}));
    assertThat(r.get("emb")).isEqualTo(List.of(0.1f, 0.2f));
    assertThat(r.get("tags")).isEqualTo(Map.of("a", 1));
    assertThat(((Row) r.get("pos")).get("y")).isEqualTo(2.0);
    assertThat(r.get("b")).isEqualTo(true);
  }

  record Event(long l, String s, float[] emb, Instant tz) {}

  @Test
  void acceptsJavaRecords() {
    Row r =
        RecordConverter.toRow(
            ALL.asStruct(), new Event(5, "e", new float[] {1f}, Instant.EPOCH), 0);
    assertThat(r.get("l")).isEqualTo(5L);
    assertThat(r.get("emb")).isEqualTo(List.of(1f));
    assertThat(r.get("tz")).isEqualTo(OffsetDateTime.of(1970, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC));
    assertThat(r.get("b")).isNull();
  }

  @Test
  void errorsNameRecordColumnAndFix() {
    assertThatThrownBy(() -> RecordConverter.toRow(ALL.asStruct(), Map.of("l", "abc"), 4))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("record 4, column 'l'")
        .hasMessageContaining("long")
        .hasMessageContaining("String");
    assertThatThrownBy(() -> RecordConverter.toRow(ALL.asStruct(), Map.of("s", "x"), 0))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("column 'l'")
        .hasMessageContaining("required");
    assertThatThrownBy(() -> RecordConverter.toRow(ALL.asStruct(), Map.of("l", 1, "nope", 2), 0))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("Unknown column 'nope'");
    assertThatThrownBy(
            () -> RecordConverter.toRow(ALL.asStruct(), Map.of("l", 1, "dec", "1.234"), 0))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("rounded");
    assertThatThrownBy(
            () -> RecordConverter.toRow(ALL.asStruct(), Map.of("l", 1, "i", 1L << 40), 0))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("int range");
    assertThatThrownBy(
            () ->
                RecordConverter.toRow(ALL.asStruct(), Map.of("l", 1, "tz", "2024-01-01T00:00"), 0))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("offset");
    assertThatThrownBy(
            () -> RecordConverter.toRow(ALL.asStruct(), Map.of("l", 1, "fx", new byte[3]), 0))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("exactly 2");
    assertThatThrownBy(
            () -> RecordConverter.toRow(ALL.asStruct(), Map.of("l", 1, "pos", Map.of("z", 1)), 0))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("Unknown column 'z'");
  }

  @Test
  void aRowAlreadyInStoredFormIsTakenAsItIsAndOthersAreConvertedOrRefused() {
    Schema s = Schema.parse("l long not null, s string, tz timestamptz, emb list<float>, d double");
    Types.StructType t = s.asStruct();
    OffsetDateTime utc = OffsetDateTime.of(2024, 1, 1, 0, 0, 0, 1000, ZoneOffset.UTC);
    Row stored = Row.of(t, 1L, "a\uD83D\uDE00b", utc, List.of(1f, 2f), null);
    assertThat(RecordConverter.toRow(t, stored, 0)).isSameAs(stored);
    // the same values under another struct with the same names: a new row of the table's struct
    Types.StructType other =
        Schema.parse("l long not null, s string, tz timestamptz, emb list<float>, d double")
            .asStruct();
    assertThat(RecordConverter.toRow(other, stored, 0).type()).isSameAs(other);
    // values that need a conversion, in any column: converted, the others kept
    Row loose =
        Row.of(t, 1, "x", utc.withOffsetSameInstant(ZoneOffset.ofHours(2)), List.of(1.5), 3);
    Row converted = RecordConverter.toRow(t, loose, 0);
    assertThat(converted).isNotSameAs(loose);
    assertThat(converted).isEqualTo(Row.of(t, 1L, "x", utc, List.of(1.5f), 3.0));
    assertThat(
            RecordConverter.toRow(t, Row.of(t, 1L, "x", utc.plusNanos(1), null, null), 0).get("tz"))
        .isEqualTo(utc);
    assertThatThrownBy(
            () -> RecordConverter.toRow(t, Row.of(t, 1L, "bad\uD800", null, null, null), 7))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("record 7, column 's'")
        .hasMessageContaining("surrogate");
    assertThatThrownBy(() -> RecordConverter.toRow(t, Row.of(t, null, "x", null, null, null), 3))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("record 3, column 'l'");
  }

  @Test
  void infersSchemaFromRecords() {
    Schema s =
        SchemaInference.infer(
            List.of(
                Map.of("id", 1L, "name", "a", "emb", List.of(0.5f, 0.25f)),
                Map.of("id", 2, "score", 0.5, "pos", Map.of("x", 1.0))));
    assertThat(s.columnNames()).containsExactlyInAnyOrder("id", "name", "emb", "score", "pos");
    assertThat(s.findField("id").type().toString()).isEqualTo("long");
    assertThat(s.findField("emb").type().toString()).isEqualTo("list<float>");
    assertThat(s.findField("pos.x").type().toString()).isEqualTo("double");
    assertThat(
            SchemaInference.infer(List.of(new Event(1, "x", new float[0], Instant.EPOCH)))
                .columnNames())
        .containsExactly("l", "s", "emb", "tz");
    assertThatThrownBy(() -> SchemaInference.infer(List.of(Map.of("a", 1), Map.of("a", "x"))))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("column 'a'");
    Map<String, Object> onlyNull = new HashMap<>();
    onlyNull.put("a", null);
    assertThatThrownBy(() -> SchemaInference.infer(List.of(onlyNull)))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("every value is null");
  }
}
