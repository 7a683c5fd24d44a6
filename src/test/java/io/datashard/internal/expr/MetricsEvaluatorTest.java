package io.datashard.internal.expr;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.Expression;
import io.datashard.Expressions;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The inclusive metrics evaluator: a file is pruned only when no row can match. Hand cases for the
 * sharp edges (NaN, nulls, truncated strings, unknown statistics) and a randomized check that never
 * prunes a set of rows holding a match.
 */
class MetricsEvaluatorTest {
  static final Schema SCHEMA = Schema.parse("a long, x double, s string");
  static final int A = SCHEMA.findField("a").id();
  static final int X = SCHEMA.findField("x").id();
  static final int S = SCHEMA.findField("s").id();

  /** Statistics given per field id; absent entries are unknown. */
  static final class Stats implements ColumnStats {
    long rows;
    final Map<Integer, Long> values = new HashMap<>();
    final Map<Integer, Long> nulls = new HashMap<>();
    final Map<Integer, Long> nans = new HashMap<>();
    final Map<Integer, Object> lower = new HashMap<>();
    final Map<Integer, Object> upper = new HashMap<>();

    @Override
    public long rowCount() {
      return rows;
    }

    @Override
    public Long valueCount(int id) {
      return values.get(id);
    }

    @Override
    public Long nullCount(int id) {
      return nulls.get(id);
    }

    @Override
    public Long nanCount(int id) {
      return nans.get(id);
    }

    @Override
    public Object lower(int id) {
      return lower.get(id);
    }

    @Override
    public Object upper(int id) {
      return upper.get(id);
    }
  }

  private static boolean might(String filter, Stats s) {
    return MetricsEvaluator.mightMatch(Binder.bind(SCHEMA, Expressions.parse(filter)), s);
  }

  private static Stats longs(long lo, long hi, long rows, long nulls) {
    Stats s = new Stats();
    s.rows = rows;
    s.values.put(A, rows);
    s.nulls.put(A, nulls);
    s.lower.put(A, lo);
    s.upper.put(A, hi);
    return s;
  }

  @Test
  void boundsPruneComparisons() {
    Stats s = longs(10, 20, 5, 0);
    assertThat(might("a < 10", s)).isFalse();
    assertThat(might("a <= 10", s)).isTrue();
    assertThat(might("a > 20", s)).isFalse();
    assertThat(might("a >= 20", s)).isTrue();
    assertThat(might("a = 9", s)).isFalse();
    assertThat(might("a = 21", s)).isFalse();
    assertThat(might("a = 15", s)).isTrue();
    assertThat(might("a in (1, 2, 30)", s)).isFalse();
    assertThat(might("a in (1, 20)", s)).isTrue();
    assertThat(might("a != 15", s)).isTrue();
    assertThat(might("a not in (10, 20)", s)).isTrue();
    assertThat(might("a > 19.5", s)).isTrue();
    assertThat(might("a > 20.5", s)).isFalse();
    assertThat(might("a is null", s)).as("no nulls").isFalse();
    assertThat(might("a is not null", s)).isTrue();
    assertThat(might("a < 10 or a > 20", s)).isFalse();
    assertThat(might("a < 10 or a = 12", s)).isTrue();
    assertThat(might("not (a >= 10)", s)).isFalse();
    assertThat(might("a > 5 and a < 8", s)).isFalse();
  }

  private static boolean all(String filter, Stats s) {
    return StrictMetricsEvaluator.allMatch(Binder.bind(SCHEMA, Expressions.parse(filter)), s);
  }

