package io.datashard.internal;

import io.datashard.Row;
import io.datashard.Types;

/**
 * Makes {@link Row}s from arrays the caller hands over (no copy), for the readers and converters
 * that build each row's array themselves. {@link Row} installs the factory when its class
 * initializes.
 */
public final class Rows {
  /** Builds a row over an array without copying it. */
  public interface Factory {
    Row wrap(Types.StructType type, Object[] values);
  }

  private static volatile Factory factory;

  private Rows() {}

  /** Called once, by {@link Row}'s class initializer; any later call fails. */
  public static synchronized void install(Factory f) {
    if (factory != null) {
      throw new IllegalStateException("the row factory is installed already");
    }
    factory = f;
  }

  /**
   * A row over {@code values}, which the caller no longer changes; the array must have one value
   * per field, each already of the row's Java types.
   */
  /**
   * The first {@code type.fields().size()} values of {@code row} as a row of {@code type}: a row
   * read with extra columns (those a filter or a delete needed) narrowed to the ones asked for.
   */
  public static Row leading(Types.StructType type, Row row) {
    Object[] values = new Object[type.fields().size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = row.get(i);
    }
    return wrap(type, values);
  }

  public static Row wrap(Types.StructType type, Object[] values) {
    Factory f = factory;
    if (f == null) {
      Row.of(type, values); // initializes the Row class, which installs the factory
      f = factory;
    }
    if (values.length != type.fields().size()) {
      throw new IllegalArgumentException(
          "A row of " + type + " needs " + type.fields().size() + " values, got " + values.length);
    }
    return f.wrap(type, values);
  }
}
