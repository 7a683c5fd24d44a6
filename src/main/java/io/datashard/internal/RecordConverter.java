package io.datashard.internal;

import io.datashard.Row;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.ValidationException;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Converts user records (maps, Java records, rows) into {@link Row}s of a table's struct type,
 * checking every value against its column type and converting where no information is lost (an
 * Integer into a long column, an ISO-8601 string into a timestamp, a float[] into
 * list&lt;float&gt;). Errors name the record, the column, the expected type and the value.
 */
public final class RecordConverter {
  private RecordConverter() {}

  /** Converts one record; {@code index} numbers it in errors (0-based). */
  public static Row toRow(Types.StructType struct, Object record, long index) {
    if (record == null) {
      throw new ValidationException(
          "Record " + index + " is null: pass a Map, a Java record or a Row");
    }
    return struct(struct, record, new Path(index));
  }

  private static final class Path {
    final long record;
    final String column;

    Path(long record) {
      this(record, "");
    }

    private Path(long record, String column) {
      this.record = record;
      this.column = column;
    }

    Path child(String name) {
      return new Path(record, column.isEmpty() ? name : column + "." + name);
    }

    String where() {
      return "record " + record + (column.isEmpty() ? "" : ", column '" + column + "'");
    }
  }

  private static Row struct(Types.StructType struct, Object value, Path path) {
    if (value instanceof Row && sameNames(((Row) value).type(), struct)) {
      return positional(struct, (Row) value, path);
    }
    if (value instanceof Map) {
      Row r = fromMap(struct, (Map<?, ?>) value, path);
      if (r != null) {
        return r;
      }
    }
    Map<String, Object> map = asFieldMap(value, path);
    Object[] out = new Object[struct.fields().size()];
    int used = 0;
    for (int i = 0; i < out.length; i++) {
      Types.NestedField f = struct.fields().get(i);
      Path child = path.child(f.name());
      Object v = map.get(f.name());
      if (v != null || map.containsKey(f.name())) {
        used++;
      }
      if (v == null) {
        if (f.isRequired()) {
          throw missing(child, map.containsKey(f.name()));
        }
        continue;
      }
      out[i] = value(f.type(), v, child);
    }
    if (used < map.size()) {
      for (String key : map.keySet()) {
        if (struct.field(key) == null) {
          throw new ValidationException(
              "Unknown column '"
                  + key
                  + "' in "
                  + path.where()
                  + ": the table has "
                  + "columns "
                  + names(struct)
                  + ". Remove the field or rename it to an existing column.");
        }
      }
    }
    return Rows.wrap(struct, out);
  }

  /** A required column with no value: null ({@code present}) or absent from the record. */
  private static ValidationException missing(Path child, boolean present) {
    return new ValidationException(
        "Missing value in "
            + child.where()
            + ": the column is required (not null) "
            + "but the value is "
            + (present ? "null" : "absent")
            + ". Give a value, or make the column optional.");
  }

  /**
   * True if both structs have the same field names in the same order (values then match by
   * position).
   */
  private static boolean sameNames(Types.StructType a, Types.StructType b) {
    if (a == b) {
      return true;
    }
    if (a.fields().size() != b.fields().size()) {
      return false;
    }
    for (int i = 0; i < a.fields().size(); i++) {
      if (!a.fields().get(i).name().equals(b.fields().get(i).name())) {
        return false;
      }
    }
    return true;
  }

  /**
   * A row whose fields are the struct's, by position: each value checked and converted. A row of
   * this very struct type whose values are all in their stored form already is returned as it is.
   */
  private static Row positional(Types.StructType struct, Row row, Path path) {
    List<Types.NestedField> fields = struct.fields();
    int n = fields.size();
    Object[] out = null;
    for (int i = 0; i < n; i++) {
      Types.NestedField f = fields.get(i);
      Object v = row.get(i);
      Object c;
      if (v == null) {
        if (f.isRequired()) {
          throw missing(path.child(f.name()), true);
        }
        c = null;
      } else {
        c = stored(f.type(), v) ? v : value(f.type(), v, path.child(f.name()));
      }
      if (out == null && c != v) {
        out = new Object[n];
        for (int j = 0; j < i; j++) {
          out[j] = row.get(j);
        }
      }
      if (out != null) {
        out[i] = c;
      }
    }
    return out == null && row.type() == struct
        ? row
        : Rows.wrap(struct, out != null ? out : copyValues(row, n));
  }

