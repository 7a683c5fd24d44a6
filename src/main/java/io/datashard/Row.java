package io.datashard;

import io.datashard.internal.Rows;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One row of a table: values in the order of a struct's fields.
 *
 * <p>Values use these Java types: boolean {@code Boolean}, int {@code Integer}, long {@code Long},
 * float {@code Float}, double {@code Double}, decimal {@code BigDecimal}, date {@code LocalDate},
 * time {@code LocalTime}, timestamp {@code LocalDateTime}, timestamptz {@code OffsetDateTime}
 * (UTC), string {@code String}, uuid {@code UUID}, fixed and binary {@code ByteBuffer}, list {@code
 * List}, map {@code Map}, struct {@code Row}; null for a missing value. Scans of Parquet files
 * return list&lt;float&gt; columns as an unmodifiable {@code List<Float>} over one float array.
 *
 * <pre>{@code
 * for (Row r : table.scan().rows()) {
 *   long id = r.get("id", Long.class);
 * }
 * }</pre>
 */
public final class Row {
  private final Types.StructType type;
  private final Object[] values;

  private Row(Types.StructType type, Object[] values) {
    this.type = type;
    this.values = values;
  }

  /**
   * A row of the given struct type. The values must already be of the Java types listed above, one
   * per field; use {@link Table#newAppend()} with maps or Java records to have values converted.
   */
  public static Row of(Types.StructType type, Object... values) {
    if (values.length != type.fields().size()) {
      throw new IllegalArgumentException(
          "A row of " + type + " needs " + type.fields().size() + " values, got " + values.length);
    }
    return new Row(type, values.clone());
  }

  static {
    // internal readers hand over the arrays they build, without a copy
    Rows.install(Row::new);
  }

  /** The struct type of this row. */
  public Types.StructType type() {
    return type;
  }

  /** The number of values. */
  public int size() {
    return values.length;
  }

  /** The value at a position. */
  public Object get(int pos) {
    return values[pos];
  }

  /**
   * The value of a column.
   *
   * @throws IllegalArgumentException if the row has no such column
   */
  public Object get(String name) {
    int pos = type.position(name);
    if (pos < 0) {
      throw new IllegalArgumentException("No column '" + name + "' in row of " + type);
    }
    return values[pos];
  }

  /** The value of a column, cast to a class. */
  public <T> T get(String name, Class<T> cls) {
    return cls.cast(get(name));
  }

  /** The value at a position, cast to a class. */
  public <T> T get(int pos, Class<T> cls) {
    return cls.cast(values[pos]);
  }

  /**
   * The values as a map from column name to value, in column order; nested rows become maps too.
   */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < values.length; i++) {
      m.put(type.fields().get(i).name(), plain(values[i]));
    }
    return m;
  }

  private static Object plain(Object v) {
    if (v instanceof Row) {
      return ((Row) v).toMap();
    }
    if (v instanceof List) {
      List<Object> out = new ArrayList<>();
      for (Object o : (List<?>) v) {
        out.add(plain(o));
      }
      return out;
    }
    if (v instanceof Map) {
      Map<Object, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        out.put(plain(e.getKey()), plain(e.getValue()));
      }
      return out;
    }
    return v;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Row)) {
      return false;
    }
    return Arrays.equals(values, ((Row) o).values);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < values.length; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(type.fields().get(i).name()).append('=').append(Objects.toString(values[i]));
    }
    return sb.append('}').toString();
  }
}
