package io.datashard.internal;

import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.ValidationException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Infers a schema from the first records appended to a table created without one. Every inferred
 * column is optional. Java types map to their Iceberg types (Integer int, Long long, String string,
 * float[] list&lt;float&gt;, nested maps and records struct ...); when records disagree, integers
 * widen to long and numbers to double; any other disagreement is an error naming the column.
 */
public final class SchemaInference {
  private SchemaInference() {}

  /** The schema of these records, with fresh field ids. */
  public static Schema infer(List<?> records) {
    if (records.isEmpty()) {
      throw new ValidationException(
          "Cannot infer a schema from no records: append at least one record, or "
              + "create the table with a schema");
    }
    Map<String, Type> columns = new LinkedHashMap<>();
    for (Object r : records) {
      if (r == null) {
        throw new ValidationException("Cannot infer a schema: a record is null");
      }
      if (r.getClass().isRecord() && !(r instanceof Row)) {
        merge(columns, fromRecordClass(r.getClass()), "");
      } else {
        merge(columns, fields(r), "");
      }
    }
    Schema.Builder b = Schema.builder();
    for (Map.Entry<String, Type> e : columns.entrySet()) {
      if (e.getValue() == null) {
        throw new ValidationException(
            "Cannot infer the type of column '"
                + e.getKey()
                + "': every value is null. "
                + "Create the table with a schema (for example --schema '"
                + e.getKey()
                + " string'), or include a "
                + "non-null value in the first append.");
      }
      b.optional(e.getKey(), e.getValue());
    }
    return b.build();
  }