  @Test
  void strictEvaluatorProvesOnlyWhatTheStatisticsShow() {
    Stats s = longs(10, 20, 5, 0);
    assertThat(all("a >= 10", s)).isTrue();
    assertThat(all("a > 10", s)).isFalse();
    assertThat(all("a <= 20 and a > 9.5", s)).isTrue();
    assertThat(all("a != 9 and a not in (21, 30)", s)).isTrue();
    assertThat(all("a != 15", s)).isFalse();
    assertThat(all("a is not null", s)).isTrue();
    assertThat(all("a = 10", s)).isFalse();
    assertThat(all("a = 10", longs(10, 10, 5, 0))).isTrue();
    assertThat(all("a in (10, 11)", longs(10, 10, 5, 0))).isTrue();
    Stats withNull = longs(10, 20, 5, 1);
    assertThat(all("a >= 10", withNull)).as("the null row is unknown").isFalse();
    assertThat(all("a >= 10 or a is null", withNull)).isFalse();
    s.nulls.remove(A);
    assertThat(all("a >= 10", s)).as("null count unknown").isFalse();

    Stats x = new Stats();
    x.rows = 3;
    x.nulls.put(X, 0L);
    x.lower.put(X, 1.0);
    x.upper.put(X, 2.0);
    assertThat(all("x > 0.5", x)).as("NaN rows are above 0.5 too").isTrue();
    assertThat(all("x < 3", x)).as("NaN count unknown").isFalse();
    x.nans.put(X, 0L);
    assertThat(all("x < 3", x)).isTrue();
    assertThat(all("x != 'NaN'", x)).isTrue();

    Stats str = new Stats();
    str.rows = 2;
    str.nulls.put(S, 0L);
    str.lower.put(S, "abc");
    str.upper.put(S, "abd");
    assertThat(all("s starts with 'ab'", str)).isTrue();
    assertThat(all("s starts with 'abc'", str)).isFalse();
    assertThat(all("s not starts with 'b'", str)).isTrue();
    assertThat(all("s = 'abc'", str)).isFalse();
    assertThat(all("s < 'abe'", str)).isTrue();
  }

  @Test
  void nullsAndUnknownStatistics() {
    Stats allNull = new Stats();
    allNull.rows = 3;
    allNull.values.put(A, 3L);
    allNull.nulls.put(A, 3L);
    assertThat(might("a is null", allNull)).isTrue();
    assertThat(might("a is not null", allNull)).isFalse();
    assertThat(might("a != 1", allNull)).isFalse();
    assertThat(might("a not in (1)", allNull)).isFalse();
    assertThat(might("not (a = 1)", allNull)).isFalse();

    Stats unknown = new Stats();
    unknown.rows = 3;
    for (String f :
        List.of(
            "a is null",
            "a is not null",
            "a = 1",
            "a < 1",
            "a > 1",
            "x > 1",
            "x = 'NaN'",
            "s starts with 'q'",
            "s not starts with 'q'")) {
      assertThat(might(f, unknown)).as(f).isTrue();
    }
    Stats empty = new Stats();
    assertThat(might("a is null or a is not null", empty)).as("no rows").isFalse();
  }

  @Test
  void nanIsOutsideTheBoundsAndAboveEveryNumber() {
    Stats s = new Stats();
    s.rows = 4;
    s.values.put(X, 4L);
    s.nulls.put(X, 0L);
    s.lower.put(X, 1.0);
    s.upper.put(X, 2.0);
    s.nans.put(X, 1L);
    assertThat(might("x > 5", s)).as("the NaN row is above 5").isTrue();
    assertThat(might("x >= 5", s)).isTrue();
    assertThat(might("x = 'NaN'", s)).isTrue();
    assertThat(might("x in (7, 'NaN')", s)).isTrue();
    assertThat(might("x < 1", s)).as("NaN is never below").isFalse();
    assertThat(might("x = 5", s)).isFalse();
    s.nans.put(X, 0L);
    assertThat(might("x > 5", s)).isFalse();
    assertThat(might("x = 'NaN'", s)).isFalse();
    s.nans.remove(X);
    assertThat(might("x > 5", s)).as("NaN count unknown").isTrue();
    assertThat(might("x = 'NaN'", s)).isTrue();
    // a bound that is NaN itself (old writers) is ignored
    s.nans.put(X, 0L);
    s.upper.put(X, Double.NaN);
    assertThat(might("x > 5", s)).isTrue();
    s.lower.put(X, Double.NaN);
    assertThat(might("x < 0", s)).isTrue();
    // -0.0 equals 0.0
    s.lower.put(X, 0.0);
    s.upper.put(X, 0.0);
    assertThat(might("x = -0.0", s)).isTrue();
    assertThat(might("x < 0", s)).isFalse();
  }

