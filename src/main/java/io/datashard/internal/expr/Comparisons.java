package io.datashard.internal.expr;

import io.datashard.Type;
import io.datashard.internal.Values;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.Comparator;

/**
 * The order filters use for the values of one primitive type. Floats and doubles: NaN above every
 * number and equal to itself, -0.0 equal to 0.0. Strings: by code point (the order of UTF-8 bytes).
 * Int and long values also compare exactly with a {@link BigDecimal} (a filter value that is not a
 * whole number, or out of the column's range).
 */
public final class Comparisons {
  private Comparisons() {}

  /** Compares two non-null values of the type. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static int compare(Type type, Object a, Object b) {
    switch (type.typeId()) {
      case INTEGER:
      case LONG:
        if (a instanceof BigDecimal || b instanceof BigDecimal) {
          return big(a).compareTo(big(b));
        }
        return Long.compare(((Number) a).longValue(), ((Number) b).longValue());
      case FLOAT:
      case DOUBLE:
        return compareDouble(((Number) a).doubleValue(), ((Number) b).doubleValue());
      case DECIMAL:
        return ((BigDecimal) a).compareTo((BigDecimal) b);
      case STRING:
        return compareStrings((String) a, (String) b);
      case TIMESTAMPTZ:
        return ((OffsetDateTime) a).toInstant().compareTo(((OffsetDateTime) b).toInstant());
      case BOOLEAN:
      case DATE:
      case TIME:
      case TIMESTAMP:
        return ((Comparable) a).compareTo(b);
      default:
        return Values.compare(type, a, b);
    }
  }

  /** A comparator for the type's values. */
  public static Comparator<Object> comparator(Type type) {
    return (a, b) -> compare(type, a, b);
  }

  static BigDecimal big(Object v) {
    if (v instanceof BigDecimal) {
      return (BigDecimal) v;
    }
    return BigDecimal.valueOf(((Number) v).longValue());
  }

  /** NaN is above every number and equal to NaN; -0.0 equals 0.0. */
  public static int compareDouble(double a, double b) {
    boolean na = Double.isNaN(a);
    boolean nb = Double.isNaN(b);
    if (na || nb) {
      return na == nb ? 0 : (na ? 1 : -1);
    }
    return a < b ? -1 : (a > b ? 1 : 0);
  }

  /** Code point order, which is the order of the strings' UTF-8 bytes. */
  public static int compareStrings(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char x = a.charAt(i);
      char y = b.charAt(i);
      if (x != y) {
        boolean sx = Character.isSurrogate(x);
        boolean sy = Character.isSurrogate(y);
        if (sx != sy) {
          return sx ? 1 : -1; // a surrogate pair encodes a code point above U+FFFF
        }
        return x - y;
      }
    }
    return a.length() - b.length();
  }

  /** True if the value is a float or double NaN. */
  static boolean isNaN(Object v) {
    return v instanceof Double && ((Double) v).isNaN() || v instanceof Float && ((Float) v).isNaN();
  }
}
