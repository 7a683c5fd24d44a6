package io.datashard.internal.parquet;

import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Type;
import io.datashard.Types;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;

/**
 * DataShard schemas and rows as Apache Iceberg Java's schemas, generic records and internal value
 * representations, to check our results with Iceberg's own code.
 */
final class IcebergConversions {
  private IcebergConversions() {}

  static org.apache.iceberg.Schema iceberg(Schema schema) {
    List<org.apache.iceberg.types.Types.NestedField> fields = new ArrayList<>();
    for (Types.NestedField f : schema.columns()) {
      fields.add(iceberg(f));
    }
    return new org.apache.iceberg.Schema(fields);
  }

  static org.apache.iceberg.types.Types.NestedField iceberg(Types.NestedField f) {
    return f.isRequired()
        ? org.apache.iceberg.types.Types.NestedField.required(f.id(), f.name(), iceberg(f.type()))
        : org.apache.iceberg.types.Types.NestedField.optional(f.id(), f.name(), iceberg(f.type()));
  }

  static org.apache.iceberg.types.Type iceberg(Type t) {
    switch (t.typeId()) {
      case STRUCT:
        {
          List<org.apache.iceberg.types.Types.NestedField> fields = new ArrayList<>();
          t.asStruct().fields().forEach(f -> fields.add(iceberg(f)));
          return org.apache.iceberg.types.Types.StructType.of(fields);
        }
      case LIST:
        {
          Types.ListType l = t.asList();
          return l.isElementRequired()
              ? org.apache.iceberg.types.Types.ListType.ofRequired(
                  l.elementId(), iceberg(l.elementType()))
              : org.apache.iceberg.types.Types.ListType.ofOptional(
                  l.elementId(), iceberg(l.elementType()));
        }
      case MAP:
        {
          Types.MapType m = t.asMap();
          return m.isValueRequired()
              ? org.apache.iceberg.types.Types.MapType.ofRequired(
                  m.keyId(), m.valueId(), iceberg(m.keyType()), iceberg(m.valueType()))
              : org.apache.iceberg.types.Types.MapType.ofOptional(
                  m.keyId(), m.valueId(), iceberg(m.keyType()), iceberg(m.valueType()));
        }
      case INTEGER:
        return org.apache.iceberg.types.Types.IntegerType.get();
      default:
        return org.apache.iceberg.types.Types.fromPrimitiveString(t.toString());
    }
  }

  /**
   * A row as an Iceberg generic record (fixed as byte[], the rest as Iceberg's generics expect).
   */
  static Record record(org.apache.iceberg.types.Types.StructType struct, Row row) {
    GenericRecord r = GenericRecord.create(struct);
    for (int i = 0; i < row.size(); i++) {
      r.set(i, generic(struct.fields().get(i).type(), row.get(i)));
    }
    return r;
  }

  private static Object generic(org.apache.iceberg.types.Type type, Object v) {
    if (v == null) {
      return null;
    }
    switch (type.typeId()) {
      case STRUCT:
        return record(type.asStructType(), (Row) v);
      case LIST:
        {
          List<Object> out = new ArrayList<>();
          for (Object e : (List<?>) v) {
            out.add(generic(type.asListType().elementType(), e));
          }
          return out;
        }
      case MAP:
        {
          Map<Object, Object> out = new LinkedHashMap<>();
          ((Map<?, ?>) v)
              .forEach(
                  (k, x) ->
                      out.put(
                          generic(type.asMapType().keyType(), k),
                          generic(type.asMapType().valueType(), x)));
          return out;
        }
      case FIXED:
        {
          ByteBuffer b = ((ByteBuffer) v).duplicate();
          byte[] bytes = new byte[b.remaining()];
          b.get(bytes);
          return bytes;
        }
      default:
        return v;
    }
  }

  /**
   * Our Java value in Iceberg's internal representation (for its comparators and serialization).
   */
  static Object internal(Type type, Object v) {
    switch (type.typeId()) {
      case DATE:
        return (int) ((LocalDate) v).toEpochDay();
      case TIME:
        return ((LocalTime) v).toNanoOfDay() / 1000;
      case TIMESTAMP:
        return ChronoUnit.MICROS.between(LocalDateTime.of(1970, 1, 1, 0, 0), (LocalDateTime) v);
      case TIMESTAMPTZ:
        return ChronoUnit.MICROS.between(
            OffsetDateTime.of(1970, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC), (OffsetDateTime) v);
      default:
        return v;
    }
  }
}
