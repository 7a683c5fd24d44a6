package io.datashard;

import io.datashard.Expression.Operation;
import io.datashard.internal.expr.ExpressionParser;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Builds and parses row filters ({@link Expression}).
 *
 * <pre>{@code
 * Expression e = Expressions.and(Expressions.greaterThan("score", 0.5), Expressions.equal("tag", "x"));
 * Expression same = Expressions.parse("score > 0.5 and tag = 'x'");
 * List<Row> rows = table.scan().filter(e).toList();
 * }</pre>
 *
 * <h2>Meaning</h2>
 *
 * A row is returned when the filter is true for it. A comparison with a null value is neither true
 * nor false but unknown (SQL's three-valued logic): {@code x != 5}, {@code x < 5} and {@code x not
 * in (1, 2)} do not match rows where {@code x} is null, and {@code not} of unknown stays unknown;
 * {@code x is null} finds them. Floating-point values are ordered with NaN above every number and
 * equal to itself, and {@code -0.0} equal to {@code 0.0}. Strings compare by Unicode code point
 * (the order of their UTF-8 bytes).
 *
 * <h2>Values</h2>
 *
 * When a filter is used on a table, each value is converted to its column's type: numbers to the
 * column's numeric type (a float column compares with the value rounded to float; an int or long
 * column compares exactly, so {@code id > 2.5} matches 3 and up), and strings to dates ({@code
 * '2026-01-31'}), times, timestamps ({@code '2026-01-31T10:00:00'}; a timestamptz also takes an
 * offset or {@code Z}, and is UTC without one), decimals, UUIDs, or a float or double ({@code
 * 'NaN'}, {@code 'Infinity'}). Java values of the column's type ({@code LocalDate}, {@code
 * Instant}, {@code BigDecimal}, ...) are taken as they are. A column the table lacks, a value that
 * cannot be converted, or an operator that does not fit the column (such as {@code starts with} on
 * a number, or {@code <} on a list) fails with a {@link ValidationException} naming the problem.
 *
 * <h2>Text form</h2>
 *
 * <pre>
 * expr       := or
 * or         := and ('or' and)*
 * and        := unary ('and' unary)*
 * unary      := 'not' unary | '(' expr ')' | predicate | 'true' | 'false'
 * predicate  := column ('=' | '==' | '!=' | '&lt;&gt;' | '&lt;' | '&lt;=' | '&gt;' | '&gt;=') literal
 *             | column ['not'] 'in' '(' literal (',' literal)* ')'
 *             | column 'is' ['not'] 'null'
 *             | column ['not'] 'starts' 'with' string
 *             | column ['not'] 'like' 'prefix%'
 * literal    := number | string | 'true' | 'false'
 * string     := '...' (a quote inside is written twice: 'it''s')
 * column     := name ('.' name)* | "any text" (double quotes for names with spaces or keywords)
 * </pre>
 *
 * Keywords are case-insensitive; column names are case-sensitive. {@code like} takes only a prefix
 * pattern ending in one {@code %} (it is {@code starts with}); other patterns are refused. Dates,
 * times and timestamps are written as quoted ISO-8601 strings and converted by the column's type.
 * {@code null} is not a value: write {@code x is null}.
 */
public final class Expressions {
  private Expressions() {}

  /**
   * Parses the text form described above.
   *
   * @throws ValidationException if the text is not a valid filter, naming the position and what was
   *     expected
   */
  public static Expression parse(String text) {
    return ExpressionParser.parse(text);
  }

  /** The filter that matches every row. */
  public static Expression alwaysTrue() {
    return Expression.TRUE;
  }

  /** The filter that matches no row. */
  public static Expression alwaysFalse() {
    return Expression.FALSE;
  }

  /** Rows that match every one of the expressions (true when there are none). */
  public static Expression and(Expression first, Expression... more) {
    List<Expression> all = new ArrayList<>();
    all.add(first);
    all.addAll(Arrays.asList(more));
    return and(all);
  }

  /** Rows that match every one of the expressions (true when there are none). */
  public static Expression and(Collection<Expression> expressions) {
    return fold(Operation.AND, expressions, Expression.TRUE);
  }

