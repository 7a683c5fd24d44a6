package io.datashard.internal.expr;

import static io.datashard.Expressions.and;
import static io.datashard.Expressions.equal;
import static io.datashard.Expressions.greaterThan;
import static io.datashard.Expressions.greaterThanOrEqual;
import static io.datashard.Expressions.in;
import static io.datashard.Expressions.isNull;
import static io.datashard.Expressions.lessThan;
import static io.datashard.Expressions.lessThanOrEqual;
import static io.datashard.Expressions.not;
import static io.datashard.Expressions.notEqual;
import static io.datashard.Expressions.notIn;
import static io.datashard.Expressions.notNull;
import static io.datashard.Expressions.notStartsWith;
import static io.datashard.Expressions.or;
import static io.datashard.Expressions.startsWith;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.Expression;
import io.datashard.Expressions;
import io.datashard.ValidationException;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The text form of filters: what parses to what, precedence, round trips, and clear errors. */
class ExpressionParserTest {

  private static Expression p(String s) {
    return Expressions.parse(s);
  }

  @Test
  void comparisonsAndLiterals() {
    assertThat(p("score > 0.5")).isEqualTo(greaterThan("score", new BigDecimal("0.5")));
    assertThat(p("id = 7")).isEqualTo(equal("id", 7L));
    assertThat(p("id == -7")).isEqualTo(equal("id", -7L));
    assertThat(p("id != 7")).isEqualTo(notEqual("id", 7L));
    assertThat(p("id <> 7")).isEqualTo(notEqual("id", 7L));
    assertThat(p("id < 1e3")).isEqualTo(lessThan("id", new BigDecimal("1e3")));
    assertThat(p("id <= 99999999999999999999"))
        .isEqualTo(lessThanOrEqual("id", new BigDecimal("99999999999999999999")));
    assertThat(p("id >= .5")).isEqualTo(greaterThanOrEqual("id", new BigDecimal(".5")));
    assertThat(p("tag = 'x'")).isEqualTo(equal("tag", "x"));
    assertThat(p("tag = 'it''s'")).isEqualTo(equal("tag", "it's"));
    assertThat(p("tag = ''")).isEqualTo(equal("tag", ""));
    assertThat(p("ok = TRUE")).isEqualTo(equal("ok", true));
    assertThat(p("ok = false")).isEqualTo(equal("ok", false));
    assertThat(p("ts >= '2026-01-31T10:00:00Z'"))
        .isEqualTo(greaterThanOrEqual("ts", "2026-01-31T10:00:00Z"));
  }

  @Test
  void setsNullsAndPrefixes() {
    assertThat(p("tag in ('a', 'b')")).isEqualTo(in("tag", "a", "b"));
    assertThat(p("id NOT IN (1,2 , 3)")).isEqualTo(notIn("id", 1L, 2L, 3L));
    assertThat(p("tag is null")).isEqualTo(isNull("tag"));
    assertThat(p("tag IS NOT NULL")).isEqualTo(notNull("tag"));
    assertThat(p("tag starts with 'ab'")).isEqualTo(startsWith("tag", "ab"));
    assertThat(p("tag not starts with 'ab'")).isEqualTo(notStartsWith("tag", "ab"));
    assertThat(p("tag like 'ab%'")).isEqualTo(startsWith("tag", "ab"));
    assertThat(p("tag not like 'ab%'")).isEqualTo(notStartsWith("tag", "ab"));
    assertThat(p("tag like '%'")).isEqualTo(startsWith("tag", ""));
  }

  @Test
  void precedenceParenthesesAndNot() {
    Expression a = equal("a", 1L);
    Expression b = equal("b", 2L);
    Expression c = equal("c", 3L);
    assertThat(p("a = 1 or b = 2 and c = 3")).isEqualTo(or(a, and(b, c)));
    assertThat(p("(a = 1 or b = 2) and c = 3")).isEqualTo(and(or(a, b), c));
    assertThat(p("not a = 1 and b = 2")).isEqualTo(and(not(a), b));
    assertThat(p("not (a = 1 and b = 2)")).isEqualTo(not(and(a, b)));
    assertThat(p("a = 1 and b = 2 and c = 3")).isEqualTo(and(and(a, b), c));
    assertThat(p("true")).isEqualTo(Expressions.alwaysTrue());
    assertThat(p("not false")).isEqualTo(not(Expressions.alwaysFalse()));
  }

  @Test
  void columnNames() {
    assertThat(p("point.x > 1")).isEqualTo(greaterThan("point.x", 1L));
    assertThat(p("\"my col\" = 1")).isEqualTo(equal("my col", 1L));
    assertThat(p("\"in\" = 1")).isEqualTo(equal("in", 1L));
    assertThat(p("\"say \"\"hi\"\"\" = 1")).isEqualTo(equal("say \"hi\"", 1L));
    assertThat(p("_x1 = 1")).isEqualTo(equal("_x1", 1L));
  }

  @Test
  void textFormRoundTrips() {
    Expression e =
        or(
            and(greaterThan("score", 0.5), in("tag", "a", "it's")),
            not(or(isNull("my col"), notStartsWith("in", "p"))));
    assertThat(p(e.toString())).isEqualTo(p(p(e.toString()).toString()));
    assertThat(e.toString())
        .isEqualTo(
            "(score > 0.5 and tag in ('a', 'it''s')) or not (\"my col\" is null or "
                + "\"in\" not starts with 'p')");
    assertThat(p(e.toString()).toString()).isEqualTo(e.toString());
    assertThat(equal("d", Double.NaN).toString()).isEqualTo("d = 'NaN'");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "score >| expected a value| position 8",
        "score 0.5| expected an operator| position 7",
        "> 3| expected a column name| position 1",
        "a = 1 and| expected a column name| position 10",
        "a = 1 b = 2| expected 'and', 'or' or the end| position 7",
        "(a = 1| expected ')'| position 7",
        "a = 1)| expected 'and', 'or' or the end| position 6",
        "a in ()| at least one value| position 7",
        "a in (1, 2| expected ',' or ')'| position 11",
        "a in 1| expected '('| position 6",
        "a is 1| expected 'null'| position 6",
        "a = null| is null| position 5",
        "a != null| is not null| position 6",
        "a in (1, null)| cannot be in an 'in' list| position 10",
        "a starts 'x'| expected 'with'| position 10",
        "a starts with 1| quoted prefix| position 15",
        "a like 'a%b'| only a prefix pattern| position 8",
        "a like 'a_%'| only a prefix pattern| position 8",
        "a not = 1| expected 'in', 'starts with' or 'like'| position 7",
        "a = 'open| is not closed| position 5",
        "a = 2026-01-01| quote it ('2026-01-01')| position 5",
        "a = 12ab| not a number| position 5",
        "a = b| expected a value| position 5",
        "a ! 1| unexpected character '!'| position 3",
        "and = 1| expected a column name| position 1",
      })
  void badInputIsRefusedWithPositionAndHint(String text, String expected, String position) {
    assertThatThrownBy(() -> p(text))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining(expected)
        .hasMessageContaining(position)
        .hasMessageContaining(text);
  }

  @Test
  void emptyAndNullValues() {
    assertThatThrownBy(() -> p("  "))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> equal("a", null))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("isNull");
    assertThatThrownBy(() -> in("a", 1, null))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("isNull");
    assertThatThrownBy(() -> equal("", 1))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("column's name");
  }
}