  private static Object[] copyValues(Row row, int n) {
    Object[] out = new Object[n];
    for (int i = 0; i < n; i++) {
      out[i] = row.get(i);
    }
    return out;
  }

  /**
   * True if a value is already in the stored form of a primitive or list column, so that {@link
   * #value} would return it unchanged: the quick check for rows made with {@link Row#of}.
   */
  private static boolean stored(Type type, Object v) {
    switch (type.typeId()) {
      case BOOLEAN:
        return v instanceof Boolean;
      case INTEGER:
        return v instanceof Integer;
      case LONG:
        return v instanceof Long;
      case FLOAT:
        return v instanceof Float;
      case DOUBLE:
        return v instanceof Double;
      case DATE:
        return v instanceof LocalDate;
      case TIMESTAMPTZ:
        return v instanceof OffsetDateTime
            && ((OffsetDateTime) v).getOffset() == ZoneOffset.UTC
            && ((OffsetDateTime) v).getNano() % 1000 == 0;
      case STRING:
        return v instanceof String && !hasSurrogate((String) v);
      case UUID:
        return v instanceof UUID;
      case LIST:
        if (v instanceof FloatList) {
          return type.asList().elementType().typeId() == Type.TypeId.FLOAT
              && !(type.asList().isElementRequired() && ((FloatList) v).hasNulls());
        }
        return v instanceof List && alreadyStored((List<?>) v, type.asList());
      default:
        return false; // converted, or checked with its path for the error
    }
  }

