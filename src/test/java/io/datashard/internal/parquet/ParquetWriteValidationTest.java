package io.datashard.internal.parquet;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Types;
import io.datashard.ValidationException;
import io.datashard.storage.LocalStorage;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values the schema forbids are rejected with a message naming the column, and no file is
 * published.
 */
class ParquetWriteValidationTest {
  @TempDir Path dir;

  private final LocalStorage storage = new LocalStorage(false);

  private void assertRejected(Schema schema, Row row, String... messageParts) {
    Path file = dir.resolve("bad-" + System.nanoTime() + ".parquet");
    assertThatThrownBy(
            () ->
                ParquetFiles.write(
                    storage,
                    file.toString(),
                    schema,
                    List.of(row).iterator(),
                    CompressionCodecName.ZSTD))
        .isInstanceOf(ValidationException.class)
        .hasMessageContainingAll(messageParts);
    Assertions.assertThat(Files.exists(file)).as("no file is published").isFalse();
  }

  @Test
  void nullInARequiredColumnOrNestedField() {
    Schema s =
        new Schema(
            0,
            List.of(
                Types.NestedField.required(1, "id", Types.LONG),
                Types.NestedField.optional(
                    2, "pos", Types.struct(Types.NestedField.required(3, "y", Types.DOUBLE)))));
    assertRejected(s, Row.of(s.asStruct(), null, null), "'id'", "required");
    assertRejected(
        s,
        Row.of(s.asStruct(), 1L, Row.of(s.columns().get(1).type().asStruct(), (Object) null)),
        "'pos.y'",
        "required");
  }

  @Test
  void nullElementOfAListWithRequiredElements() {
    Schema s =
        new Schema(
            0, List.of(Types.NestedField.optional(1, "emb", Types.list(2, true, Types.FLOAT))));
    assertRejected(s, Row.of(s.asStruct(), Arrays.asList(1f, null)), "'emb'", "element");
  }

  @Test
  void nullMapKeyOrRequiredMapValue() {
    Schema s =
        new Schema(
            0,
            List.of(
                Types.NestedField.optional(
                    1, "m", Types.map(2, Types.STRING, 3, true, Types.INT))));
    Map<String, Integer> nullKey = new HashMap<>();
    nullKey.put(null, 1);
    assertRejected(s, Row.of(s.asStruct(), nullKey), "'m'", "key");
    Map<String, Integer> nullValue = new HashMap<>();
    nullValue.put("a", null);
    assertRejected(s, Row.of(s.asStruct(), nullValue), "'m'", "value");
  }

  @Test
  void decimalsThatDoNotFitTheColumn() {
    Schema s = new Schema(0, List.of(Types.NestedField.optional(1, "price", Types.decimal(9, 2))));
    assertRejected(s, Row.of(s.asStruct(), new BigDecimal("1.234")), "'price'", "decimal(9,2)");
    assertRejected(
        s, Row.of(s.asStruct(), new BigDecimal("12345678.5")), "'price'", "decimal(9,2)");
  }
}
