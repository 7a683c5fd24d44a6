package io.datashard.internal.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.Expression;
import io.datashard.Expressions;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.ValidationException;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Binding filters to a schema, and evaluating them on rows with three-valued logic. */
class RowFilterTest {
  static final Schema SCHEMA =
      Schema.parse(
          "id long not null, n int, x double, f float, s string, d date, "
              + "ts timestamptz, amount decimal(9,2), ok boolean, emb list<float>, p struct<a: int, b: string>");

  private static Row row(Object... values) {
    return Row.of(SCHEMA.asStruct(), values);
  }

  /** A row with only column {@code name} set. */
  private static Row with(String name, Object v) {
    Object[] values = new Object[SCHEMA.columns().size()];
    values[0] = 0L;
    values[SCHEMA.asStruct().position(name)] = v;
    return row(values);
  }

  private static Boolean eval(String filter, Row r) {
    return RowFilter.of(Binder.bind(SCHEMA, Expressions.parse(filter)), SCHEMA.asStruct()).eval(r);
  }

  @Test
  void comparisonsOnNullAreUnknownAndNotOfUnknownStaysUnknown() {
    Row nullN = with("n", null);
    for (String f :
        List.of(
            "n = 1",
            "n != 1",
            "n < 1",
            "n <= 1",
            "n > 1",
            "n >= 1",
            "n in (1, 2)",
            "n not in (1, 2)")) {
      assertThat(eval(f, nullN)).as(f).isNull();
      assertThat(eval("not (" + f + ")", nullN)).as("not " + f).isNull();
    }
    assertThat(eval("s starts with 'a'", with("s", null))).isNull();
    assertThat(eval("s not starts with 'a'", with("s", null))).isNull();
    assertThat(eval("n is null", nullN)).isTrue();
    assertThat(eval("n is not null", nullN)).isFalse();
    assertThat(eval("not n is null", nullN)).isFalse();
  }

