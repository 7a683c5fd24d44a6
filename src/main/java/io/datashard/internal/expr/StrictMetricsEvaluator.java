package io.datashard.internal.expr;

import io.datashard.Expression.Operation;
import io.datashard.Type;

/**
 * Decides from statistics whether every row of a set (a data file) matches the filter, so a count
 * can use the record count without opening the file (and a delete could drop the whole file).
 * Strict: it answers true only when the statistics prove it, so a null, a NaN or an unknown figure
 * that could make one row fail gives false.
 *
 * <p>Truncated string bounds are still usable: the lower bound is at most the minimum and the upper
 * bound at least the maximum, which is all the comparisons below rely on; equal lower and upper
 * string bounds can only come from untruncated values.
 */
public final class StrictMetricsEvaluator {
  private StrictMetricsEvaluator() {}

  /** True only if every row described by the statistics matches. */
  public static boolean allMatch(BoundExpr e, ColumnStats stats) {
    if (stats.rowCount() == 0) {
      return true;
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
    Long nulls = s.nullCount(id);
    if (op == Operation.IS_NULL) {
      return nulls != null && nulls == s.rowCount();
    }
    if (nulls == null || nulls != 0) {
      return false; // a null row makes every other predicate unknown
    }
    if (op == Operation.NOT_NULL) {
      return true;
    }
    boolean floating = type.typeId() == Type.TypeId.FLOAT || type.typeId() == Type.TypeId.DOUBLE;
    Long nans = floating ? s.nanCount(id) : Long.valueOf(0);
    boolean noNaN = nans != null && nans == 0;
    Object lower = MetricsEvaluator.usable(s.lower(id));
    Object upper = MetricsEvaluator.usable(s.upper(id));
    Object lit = e.literal();
    switch (op) {
      case LT:
        return noNaN && upper != null && Comparisons.compare(type, upper, lit) < 0;
      case LT_EQ:
        return noNaN && upper != null && Comparisons.compare(type, upper, lit) <= 0;
      case GT:
        // NaN rows are above any number; all other rows are at least the lower bound
        return lower != null && Comparisons.compare(type, lower, lit) > 0;
      case GT_EQ:
        return lower != null && Comparisons.compare(type, lower, lit) >= 0;
      case EQ:
        return noNaN
            && lower != null
            && upper != null
            && Comparisons.compare(type, lower, lit) == 0
            && Comparisons.compare(type, upper, lit) == 0;
      case NOT_EQ:
        return notEqualToAll(type, lit, lower, upper, noNaN);
      case IN:
        return noNaN
            && lower != null
            && upper != null
            && Comparisons.compare(type, lower, upper) == 0
            && e.set().contains(lower);
      case NOT_IN:
        // every row differs from every literal: none of them can be in the bounds
        return !MetricsEvaluator.mayEqualAny(type, e.set(), lower, upper, !noNaN);
      case STARTS_WITH:
        return MetricsEvaluator.allStartWith((String) lit, lower, upper);
      case NOT_STARTS_WITH:
        return !MetricsEvaluator.mayStartWith((String) lit, lower, upper);
      default:
        return false;
    }
  }

  /** True if no row can equal v: v is outside the bounds (or a NaN where no NaN is). */
  private static boolean notEqualToAll(
      Type type, Object v, Object lower, Object upper, boolean noNaN) {
    if (Comparisons.isNaN(v)) {
      return noNaN;
    }
    return lower != null && Comparisons.compare(type, v, lower) < 0
        || upper != null && Comparisons.compare(type, v, upper) > 0;
  }
}