  /** True if the string has a UTF-16 surrogate (valid pairs included: the full check then runs). */
  private static boolean hasSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isSurrogate(s.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  /**
   * A map's values looked up by the struct's field names, without copying the map; null when the
   * map has keys that are not fields (the general path then names them).
   */
  private static Row fromMap(Types.StructType struct, Map<?, ?> map, Path path) {
    Object[] out = new Object[struct.fields().size()];
    int used = 0;
    for (int i = 0; i < out.length; i++) {
      Types.NestedField f = struct.fields().get(i);
      Object v = map.get(f.name());
      if (v == null) {
        boolean present = map.containsKey(f.name());
        if (present) {
          used++;
        }
        if (f.isRequired()) {
          throw missing(path.child(f.name()), present);
        }
        continue;
      }
      used++;
      out[i] = value(f.type(), v, path.child(f.name()));
    }
    return used == map.size() ? Rows.wrap(struct, out) : null;
  }

  private static List<String> names(Types.StructType s) {
    List<String> n = new ArrayList<>();
    s.fields().forEach(f -> n.add(f.name()));
    return n;
  }

  /** The fields of a Map, Java record or Row as a name-to-value map. */
  static Map<String, Object> fieldMap(Object value) {
    return asFieldMap(value, new Path(0));
  }

  /** The fields of a Map, Java record or Row as a name-to-value map. */
  static Map<String, Object> asFieldMap(Object value, Path path) {
    if (value instanceof Map) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
        if (!(e.getKey() instanceof String)) {
          throw new ValidationException(
              "Invalid key "
                  + e.getKey()
                  + " in "
                  + path.where()
                  + ": record fields must be named by strings");
        }
        m.put((String) e.getKey(), e.getValue());
      }
      return m;
    }
    if (value instanceof Row) {
      Row r = (Row) value;
      Map<String, Object> m = new LinkedHashMap<>();
      for (int i = 0; i < r.size(); i++) {
        m.put(r.type().fields().get(i).name(), r.get(i));
      }
      return m;
    }
    if (value.getClass().isRecord()) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (RecordComponent c : value.getClass().getRecordComponents()) {
        try {
          c.getAccessor().setAccessible(true);
          m.put(c.getName(), c.getAccessor().invoke(value));
        } catch (ReflectiveOperationException | RuntimeException e) {
          throw new ValidationException(
              "Cannot read component '"
                  + c.getName()
                  + "' of "
                  + value.getClass().getName()
                  + " in "
                  + path.where()
                  + ": "
                  + e
                  + ". Make the record class public.",
              e);
        }
      }
      return m;
    }
    throw new ValidationException(
        "Cannot use a "
            + value.getClass().getName()
            + " as a row in "
            + path.where()
            + ": pass a Map<String, Object>, a Java record or a Row");
  }

  private static Object value(Type type, Object v, Path path) {
    switch (type.typeId()) {
      case BOOLEAN:
        if (v instanceof Boolean) {
          return v;
        }
        break;
      case INTEGER:
        if (v instanceof Integer) {
          return v;
        }
        if (v instanceof Short || v instanceof Byte) {
          return ((Number) v).intValue();
        }
        if (v instanceof Long || v instanceof BigInteger) {
          long l = longValue(v, type, path);
          if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
            throw mismatch(type, v, path, "the value is out of the int range; use a long column");
          }
          return (int) l;
        }
        break;
      case LONG:
        if (v instanceof Long) {
          return v;
        }
        if (v instanceof Integer
            || v instanceof Short
            || v instanceof Byte
            || v instanceof BigInteger) {
          return longValue(v, type, path);
        }
        break;
      case FLOAT:
        if (v instanceof Float) {
          return v;
        }
        if (v instanceof Number
            && !(v instanceof BigDecimal && ((BigDecimal) v).precision() > 60)) {
          return ((Number) v).floatValue();
        }
        break;
      case DOUBLE:
        if (v instanceof Double) {
          return v;
        }
        if (v instanceof Number) {
          return ((Number) v).doubleValue();
        }
        break;
      case DECIMAL:
        return decimal((Types.DecimalType) type, v, path);
      case DATE:
        if (v instanceof LocalDate) {
          return v;
        }
        if (v instanceof CharSequence) {
          try {
            return LocalDate.parse(v.toString());
          } catch (DateTimeParseException e) {
            throw mismatch(type, v, path, "write dates as YYYY-MM-DD");
          }
        }
        break;
      case TIME:
        if (v instanceof LocalTime) {
          return ((LocalTime) v).truncatedTo(ChronoUnit.MICROS);
        }
        if (v instanceof CharSequence) {
          try {
            return LocalTime.parse(v.toString()).truncatedTo(ChronoUnit.MICROS);
          } catch (DateTimeParseException e) {
            throw mismatch(type, v, path, "write times as HH:MM:SS[.ffffff]");
          }
        }
        break;
      case TIMESTAMP:
        if (v instanceof LocalDateTime) {
          return ((LocalDateTime) v).truncatedTo(ChronoUnit.MICROS);
        }
        if (v instanceof CharSequence) {
          try {
            return LocalDateTime.parse(v.toString().replace(' ', 'T'))
                .truncatedTo(ChronoUnit.MICROS);
          } catch (DateTimeParseException e) {
            throw mismatch(
                type,
                v,
                path,
                "a timestamp (without time zone) is written like 2024-05-01T12:30:00; "
                    + "for values with an offset or Z, use a timestamptz column");
          }
        }
        break;
      case TIMESTAMPTZ:
        return timestamptz(type, v, path);
      case STRING:
        if (v instanceof CharSequence || v instanceof Character) {
          return validUnicode(v.toString(), path);
        }
        break;
      case UUID:
        if (v instanceof UUID) {
          return v;
        }
        if (v instanceof CharSequence) {
          try {
            return UUID.fromString(v.toString());
          } catch (IllegalArgumentException e) {
            throw mismatch(type, v, path, "write UUIDs as 8-4-4-4-12 hex digits");
          }
        }
        break;
      case FIXED:
        {
          ByteBuffer b = bytes(v, type, path);
          if (b != null) {
            int len = ((Types.FixedType) type).length();
            if (b.remaining() != len) {
              throw mismatch(
                  type,
                  v,
                  path,
                  "it has " + b.remaining() + " bytes, the column holds exactly " + len);
            }
            return b;
          }
          break;
        }
      case BINARY:
        {
          ByteBuffer b = bytes(v, type, path);
          if (b != null) {
            return b;
          }
          break;
        }
      case LIST:
        return list(type.asList(), v, path);
      case MAP:
        return map(type.asMap(), v, path);
      case STRUCT:
        if (v instanceof Map || v instanceof Row || v.getClass().isRecord()) {
          return struct(type.asStruct(), v, path);
        }
        break;
      default:
        break;
    }
    throw mismatch(type, v, path, null);
  }

  /**
   * Strings are stored as UTF-8, which cannot encode a lone UTF-16 surrogate: Java's encoder would
   * silently write '?' instead, so such a string is refused rather than stored changed.
   */
  private static String validUnicode(String s, Path path) {
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (Character.isHighSurrogate(ch)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(ch)) {
        throw new ValidationException(
            "Invalid text in "
                + path.where()
                + ": the string holds a lone UTF-16 "
                + "surrogate (\\u"
                + Integer.toHexString(ch).toUpperCase(Locale.ROOT)
                + " at index "
                + i
                + "), which is not valid Unicode and cannot be stored as UTF-8. Fix or remove that character.");
      }
    }
    return s;
  }

  private static long longValue(Object v, Type type, Path path) {
    if (v instanceof BigInteger) {
      BigInteger b = (BigInteger) v;
      if (b.bitLength() > 63) {
        throw mismatch(type, v, path, "the value does not fit in 64 bits");
      }
      return b.longValue();
    }
    return ((Number) v).longValue();
  }

  private static Object decimal(Types.DecimalType type, Object v, Path path) {
    BigDecimal d;
    if (v instanceof BigDecimal) {
      d = (BigDecimal) v;
    } else if (v instanceof Integer
        || v instanceof Long
        || v instanceof Short
        || v instanceof Byte) {
      d = BigDecimal.valueOf(((Number) v).longValue());
    } else if (v instanceof BigInteger) {
      d = new BigDecimal((BigInteger) v);
    } else if (v instanceof Double || v instanceof Float) {
      double x = ((Number) v).doubleValue();
      if (Double.isNaN(x) || Double.isInfinite(x)) {
        throw mismatch(type, v, path, "NaN and infinity are not decimals");
      }
      d = BigDecimal.valueOf(x);
    } else if (v instanceof CharSequence) {
      try {
        d = new BigDecimal(v.toString().trim());
      } catch (NumberFormatException e) {
        throw mismatch(type, v, path, "the text is not a number");
      }
    } else {
      throw mismatch(type, v, path, null);
    }
    BigDecimal scaled;
    try {
      scaled = d.setScale(type.scale());
    } catch (ArithmeticException e) {
      throw mismatch(
          type,
          v,
          path,
          "it has more than "
              + type.scale()
              + " digits after the point and would be "
              + "rounded; round it first or use a column with a larger scale");
    }
    if (scaled.precision() > type.precision()) {
      throw mismatch(
          type,
          v,
          path,
          "it needs " + scaled.precision() + " digits, the column holds " + type.precision());
    }
    return scaled;
  }

  private static Object timestamptz(Type type, Object v, Path path) {
    if (v instanceof OffsetDateTime) {
      OffsetDateTime t = (OffsetDateTime) v;
      if (t.getOffset().equals(ZoneOffset.UTC) && t.getNano() % 1000 == 0) {
        return t; // already in the stored form: UTC, whole microseconds
      }
      return t.withOffsetSameInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }
    if (v instanceof ZonedDateTime) {
      return ((ZonedDateTime) v)
          .toOffsetDateTime()
          .withOffsetSameInstant(ZoneOffset.UTC)
          .truncatedTo(ChronoUnit.MICROS);
    }
    if (v instanceof Instant) {
      return ((Instant) v).atOffset(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }
    if (v instanceof CharSequence) {
      String s = v.toString().trim().replace(' ', 'T');
      try {
        return OffsetDateTime.parse(s)
            .withOffsetSameInstant(ZoneOffset.UTC)
            .truncatedTo(ChronoUnit.MICROS);
      } catch (DateTimeParseException e) {
        throw mismatch(
            type,
            v,
            path,
            "a timestamptz is written with an offset, like 2024-05-01T12:30:00Z or "
                + "2024-05-01T14:30:00+02:00");
      }
    }
    throw mismatch(type, v, path, null);
  }

  private static ByteBuffer bytes(Object v, Type type, Path path) {
    if (v instanceof byte[]) {
      return ByteBuffer.wrap(((byte[]) v).clone()).asReadOnlyBuffer();
    }
    if (v instanceof ByteBuffer) {
      ByteBuffer src = ((ByteBuffer) v).duplicate();
      ByteBuffer copy = ByteBuffer.allocate(src.remaining());
      copy.put(src).flip();
      return copy.asReadOnlyBuffer();
    }
    if (v instanceof CharSequence) {
      try {
        return ByteBuffer.wrap(
                Base64.getDecoder().decode(v.toString().getBytes(StandardCharsets.US_ASCII)))
            .asReadOnlyBuffer();
      } catch (IllegalArgumentException e) {
        throw mismatch(type, v, path, "text for a binary column must be base64");
      }
    }
    return null;
  }

  private static Object list(Types.ListType type, Object v, Path path) {
    Collection<?> src;
    if (v instanceof Collection) {
      src = (Collection<?>) v;
      if (v instanceof FloatList
          && type.elementType().typeId() == Type.TypeId.FLOAT
          && !(type.isElementRequired() && ((FloatList) v).hasNulls())) {
        return v; // as scans return list<float> columns: already in its stored form
      }
      if (v instanceof List && alreadyStored((List<?>) v, type)) {
        return v; // every element is already in its stored form: no copy (rows are only read
        // afterwards)
      }
    } else {
      src = arrayElements(type, v, path);
    }
    List<Object> out = new ArrayList<>(src.size());
    Path elemPath = path.child("element");
    for (Object e : src) {
      if (e == null) {
        if (type.isElementRequired()) {
          throw new ValidationException(
              "Null element in " + path.where() + ": the list's elements are required");
        }
        out.add(null);
      } else {
        out.add(value(type.elementType(), e, elemPath));
      }
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * True if a list of a primitive element type holds only values of exactly the stored class (and
   * allowed nulls).
   */
  private static boolean alreadyStored(List<?> list, Types.ListType type) {
    Class<?> cls;
    switch (type.elementType().typeId()) {
      case FLOAT:
        cls = Float.class;
        break;
      case DOUBLE:
        cls = Double.class;
        break;
      case INTEGER:
        cls = Integer.class;
        break;
      case LONG:
        cls = Long.class;
        break;
      case BOOLEAN:
        cls = Boolean.class;
        break;
      default:
        return false;
    }
    for (Object e : list) {
      if (e == null ? type.isElementRequired() : e.getClass() != cls) {
        return false;
      }
    }
    return true;
  }

  /** The elements of a Java array given for a list column. */
  private static List<Object> arrayElements(Types.ListType type, Object v, Path path) {
    List<Object> src = new ArrayList<>();
    if (v instanceof float[]) {
      for (float f : (float[]) v) {
        src.add(f);
      }
    } else if (v instanceof double[]) {
      for (double d : (double[]) v) {
        src.add(d);
      }
    } else if (v instanceof int[]) {
      for (int i : (int[]) v) {
        src.add(i);
      }
    } else if (v instanceof long[]) {
      for (long l : (long[]) v) {
        src.add(l);
      }
    } else if (v instanceof Object[]) {
      src.addAll(List.of((Object[]) v));
    } else {
      throw mismatch(type, v, path, null);
    }
    return src;
  }

  private static Object map(Types.MapType type, Object v, Path path) {
    if (!(v instanceof Map)) {
      throw mismatch(type, v, path, null);
    }
    Map<Object, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
      if (e.getKey() == null) {
        throw new ValidationException(
            "Null map key in " + path.where() + ": map keys must not be null");
      }
      Object key = value(type.keyType(), e.getKey(), path.child("key"));
      Object val;
      if (e.getValue() == null) {
        if (type.isValueRequired()) {
          throw new ValidationException(
              "Null map value in " + path.where() + ": the map's values are required");
        }
        val = null;
      } else {
        val = value(type.valueType(), e.getValue(), path.child("value"));
      }
      out.put(key, val);
    }
    return Collections.unmodifiableMap(out);
  }

  private static ValidationException mismatch(Type type, Object v, Path path, String hint) {
    String shown = String.valueOf(v);
    if (shown.length() > 60) {
      shown = shown.substring(0, 57) + "...";
    }
    return new ValidationException(
        "Wrong value type in "
            + path.where()
            + ": the column is "
            + type
            + " but the value is a "
            + v.getClass().getSimpleName()
            + " ("
            + shown
            + ")"
            + (hint == null
                ? ". Convert the value, or change the column type."
                : ": " + hint + "."));
  }
}