  private static Map<String, Type> fields(Object record) {
    Map<String, Object> values = RecordConverter.fieldMap(record);
    Map<String, Type> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : values.entrySet()) {
      out.put(e.getKey(), typeOf(e.getValue(), e.getKey()));
    }
    return out;
  }

  private static void merge(Map<String, Type> into, Map<String, Type> from, String prefix) {
    for (Map.Entry<String, Type> e : from.entrySet()) {
      String name = e.getKey();
      if (!into.containsKey(name)) {
        into.put(name, e.getValue());
      } else {
        into.put(name, unify(into.get(name), e.getValue(), prefix + name));
      }
    }
  }

  private static Type unify(Type a, Type b, String column) {
    if (a == null) {
      return b;
    }
    if (b == null || a.equals(b)) {
      return a;
    }
    Type.TypeId x = a.typeId();
    Type.TypeId y = b.typeId();
    if (isIntegral(x) && isIntegral(y)) {
      return Types.LONG;
    }
    if (isNumeric(x) && isNumeric(y)) {
      return Types.DOUBLE;
    }
    if (x == Type.TypeId.LIST && y == Type.TypeId.LIST) {
      return Types.list(
          unify(a.asList().elementType(), b.asList().elementType(), column + ".element"));
    }
    if (x == Type.TypeId.STRUCT && y == Type.TypeId.STRUCT) {
      Map<String, Type> fields = new LinkedHashMap<>();
      a.asStruct().fields().forEach(f -> fields.put(f.name(), f.type()));
      Map<String, Type> other = new LinkedHashMap<>();
      b.asStruct().fields().forEach(f -> other.put(f.name(), f.type()));
      merge(fields, other, column + ".");
      return struct(fields);
    }
    throw new ValidationException(
        "Cannot infer the type of column '"
            + column
            + "': records give both "
            + a
            + " and "
            + b
            + ". Make the values agree, or create the table with a schema.");
  }

  private static boolean isIntegral(Type.TypeId t) {
    return t == Type.TypeId.INTEGER || t == Type.TypeId.LONG;
  }

  private static boolean isNumeric(Type.TypeId t) {
    return isIntegral(t) || t == Type.TypeId.FLOAT || t == Type.TypeId.DOUBLE;
  }

  private static Type struct(Map<String, Type> fields) {
    List<Types.NestedField> out = new ArrayList<>();
    for (Map.Entry<String, Type> e : fields.entrySet()) {
      if (e.getValue() == null) {
        throw new ValidationException(
            "Cannot infer the type of nested field '"
                + e.getKey()
                + "': every value is null. Create the table with a schema.");
      }
      out.add(Types.NestedField.optional(0, e.getKey(), e.getValue()));
    }
    return Types.struct(out);
  }

  /** The type of one value; null when the value is null (unknown yet). */
  static Type typeOf(Object v, String column) {
    if (v == null) {
      return null;
    }
    if (v instanceof Boolean) {
      return Types.BOOLEAN;
    }
    if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return Types.INT;
    }
    if (v instanceof Long || v instanceof BigInteger) {
      return Types.LONG;
    }
    if (v instanceof Float) {
      return Types.FLOAT;
    }
    if (v instanceof Double) {
      return Types.DOUBLE;
    }
    if (v instanceof BigDecimal) {
      BigDecimal d = (BigDecimal) v;
      int scale = Math.max(0, Math.min(d.scale(), 18));
      return Types.decimal(38, scale);
    }
    if (v instanceof CharSequence || v instanceof Character) {
      return Types.STRING;
    }
    if (v instanceof LocalDate) {
      return Types.DATE;
    }
    if (v instanceof LocalTime) {
      return Types.TIME;
    }
    if (v instanceof LocalDateTime) {
      return Types.TIMESTAMP;
    }
    if (v instanceof OffsetDateTime || v instanceof ZonedDateTime || v instanceof Instant) {
      return Types.TIMESTAMPTZ;
    }
    if (v instanceof UUID) {
      return Types.UUID;
    }
    if (v instanceof byte[] || v instanceof ByteBuffer) {
      return Types.BINARY;
    }
    if (v instanceof float[]) {
      return Types.list(Types.FLOAT);
    }
    if (v instanceof double[]) {
      return Types.list(Types.DOUBLE);
    }
    if (v instanceof int[]) {
      return Types.list(Types.INT);
    }
    if (v instanceof long[]) {
      return Types.list(Types.LONG);
    }
    if (v instanceof Collection || v instanceof Object[]) {
      Collection<?> c = v instanceof Collection ? (Collection<?>) v : List.of((Object[]) v);
      Type elem = null;
      for (Object e : c) {
        elem = unify(elem, typeOf(e, column + ".element"), column + ".element");
      }
      if (elem == null) {
        throw new ValidationException(
            "Cannot infer the element type of list column '"
                + column
                + "': the first records hold only empty lists or nulls. Create the table with a schema.");
      }
      return Types.list(elem);
    }
    if (v instanceof Map || v instanceof Row || v.getClass().isRecord()) {
      Map<String, Type> fields = new LinkedHashMap<>();
      merge(
          fields,
          v.getClass().isRecord() && !(v instanceof Row)
              ? fromRecordClass(v.getClass())
              : fields(v),
          column + ".");
      return struct(fields);
    }
    throw new ValidationException(
        "Cannot infer a column type for '"
            + column
            + "' from a "
            + v.getClass().getName()
            + ": use a Boolean, number, String, java.time value, UUID, byte[], List, "
            + "float[] or Map, or create the table with a schema");
  }

  private static Map<String, Type> fromRecordClass(Class<?> cls) {
    Map<String, Type> out = new LinkedHashMap<>();
    for (RecordComponent c : cls.getRecordComponents()) {
      out.put(
          c.getName(),
          classType(c.getType(), c.getGenericType(), cls.getSimpleName() + "." + c.getName()));
    }
    return out;
  }

  private static Type classType(Class<?> c, java.lang.reflect.Type generic, String where) {
    if (c == boolean.class || c == Boolean.class) {
      return Types.BOOLEAN;
    }
    if (c == int.class
        || c == Integer.class
        || c == short.class
        || c == Short.class
        || c == byte.class
        || c == Byte.class) {
      return Types.INT;
    }
    if (c == long.class || c == Long.class) {
      return Types.LONG;
    }
    if (c == float.class || c == Float.class) {
      return Types.FLOAT;
    }
    if (c == double.class || c == Double.class) {
      return Types.DOUBLE;
    }
    if (c == String.class) {
      return Types.STRING;
    }
    if (c == BigDecimal.class) {
      return Types.decimal(38, 18);
    }
    if (c == LocalDate.class) {
      return Types.DATE;
    }
    if (c == LocalTime.class) {
      return Types.TIME;
    }
    if (c == LocalDateTime.class) {
      return Types.TIMESTAMP;
    }
    if (c == Instant.class || c == OffsetDateTime.class || c == ZonedDateTime.class) {
      return Types.TIMESTAMPTZ;
    }
    if (c == UUID.class) {
      return Types.UUID;
    }
    if (c == byte[].class || c == ByteBuffer.class) {
      return Types.BINARY;
    }
    if (c == float[].class) {
      return Types.list(Types.FLOAT);
    }
    if (c == double[].class) {
      return Types.list(Types.DOUBLE);
    }
    if (c == int[].class) {
      return Types.list(Types.INT);
    }
    if (c == long[].class) {
      return Types.list(Types.LONG);
    }
    if (c.isRecord()) {
      return struct(fromRecordClass(c));
    }
    if (List.class.isAssignableFrom(c) && generic instanceof ParameterizedType) {
      java.lang.reflect.Type arg = ((ParameterizedType) generic).getActualTypeArguments()[0];
      if (arg instanceof Class) {
        return Types.list(classType((Class<?>) arg, arg, where + ".element"));
      }
    }
    if (Map.class.isAssignableFrom(c) && generic instanceof ParameterizedType) {
      java.lang.reflect.Type[] args = ((ParameterizedType) generic).getActualTypeArguments();
      if (args[0] instanceof Class && args[1] instanceof Class) {
        return Types.map(
            classType((Class<?>) args[0], args[0], where + ".key"),
            classType((Class<?>) args[1], args[1], where + ".value"));
      }
    }
    throw new ValidationException(
        "Cannot infer a column type for record component "
            + where
            + " of type "
            + generic.getTypeName()
            + ": create the table with a schema");
  }
}
