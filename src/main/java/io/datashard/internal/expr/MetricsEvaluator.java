package io.datashard.internal.expr;

import io.datashard.Expression.Operation;
import io.datashard.Type;
import java.nio.charset.StandardCharsets;
import java.util.NavigableSet;

/**
 * Decides from statistics whether a set of rows (a data file, a row group) may hold a row the
 * filter matches. Inclusive: it answers false only when no row can match, so pruning by it never
 * loses a row.
 *
 * <p>Care points: null and NaN values are not inside the bounds; NaN is above every number in the
 * filters' order, so {@code >} and {@code >=} can only prune when the NaN count is known to be
 * zero; a bound that is itself NaN is ignored; string bounds may be truncated (the lower bound a
 * prefix of the minimum, the upper bound above the maximum), so only comparisons that stay true for
 * such bounds are used; unknown statistics never prune.
 */
public final class MetricsEvaluator {
  private MetricsEvaluator() {}

  /** False only if no row described by the statistics can match. */
  public static boolean mightMatch(BoundExpr e, ColumnStats stats) {
    if (stats.rowCount() == 0) {
      return false;
    }
    return eval(e, stats);
  }

  private static boolean eval(BoundExpr e, ColumnStats s) {
    switch (e.op()) {
      case TRUE:
        return true;
      case FALSE:
        return false;
      case AND:
        return eval(e.children().get(0), s) && eval(e.children().get(1), s);
      case OR:
        return eval(e.children().get(0), s) || eval(e.children().get(1), s);
      default:
        return predicate(e, s);
    }
  }

  private static boolean predicate(BoundExpr e, ColumnStats s) {
    int id = e.fieldId();
    Type type = e.type();
    Operation op = e.op();
    if (op == Operation.IS_NULL) {
      Long nulls = s.nullCount(id);
      return nulls == null || nulls > 0;
    }
    if (allNull(s, id)) {
      return false; // every other predicate needs a non-null value
    }
    if (op == Operation.NOT_NULL) {
      return true;
    }
    boolean floating = type.typeId() == Type.TypeId.FLOAT || type.typeId() == Type.TypeId.DOUBLE;
    Long nans = floating ? s.nanCount(id) : Long.valueOf(0);
    boolean mayHaveNaN = nans == null || nans > 0;
    Object lower = usable(s.lower(id));
    Object upper = usable(s.upper(id));
    Object lit = e.literal();
    switch (op) {
      case LT:
        // NaN is never below a value; every other value is >= lower
        return lower == null || Comparisons.compare(type, lower, lit) < 0;
      case LT_EQ:
        return lower == null || Comparisons.compare(type, lower, lit) <= 0;
      case GT:
        if (mayHaveNaN) {
          return true; // NaN is above every number
        }
        return upper == null || Comparisons.compare(type, upper, lit) > 0;
      case GT_EQ:
        if (mayHaveNaN) {
          return true;
        }
        return upper == null || Comparisons.compare(type, upper, lit) >= 0;
      case EQ:
        return mayEqual(type, lit, lower, upper, mayHaveNaN);
      case IN:
        return mayEqualAny(type, e.set(), lower, upper, mayHaveNaN);
      case NOT_EQ:
      case NOT_IN:
        return true; // any value outside the literals could be there
      case STARTS_WITH:
        return mayStartWith((String) lit, lower, upper);
      case NOT_STARTS_WITH:
        return !allStartWith((String) lit, lower, upper);
      default:
        return true;
    }
  }

  /**
   * Whether one of the literals may equal a value in [lower, upper]: the set is in the type's order
   * (NaN last), so the smallest literal at or above lower decides, found in O(log n) instead of
   * testing each of a long IN list against every file and row group.
   */
  static boolean mayEqualAny(
      Type type, NavigableSet<Object> set, Object lower, Object upper, boolean mayHaveNaN) {
    if (set.isEmpty()) {
      return false;
    }
    if (mayHaveNaN && Comparisons.isNaN(set.last())) {
      return true;
    }
    Object candidate = lower == null ? set.first() : set.ceiling(lower);
    if (candidate == null || Comparisons.isNaN(candidate)) {
      return false;
    }
    return upper == null || Comparisons.compare(type, candidate, upper) <= 0;
  }

  private static boolean mayEqual(
      Type type, Object v, Object lower, Object upper, boolean mayHaveNaN) {
    if (Comparisons.isNaN(v)) {
      return mayHaveNaN;
    }
    if (lower != null && Comparisons.compare(type, v, lower) < 0) {
      return false;
    }
    return upper == null || Comparisons.compare(type, v, upper) <= 0;
  }

  private static boolean allNull(ColumnStats s, int id) {
    Long values = s.valueCount(id);
    Long nulls = s.nullCount(id);
    return values != null && nulls != null && nulls.longValue() == values.longValue();
  }

  static Object usable(Object bound) {
    return bound == null || Comparisons.isNaN(bound) ? null : bound;
  }

  /**
   * Whether a value in [lower, upper] may start with the prefix: values with the prefix are at
   * least the prefix, so an upper bound below it excludes them; and a value whose first bytes are
   * above the prefix cannot start with it, so a lower bound whose first bytes are above it excludes
   * them too.
   */
  static boolean mayStartWith(String prefix, Object lower, Object upper) {
    byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
    if (upper != null && compareBytes(bytes(upper), p, Integer.MAX_VALUE) < 0) {
      return false;
    }
    if (lower != null && compareBytes(bytes(lower), p, p.length) > 0) {
      return false;
    }
    return true;
  }

  /**
   * Whether every value in [lower, upper] starts with the prefix: the strings with a prefix form
   * one interval, so if both bounds start with it, everything between them does too.
   */
  static boolean allStartWith(String prefix, Object lower, Object upper) {
    if (lower == null || upper == null || prefix.isEmpty()) {
      return prefix.isEmpty();
    }
    return ((String) lower).startsWith(prefix) && ((String) upper).startsWith(prefix);
  }

  private static byte[] bytes(Object s) {
    return ((String) s).getBytes(StandardCharsets.UTF_8);
  }

  /** Unsigned comparison of a's first {@code limit} bytes with b. */
  private static int compareBytes(byte[] a, byte[] b, int limit) {
    int la = Math.min(a.length, limit);
    int n = Math.min(la, b.length);
    for (int i = 0; i < n; i++) {
      int c = Integer.compare(a[i] & 0xff, b[i] & 0xff);
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(la, Math.min(b.length, limit));
  }
}