  @Test
  void truncatedStringBounds() {
    // values "abcdef" .. "abzzzz" truncated to 3 code points: lower "abc", upper "ac{" ("abz" + 1)
    Stats s = new Stats();
    s.rows = 2;
    s.values.put(S, 2L);
    s.nulls.put(S, 0L);
    s.lower.put(S, "abc");
    s.upper.put(S, "ac");
    assertThat(might("s = 'abcdef'", s)).isTrue();
    assertThat(might("s > 'abzzzz'", s)).as("upper bound above the real maximum").isTrue();
    assertThat(might("s >= 'ac'", s)).isTrue();
    assertThat(might("s > 'ac'", s)).isFalse();
    assertThat(might("s < 'abc'", s)).isFalse();
    assertThat(might("s starts with 'ab'", s)).isTrue();
    assertThat(might("s starts with 'abd'", s)).isTrue();
    assertThat(might("s starts with 'abb'", s)).isFalse();
    assertThat(might("s starts with 'ad'", s)).isFalse();
    assertThat(might("s starts with 'a'", s)).isTrue();
    assertThat(might("s starts with ''", s)).isTrue();
    assertThat(might("s not starts with 'a'", s)).as("both bounds start with 'a'").isFalse();
    assertThat(might("s not starts with 'ab'", s)).as("upper 'ac' does not").isTrue();
    assertThat(might("s not starts with ''", s)).isFalse();
    s.lower.put(S, "ab");
    assertThat(might("s starts with 'abc'", s)).as("a short lower bound is a prefix").isTrue();
  }

  // ------------------------------------------------------------------ randomized

  @Test
  void randomizedNeverPrunesRowsThatMatch() {
    long seed = System.nanoTime();
    System.out.println("MetricsEvaluatorTest seed " + seed);
    Random rnd = new Random(seed);
    int pruned = 0;
    int allMatch = 0;
    for (int iter = 0; iter < 20_000; iter++) {
      List<Row> rows = new ArrayList<>();
      int n = 1 + rnd.nextInt(6);
      for (int i = 0; i < n; i++) {
        rows.add(Row.of(SCHEMA.asStruct(), randomLong(rnd), randomDouble(rnd), randomString(rnd)));
      }
      Stats stats = stats(rows, rnd);
      Expression e = randomExpression(rnd, 3);
      BoundExpr bound = Binder.bind(SCHEMA, e);
      RowFilter filter = RowFilter.of(bound, SCHEMA.asStruct());
      boolean anyMatch = rows.stream().anyMatch(filter::matches);
      boolean might = MetricsEvaluator.mightMatch(bound, stats);
      if (anyMatch && !might) {
        throw new AssertionError("seed " + seed + ": pruned rows " + rows + " that match " + e);
      }
      if (!might) {
        pruned++;
      }
      boolean all = StrictMetricsEvaluator.allMatch(bound, stats);
      if (all && !rows.stream().allMatch(filter::matches)) {
        throw new AssertionError(
            "seed " + seed + ": strict evaluator claims all of " + rows + " match " + e);
      }
      if (all) {
        allMatch++;
      }
    }
    assertThat(pruned).as("the evaluator prunes something").isGreaterThan(1000);
    assertThat(allMatch).as("the strict evaluator proves something").isGreaterThan(500);
  }

  static Long randomLong(Random r) {
    return r.nextInt(5) == 0 ? null : (long) (r.nextInt(21) - 10);
  }

  static final double[] DOUBLES = {
    Double.NaN,
    -0.0,
    0.0,
    1.5,
    -2.5,
    3.0,
    Double.POSITIVE_INFINITY,
    Double.NEGATIVE_INFINITY,
    1e-300,
    7.0
  };

  static Double randomDouble(Random r) {
    return r.nextInt(5) == 0 ? null : DOUBLES[r.nextInt(DOUBLES.length)];
  }

  static final String[] ALPHABET = {
    "a", "b", "z", "\u00e9", "\uFFFD", new String(Character.toChars(0x1F600))
  };

  static String randomString(Random r) {
    if (r.nextInt(5) == 0) {
      return null;
    }
    StringBuilder sb = new StringBuilder();
    int len = r.nextInt(6);
    for (int i = 0; i < len; i++) {
      sb.append(ALPHABET[r.nextInt(ALPHABET.length)]);
    }
    return sb.toString();
  }

