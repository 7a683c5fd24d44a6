package io.datashard;

import io.datashard.internal.expr.ExpressionText;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A filter on the rows of a table: a predicate on one column ({@code score > 0.5}), or {@code and},
 * {@code or} and {@code not} of other expressions. Build one with {@link Expressions} or parse its
 * text form with {@link Expressions#parse(String)}; pass it to {@link Scan#filter(Expression)}.
 *
 * <p>Expressions are immutable values. Column names and literal values are checked against a
 * table's schema only when the expression is used on a table (see {@link Expressions} for the
 * rules), so one expression can be used on several tables.
 *
 * <p>{@link #toString()} gives the text form, which {@link Expressions#parse(String)} reads back.
 */
public final class Expression {

  /** The kind of an expression. */
  public enum Operation {
    /** Matches every row. */
    TRUE,
    /** Matches no row. */
    FALSE,
    /** Both children match. */
    AND,
    /** Either child matches. */
    OR,
    /** The child does not match (and is not unknown). */
    NOT,
    /** {@code column = value}. */
    EQ,
    /** {@code column != value}. */
    NOT_EQ,
    /** {@code column < value}. */
    LT,
    /** {@code column <= value}. */
    LT_EQ,
    /** {@code column > value}. */
    GT,
    /** {@code column >= value}. */
    GT_EQ,
    /** {@code column in (values)}. */
    IN,
    /** {@code column not in (values)}. */
    NOT_IN,
    /** {@code column is null}. */
    IS_NULL,
    /** {@code column is not null}. */
    NOT_NULL,
    /** {@code column starts with 'prefix'} (strings). */
    STARTS_WITH,
    /** {@code column not starts with 'prefix'} (strings). */
    NOT_STARTS_WITH;

    /** True for the operations on one column. */
    public boolean isPredicate() {
      return ordinal() >= EQ.ordinal();
    }
  }

  static final Expression TRUE = new Expression(Operation.TRUE, null, List.of(), List.of());
  static final Expression FALSE = new Expression(Operation.FALSE, null, List.of(), List.of());

  private final Operation operation;
  private final String column;
  private final List<Object> values;
  private final List<Expression> children;

  private Expression(
      Operation operation, String column, List<Object> values, List<Expression> children) {
    this.operation = operation;
    this.column = column;
    this.values = values;
    this.children = children;
  }

  static Expression logical(Operation op, List<Expression> children) {
    for (Expression c : children) {
      Objects.requireNonNull(c, "an expression");
    }
    return new Expression(op, null, List.of(), List.copyOf(children));
  }

  static Expression predicate(Operation op, String column, List<?> values) {
    if (column == null || column.isEmpty()) {
      throw new ValidationException(
          "A filter on a column needs the column's name; got "
              + (column == null ? "null" : "an empty name")
              + ".");
    }
    List<Object> copy = new ArrayList<>(values.size());
    for (Object v : values) {
      if (v == null) {
        throw new ValidationException(
            "The filter on '"
                + column
                + "' compares with null, which matches no row "
                + "(a comparison with null is unknown). Use Expressions.isNull(\""
                + column
                + "\") or "
                + "notNull(...), or in text '"
                + column
                + " is null'.");
      }
      copy.add(v);
    }
    return new Expression(op, column, Collections.unmodifiableList(copy), List.of());
  }

  /** The kind of expression. */
  public Operation operation() {
    return operation;
  }

  /**
   * The column a predicate tests (a dotted path for a field inside a struct), or null for
   * and/or/not/true/false.
   */
  public String column() {
    return column;
  }

  /**
   * The values a predicate compares with, as given (one for comparisons, several for {@code in},
   * none for {@code is null}); they are converted to the column's type when the expression is bound
   * to a table.
   */
  public List<Object> values() {
    return values;
  }

  /** The operands of {@code and}, {@code or} (two) and {@code not} (one); empty for predicates. */
  public List<Expression> children() {
    return children;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Expression)) {
      return false;
    }
    Expression e = (Expression) o;
    return operation == e.operation
        && Objects.equals(column, e.column)
        && values.equals(e.values)
        && children.equals(e.children);
  }

  @Override
  public int hashCode() {
    return Objects.hash(operation, column, values, children);
  }

  /**
   * The text form, for example {@code (score > 0.5 and tag = 'x')}, which {@link Expressions#parse}
   * reads back.
   */
  @Override
  public String toString() {
    return ExpressionText.format(this);
  }
}