  /** Rows that match at least one of the expressions (false when there are none). */
  public static Expression or(Expression first, Expression... more) {
    List<Expression> all = new ArrayList<>();
    all.add(first);
    all.addAll(Arrays.asList(more));
    return or(all);
  }

  /** Rows that match at least one of the expressions (false when there are none). */
  public static Expression or(Collection<Expression> expressions) {
    return fold(Operation.OR, expressions, Expression.FALSE);
  }

  private static Expression fold(
      Operation op, Collection<Expression> expressions, Expression empty) {
    Expression result = null;
    for (Expression e : expressions) {
      if (e == null) {
        throw new ValidationException(
            "An "
                + op.name().toLowerCase(Locale.ROOT)
                + " of filters was given a null filter; pass only non-null expressions.");
      }
      result = result == null ? e : Expression.logical(op, List.of(result, e));
    }
    return result == null ? empty : result;
  }

  /**
   * Rows for which the expression is false (rows where it is unknown, because of nulls, do not
   * match).
   */
  public static Expression not(Expression expression) {
    if (expression == null) {
      throw new ValidationException(
          "not(...) was given a null filter; pass a non-null expression.");
    }
    return Expression.logical(Operation.NOT, List.of(expression));
  }

  /** {@code column = value}. */
  public static Expression equal(String column, Object value) {
    return Expression.predicate(Operation.EQ, column, List.of(nonNull(column, value)));
  }

  /** {@code column != value} (rows where the column is null do not match). */
  public static Expression notEqual(String column, Object value) {
    return Expression.predicate(Operation.NOT_EQ, column, List.of(nonNull(column, value)));
  }

  /** {@code column < value}. */
  public static Expression lessThan(String column, Object value) {
    return Expression.predicate(Operation.LT, column, List.of(nonNull(column, value)));
  }

  /** {@code column <= value}. */
  public static Expression lessThanOrEqual(String column, Object value) {
    return Expression.predicate(Operation.LT_EQ, column, List.of(nonNull(column, value)));
  }

  /** {@code column > value}. */
  public static Expression greaterThan(String column, Object value) {
    return Expression.predicate(Operation.GT, column, List.of(nonNull(column, value)));
  }

  /** {@code column >= value}. */
  public static Expression greaterThanOrEqual(String column, Object value) {
    return Expression.predicate(Operation.GT_EQ, column, List.of(nonNull(column, value)));
  }

  /** {@code column in (values)}; matches no row when there are no values. */
  public static Expression in(String column, Object... values) {
    return in(column, Arrays.asList(values));
  }

  /** {@code column in (values)}; matches no row when there are no values. */
  public static Expression in(String column, Collection<?> values) {
    return Expression.predicate(Operation.IN, column, new ArrayList<>(values));
  }

  /** {@code column not in (values)} (rows where the column is null do not match). */
  public static Expression notIn(String column, Object... values) {
    return notIn(column, Arrays.asList(values));
  }

  /** {@code column not in (values)} (rows where the column is null do not match). */
  public static Expression notIn(String column, Collection<?> values) {
    return Expression.predicate(Operation.NOT_IN, column, new ArrayList<>(values));
  }

  /** {@code column is null}. */
  public static Expression isNull(String column) {
    return Expression.predicate(Operation.IS_NULL, column, List.of());
  }

  /** {@code column is not null}. */
  public static Expression notNull(String column) {
    return Expression.predicate(Operation.NOT_NULL, column, List.of());
  }

  /** {@code column starts with prefix}, for string columns. */
  public static Expression startsWith(String column, String prefix) {
    return Expression.predicate(Operation.STARTS_WITH, column, List.of(nonNull(column, prefix)));
  }

  /**
   * {@code column not starts with prefix}, for string columns (rows where the column is null do not
   * match).
   */
  public static Expression notStartsWith(String column, String prefix) {
    return Expression.predicate(
        Operation.NOT_STARTS_WITH, column, List.of(nonNull(column, prefix)));
  }

  private static Object nonNull(String column, Object value) {
    if (value == null) {
      throw new ValidationException(
          "The filter on '"
              + column
              + "' compares with null, which matches no row "
              + "(a comparison with null is unknown). Use Expressions.isNull(\""
              + column
              + "\") or notNull(...) "
              + "instead.");
    }
    return value;
  }
}