  /**
   * Statistics as a writer records them (NaN outside the bounds, strings truncated to 2 code
   * points), some left unknown.
   */
  static Stats stats(List<Row> rows, Random rnd) {
    Stats s = new Stats();
    s.rows = rows.size();
    for (int id : new int[] {A, X, S}) {
      int pos = SCHEMA.asStruct().position(SCHEMA.findField(id).name());
      long nulls = 0;
      long nans = 0;
      Object lo = null;
      Object hi = null;
      for (Row r : rows) {
        Object v = r.get(pos);
        if (v == null) {
          nulls++;
        } else if (Comparisons.isNaN(v)) {
          nans++;
        } else {
          Type t = SCHEMA.findField(id).type();
          if (lo == null || Comparisons.compare(t, v, lo) < 0) {
            lo = v;
          }
          if (hi == null || Comparisons.compare(t, v, hi) > 0) {
            hi = v;
          }
        }
      }
      if (rnd.nextInt(8) != 0) {
        s.values.put(id, (long) rows.size());
      }
      if (rnd.nextInt(8) != 0) {
        s.nulls.put(id, nulls);
      }
      if (id == X && rnd.nextInt(8) != 0) {
        s.nans.put(id, nans);
      }
      if (lo != null && rnd.nextInt(8) != 0) {
        s.lower.put(id, id == S ? truncateLower((String) lo) : lo);
      }
      if (hi != null && rnd.nextInt(8) != 0) {
        Object up = id == S ? truncateUpper((String) hi) : hi;
        if (up != null) {
          s.upper.put(id, up);
        }
      }
    }
    return s;
  }

  static String truncateLower(String s) {
    return s.codePointCount(0, s.length()) <= 2 ? s : s.substring(0, s.offsetByCodePoints(0, 2));
  }

  static String truncateUpper(String s) {
    if (s.codePointCount(0, s.length()) <= 2) {
      return s;
    }
    int[] cps = truncateLower(s).codePoints().toArray();
    for (int i = cps.length - 1; i >= 0; i--) {
      int next = cps[i] + 1;
      if (next == 0xD800) {
        next = 0xE000;
      }
      if (next <= Character.MAX_CODE_POINT) {
        cps[i] = next;
        return new String(cps, 0, i + 1);
      }
    }
    return null;
  }

  static Expression randomExpression(Random r, int depth) {
    int k = depth == 0 ? 3 + r.nextInt(3) : r.nextInt(6);
    switch (k) {
      case 0:
        return Expressions.and(randomExpression(r, depth - 1), randomExpression(r, depth - 1));
      case 1:
        return Expressions.or(randomExpression(r, depth - 1), randomExpression(r, depth - 1));
      case 2:
        return Expressions.not(randomExpression(r, depth - 1));
      default:
        return randomPredicate(r);
    }
  }

  static Expression randomPredicate(Random r) {
    int col = r.nextInt(3);
    String name = col == 0 ? "a" : col == 1 ? "x" : "s";
    int op = r.nextInt(col == 2 ? 12 : 10);
    if (op == 8) {
      return Expressions.isNull(name);
    }
    if (op == 9) {
      return Expressions.notNull(name);
    }
    if (op >= 10) {
      String prefix = randomString(r);
      prefix = prefix == null ? "" : prefix.substring(0, Math.min(prefix.length(), r.nextInt(3)));
      if (Character.isHighSurrogate(prefix.isEmpty() ? 'a' : prefix.charAt(prefix.length() - 1))) {
        prefix = prefix.substring(0, prefix.length() - 1);
      }
      return op == 10
          ? Expressions.startsWith(name, prefix)
          : Expressions.notStartsWith(name, prefix);
    }
    Object v = literal(r, col);
    switch (op) {
      case 0:
        return Expressions.equal(name, v);
      case 1:
        return Expressions.notEqual(name, v);
      case 2:
        return Expressions.lessThan(name, v);
      case 3:
        return Expressions.lessThanOrEqual(name, v);
      case 4:
        return Expressions.greaterThan(name, v);
      case 5:
        return Expressions.greaterThanOrEqual(name, v);
      case 6:
        return Expressions.in(name, v, literal(r, col));
      default:
        return Expressions.notIn(name, v, literal(r, col));
    }
  }

  static Object literal(Random r, int col) {
    switch (col) {
      case 0:
        return r.nextInt(4) == 0
            ? (r.nextInt(25) - 12) + 0.5
            : (Object) (long) (r.nextInt(25) - 12);
      case 1:
        return DOUBLES[r.nextInt(DOUBLES.length)];
      default:
        {
          String s = randomString(r);
          return s == null ? "" : s;
        }
    }
  }
}
