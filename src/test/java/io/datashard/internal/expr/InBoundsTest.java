package io.datashard.internal.expr;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.Type;
import io.datashard.Types;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The O(log n) test of an IN list against a file's bounds answers as testing each literal does, for
 * longs and for doubles with NaN, with and without bounds.
 */
class InBoundsTest {
  private static boolean eachLiteral(
      Type type, TreeSet<Object> set, Object lower, Object upper, boolean mayHaveNaN) {
    for (Object v : set) {
      boolean nan = v instanceof Double d && d.isNaN();
      if (nan
          ? mayHaveNaN
          : (lower == null || Comparisons.compare(type, v, lower) >= 0)
              && (upper == null || Comparisons.compare(type, v, upper) <= 0)) {
        return true;
      }
    }
    return false;
  }

  @Test
  void theSortedLookupMatchesTheLoop() {
    long seed = new Random().nextLong();
    System.out.println("InBoundsTest seed " + seed);
    Random rnd = new Random(seed);
    for (Type type : new Type[] {Types.LONG, Types.DOUBLE}) {
      for (int round = 0; round < 2000; round++) {
        TreeSet<Object> set = new TreeSet<>(Comparisons.comparator(type));
        int n = rnd.nextInt(6);
        for (int i = 0; i < n; i++) {
          set.add(value(type, rnd));
        }
        Object a = rnd.nextInt(5) == 0 ? null : value(type, rnd);
        Object b = rnd.nextInt(5) == 0 ? null : value(type, rnd);
        if (a != null && b != null && Comparisons.compare(type, a, b) > 0) {
          Object t = a;
          a = b;
          b = t;
        }
        if (a instanceof Double d && d.isNaN()) {
          a = null;
        }
        if (b instanceof Double d && d.isNaN()) {
          b = null;
        }
        boolean nan = rnd.nextBoolean();
        assertThat(MetricsEvaluator.mayEqualAny(type, set, a, b, nan))
            .as("seed %d: %s in [%s, %s], NaN possible %s", seed, set, a, b, nan)
            .isEqualTo(eachLiteral(type, set, a, b, nan));
      }
    }
  }

  private static Object value(Type type, Random rnd) {
    if (type == Types.LONG) {
      return (long) rnd.nextInt(20);
    }
    return rnd.nextInt(8) == 0 ? Double.NaN : (double) rnd.nextInt(20) - 0.5;
  }
}
