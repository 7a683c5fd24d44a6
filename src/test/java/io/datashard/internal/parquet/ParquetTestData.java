package io.datashard.internal.parquet;

import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Types;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Shared test data for the Parquet layer: a schema with every type (nested ones too), rows with
 * nulls, NaN, empty collections and long strings. Free of test-only libraries, so a child JVM with
 * only the runtime classpath can use it.
 */
final class ParquetTestData {
  private ParquetTestData() {}

  static final Types.StructType POINT =
      Types.struct(
          Types.NestedField.optional(40, "x", Types.DOUBLE),
          Types.NestedField.required(41, "y", Types.DOUBLE),
          Types.NestedField.optional(42, "label", Types.STRING));

  static final Types.StructType PERSON =
      Types.struct(
          Types.NestedField.required(50, "name", Types.STRING),
          Types.NestedField.optional(51, "age", Types.INT));

  static final Schema ALL =
      new Schema(
          0,
          List.of(
              Types.NestedField.required(1, "id", Types.LONG),
              Types.NestedField.optional(2, "b", Types.BOOLEAN),
              Types.NestedField.optional(3, "i", Types.INT),
              Types.NestedField.optional(4, "l", Types.LONG),
              Types.NestedField.optional(5, "f", Types.FLOAT),
              Types.NestedField.optional(6, "d", Types.DOUBLE),
              Types.NestedField.optional(7, "dec9", Types.decimal(9, 2)),
              Types.NestedField.optional(8, "dec18", Types.decimal(18, 4)),
              Types.NestedField.optional(9, "dec38", Types.decimal(38, 10)),
              Types.NestedField.optional(10, "dt", Types.DATE),
              Types.NestedField.optional(11, "t", Types.TIME),
              Types.NestedField.optional(12, "ts", Types.TIMESTAMP),
              Types.NestedField.optional(13, "tz", Types.TIMESTAMPTZ),
              Types.NestedField.optional(14, "s", Types.STRING),
              Types.NestedField.optional(15, "u", Types.UUID),
              Types.NestedField.optional(16, "fx", Types.fixed(4)),
              Types.NestedField.optional(17, "bin", Types.BINARY),
              Types.NestedField.optional(18, "emb", Types.list(30, false, Types.FLOAT)),
              Types.NestedField.optional(
                  19, "tags", Types.map(31, Types.STRING, 32, false, Types.INT)),
              Types.NestedField.optional(20, "pos", POINT),
              Types.NestedField.required(21, "req_s", Types.STRING),
              Types.NestedField.optional(22, "people", Types.list(33, true, PERSON)),
              Types.NestedField.optional(
                  23,
                  "series",
                  Types.map(34, Types.STRING, 35, true, Types.list(36, true, Types.LONG))),
              Types.NestedField.optional(24, "fx20", Types.fixed(20))));

  /** Row {@code n}; every 7th row has every optional column null. */
  static Row row(long n) {
    Object[] v = new Object[ALL.columns().size()];
    v[0] = n;
    v[20] = "req-" + n;
    if (n % 7 == 6) {
      return Row.of(ALL.asStruct(), v);
    }
    long sign = n % 2 == 0 ? 1 : -1;
    v[1] = n % 3 == 0;
    v[2] = (int) (sign * n * 1000);
    v[3] = sign * n * 1_000_000_007L;
    v[4] = n == 5 ? Float.NaN : n * 0.5f - 3;
    v[5] = n == 8 ? Double.NaN : n == 9 ? -0.0 : sign * n * 1.25;
    v[6] = new BigDecimal(sign * n * 101 + ".25");
    v[7] = new BigDecimal(sign * n * 1_000_003 + "." + String.format("%04d", n));
    v[8] =
        new BigDecimal(
            (sign < 0 ? "-" : "") + "1234567890123456789012345678." + String.format("%010d", n));
    v[9] = LocalDate.of(1969, 12, 25).plusDays(n * 3);
    v[10] = LocalTime.of(0, 0).plusNanos(n * 3_600_000_001_000L % 86_400_000_000_000L);
    v[11] = LocalDateTime.of(1969, 12, 31, 23, 0).plusSeconds(n * 733).plusNanos(n * 1000);
    v[12] =
        OffsetDateTime.of(2024, 2, 29, 12, 0, 0, 0, ZoneOffset.UTC).plus(n * 17, ChronoUnit.MICROS);
    v[13] = n % 5 == 0 ? "" : "ünïcode-" + "é".repeat((int) n % 20) + "-\uD83D\uDE00-" + n;
    v[14] = new UUID(n * 0x1234_5678_9abcL, -n);
    v[15] = ByteBuffer.wrap(new byte[] {(byte) n, (byte) 0xff, 0, (byte) (200 + n)});
    byte[] bin = new byte[(int) (n % 25)];
    Arrays.fill(bin, (byte) (0xf0 + n % 3));
    v[16] = ByteBuffer.wrap(bin);
    List<Float> emb = new ArrayList<>();
    for (int k = 0; k < n % 4; k++) {
      emb.add(k == 2 ? null : k == 1 ? Float.NaN : n + k * 0.25f);
    }
    v[17] = emb;
    Map<String, Integer> tags = new LinkedHashMap<>();
    for (int k = 0; k < n % 3; k++) {
      tags.put("tag" + k, k == 1 ? null : (int) n * k);
    }
    v[18] = tags;
    v[19] = n % 4 == 3 ? null : Row.of(POINT, n % 2 == 0 ? null : n * 0.1, -n * 2.0, "p" + n);
    v[21] =
        n % 3 == 2
            ? List.of()
            : List.of(Row.of(PERSON, "ann" + n, (int) n), Row.of(PERSON, "bob", null));
    v[22] = Map.of("s" + n, List.of(n, n + 1), "empty", List.of());
    byte[] fx20 = new byte[20];
    Arrays.fill(fx20, (byte) (n % 3 == 0 ? 0xff : n));
    v[23] = ByteBuffer.wrap(fx20);
    return Row.of(ALL.asStruct(), v);
  }

  static List<Row> rows(int count) {
    List<Row> out = new ArrayList<>();
    for (long n = 0; n < count; n++) {
      out.add(row(n));
    }
    return out;
  }
}