  @Test
  void kleeneTruthTablesForAndOr() {
    // a: n = 1 (true for 1, false for 2, unknown for null); b: s = 'x'
    Object[] ns = {1, 2, null};
    Object[] ss = {"x", "y", null};
    Boolean[] truth = {true, false, null};
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        Row r = row(0L, ns[i], null, null, ss[j], null, null, null, null, null, null);
        Boolean a = truth[i];
        Boolean b = truth[j];
        assertThat(eval("n = 1 and s = 'x'", r)).as("%s and %s", a, b).isEqualTo(and(a, b));
        assertThat(eval("n = 1 or s = 'x'", r)).as("%s or %s", a, b).isEqualTo(or(a, b));
        assertThat(eval("not (n = 1 and s = 'x')", r)).isEqualTo(not(and(a, b)));
        assertThat(eval("not (n = 1 or s = 'x')", r)).isEqualTo(not(or(a, b)));
        assertThat(eval("not n = 1", r)).isEqualTo(not(a));
      }
    }
  }

  private static Boolean and(Boolean a, Boolean b) {
    if (Boolean.FALSE.equals(a) || Boolean.FALSE.equals(b)) {
      return false;
    }
    return a == null || b == null ? null : true;
  }

  private static Boolean or(Boolean a, Boolean b) {
    if (Boolean.TRUE.equals(a) || Boolean.TRUE.equals(b)) {
      return true;
    }
    return a == null || b == null ? null : false;
  }

  private static Boolean not(Boolean a) {
    return a == null ? null : !a;
  }

  @Test
  void everyOperatorOnValues() {
    Row r = with("n", 5);
    assertThat(
            List.of(
                "n = 5",
                "n != 4",
                "n < 6",
                "n <= 5",
                "n > 4",
                "n >= 5",
                "n in (1, 5)",
                "n not in (1, 2)",
                "n is not null",
                "n > 4.5",
                "n < 5.5",
                "n != 5.5",
                "n in (5.0)",
                "n < 99999999999999999999",
                "n > -3000000000"))
        .allSatisfy(f -> assertThat(eval(f, r)).as(f).isTrue());
    assertThat(
            List.of(
                "n = 4",
                "n != 5",
                "n < 5",
                "n <= 4",
                "n > 5",
                "n >= 6",
                "n in (1, 2)",
                "n not in (5)",
                "n is null",
                "n = 5.5",
                "n > 5.5",
                "n >= 5.01",
                "n in (4.5)",
                "n > 99999999999999999999"))
        .allSatisfy(f -> assertThat(eval(f, r)).as(f).isFalse());
    Row s = with("s", "abc");
    assertThat(eval("s starts with 'ab'", s)).isTrue();
    assertThat(eval("s like 'abc%'", s)).isTrue();
    assertThat(eval("s starts with 'abd'", s)).isFalse();
    assertThat(eval("s not starts with 'b'", s)).isTrue();
    assertThat(eval("s < 'abd'", s)).isTrue();
    assertThat(eval("s > 'ab'", s)).isTrue();
    // code point order: U+10000 (a surrogate pair in Java) sorts after U+FFFD
    Row high = with("s", new String(Character.toChars(0x10000)));
    assertThat(eval("s > '\uFFFD'", high)).isTrue();
  }

  @Test
  void valuesAreConvertedByColumnType() {
    assertThat(eval("d = '2026-01-31'", with("d", LocalDate.of(2026, 1, 31)))).isTrue();
    assertThat(eval("d < '2026-02-01'", with("d", LocalDate.of(2026, 1, 31)))).isTrue();
    OffsetDateTime t = OffsetDateTime.of(2026, 1, 31, 10, 0, 0, 0, ZoneOffset.UTC);
    assertThat(eval("ts = '2026-01-31T11:00:00+01:00'", with("ts", t))).isTrue();
    assertThat(eval("ts = '2026-01-31T10:00:00'", with("ts", t))).isTrue();
    assertThat(eval("ts > '2026-01-31'", with("ts", t))).isTrue();
    assertThat(eval("amount = 12.5", with("amount", new BigDecimal("12.50")))).isTrue();
    assertThat(eval("amount > '12.49'", with("amount", new BigDecimal("12.50")))).isTrue();
    assertThat(
            RowFilter.of(Binder.bind(SCHEMA, Expressions.equal("amount", 0.1)), SCHEMA.asStruct())
                .matches(with("amount", new BigDecimal("0.10"))))
        .as("a Java double 0.1 means the decimal 0.1")
        .isTrue();
    assertThat(
            RowFilter.of(Binder.bind(SCHEMA, Expressions.lessThan("n", 2.5f)), SCHEMA.asStruct())
                .matches(with("n", 2)))
        .isTrue();
    assertThat(eval("ok = true", with("ok", true))).isTrue();
    assertThat(eval("f = 0.1", with("f", 0.1f)))
        .as("the value is rounded to the float column's type")
        .isTrue();
    assertThat(eval("x = 0.1", with("x", 0.1))).isTrue();
    assertThat(eval("x > 1e2", with("x", 150.0))).isTrue();
    assertThat(eval("p.a = 3", with("p", Row.of(SCHEMA.findField("p").type().asStruct(), 3, "z"))))
        .isTrue();
    assertThat(eval("p.b = 'z'", with("p", null))).as("a field of a null struct is null").isNull();
    assertThat(eval("emb is null", with("emb", null))).isTrue();
    assertThat(eval("emb is not null", with("emb", List.of(1f)))).isTrue();
  }

  @Test
  void nanIsAboveEveryNumberAndEqualToItselfAndNegativeZeroEqualsZero() {
    Row nan = with("x", Double.NaN);
    assertThat(eval("x > 1e308", nan)).isTrue();
    assertThat(eval("x < 0", nan)).isFalse();
    assertThat(eval("x = 'NaN'", nan)).isTrue();
    assertThat(eval("x != 'NaN'", nan)).isFalse();
    assertThat(eval("not (x <= 5)", nan)).as("not (x <= 5) equals x > 5 for NaN too").isTrue();
    assertThat(eval("x in (1, 'NaN')", nan)).isTrue();
    assertThat(eval("f = 'NaN'", with("f", Float.NaN))).isTrue();
    assertThat(eval("x = 0", with("x", -0.0))).isTrue();
    assertThat(eval("x < 0", with("x", -0.0))).isFalse();
    assertThat(eval("x > '-Infinity'", with("x", -1e300))).isTrue();
  }

  @Test
  void requiredColumnIsNeverNull() {
    assertThat(Binder.bind(SCHEMA, Expressions.isNull("id")).op())
        .isEqualTo(Expression.Operation.FALSE);
    assertThat(Binder.bind(SCHEMA, Expressions.notNull("id")).op())
        .isEqualTo(Expression.Operation.TRUE);
  }

  @Test
  void notIsPushedToThePredicates() {
    BoundExpr b =
        Binder.bind(SCHEMA, Expressions.parse("not (n < 3 or s in ('a') or not x is null)"));
    assertThat(b.toString()).isEqualTo("((n >= 3 and s not in [a]) and x is null)");
  }

  @Test
  void bindingErrorsNameTheProblem() {
    List<String[]> cases =
        new ArrayList<>(
            Arrays.asList(
                new String[] {
                  "nope = 1", "Unknown column 'nope'", "[id, n, x, f, s, d, ts, amount, ok, emb, p]"
                },
                new String[] {"p.zz = 1", "Unknown column 'p.zz'", "parent.child"},
                new String[] {"ID = 1", "Unknown column 'ID'", "case-sensitive"},
                new String[] {"n = 'abc'", "column 'n' (int) with 'abc'", "Write a number"},
                new String[] {"n = true", "column 'n' (int) with true", "Write a number"},
                new String[] {"n = 'NaN'", "column 'n' (int)", "Write a number"},
                new String[] {"s = 5", "column 's' (string) with 5", "Quote text values"},
                new String[] {"d = '2026-13-01'", "column 'd' (date)", "'2026-01-31'"},
                new String[] {
                  "ts < 'yesterday'", "column 'ts' (timestamptz)", "2026-01-31T10:15:30Z"
                },
                new String[] {"ok = 1", "column 'ok' (boolean)", "true or false"},
                new String[] {
                  "n starts with 'a'", "'starts with' applies only to string", "Column 'n' is int"
                },
                new String[] {"emb = 1", "Column 'emb' is list<float>", "is null"},
                new String[] {"p = 1", "Column 'p' is struct", "primitive"}));
    for (String[] c : cases) {
      assertThatThrownBy(() -> Binder.bind(SCHEMA, Expressions.parse(c[0])))
          .as(c[0])
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining(c[1])
          .hasMessageContaining(c[2]);
    }
  }
}
