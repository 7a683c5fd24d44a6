package io.datashard.internal.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.Schema;
import io.datashard.ValidationException;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;

/** Converting the schema of a Parquet file written elsewhere into an Iceberg schema for import. */
class ParquetFileSchemaTest {
  private static Schema convert(String message) {
    return ParquetFileSchema.convert(MessageTypeParser.parseMessageType(message), "f.parquet");
  }

  @Test
  void keepsFileIdsAndGivesFreshIdsAboveThemToFieldsWithout() {
    Schema s =
        convert(
            "message m { required int64 a = 7; optional binary b (STRING); "
                + "optional group c (MAP) { repeated group key_value { required binary key (STRING); "
                + "optional int32 value (DATE); } } }");
    assertThat(s.findField("a").id()).isEqualTo(7);
    assertThat(s.findField("b").id()).isGreaterThan(7);
    assertThat(s.findField("c").type().toString()).isEqualTo("map<string, date>");
    assertThat(s.asStruct().toString()).contains("a", "b", "c");
  }

  @Test
  void convertsPrimitivesListsAndStructs() {
    Schema s =
        convert(
            "message m { optional boolean a; optional int32 b (INTEGER(16,false)); "
                + "optional float c; optional fixed_len_byte_array(16) d (UUID); optional fixed_len_byte_array(3) e; "
                + "optional binary f; optional int64 g (TIMESTAMP(MILLIS,false)); optional int64 h (DECIMAL(12,2)); "
                + "optional int96 i; optional group j (LIST) { repeated int32 array; } "
                + "optional group k { required double x; optional binary y (ENUM); } }");
    assertThat(s.columns())
        .extracting(f -> f.type().toString())
        .containsExactly(
            "boolean",
            "int",
            "float",
            "uuid",
            "fixed[3]",
            "binary",
            "timestamp",
            "decimal(12,2)",
            "timestamptz",
            "list<int>",
            "struct<x: double not null, y: string>");
    assertThat(s.columns().get(10).type().asStruct().fields())
        .extracting(f -> f.type().toString())
        .containsExactly("double", "string");
  }

  @Test
  void refusesTypesIcebergCannotHoldNamingTheColumn() {
    assertThatThrownBy(
            () ->
                convert("message m { optional group s { optional int64 u (INTEGER(64,false)); } }"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("Column 's.u' of Parquet file f.parquet");
  }
}
