package io.datashard.internal.expr;

import io.datashard.Expression.Operation;
import io.datashard.Type;
import io.datashard.Types;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NavigableSet;
import java.util.Set;

/**
 * A filter bound to a schema: every predicate knows its field (by id, with the path of ids from the
 * top level) and holds its values converted to the field's type. Bound expressions contain no NOT:
 * binding pushes negations down to the predicates (exact under three-valued logic, see {@link
 * Binder}).
 *
 * <p>Reusable by any code that needs to test rows or file statistics against a filter (scans,
 * deletes).
 */
public final class BoundExpr {
  private final Operation op;
  private final List<BoundExpr> children;
  private final Types.NestedField field;
  private final int[] idPath;
  private final String column;
  private final Object literal;
  private final NavigableSet<Object> set;

  private BoundExpr(
      Operation op,
      List<BoundExpr> children,
      Types.NestedField field,
      int[] idPath,
      String column,
      Object literal,
      NavigableSet<Object> set) {
    this.op = op;
    this.children = children;
    this.field = field;
    this.idPath = idPath;
    this.column = column;
    this.literal = literal;
    this.set = set;
  }

  static final BoundExpr TRUE =
      new BoundExpr(Operation.TRUE, List.of(), null, null, null, null, null);
  static final BoundExpr FALSE =
      new BoundExpr(Operation.FALSE, List.of(), null, null, null, null, null);

  static BoundExpr and(BoundExpr a, BoundExpr b) {
    if (a.op == Operation.FALSE || b.op == Operation.FALSE) {
      return FALSE;
    }
    if (a.op == Operation.TRUE) {
      return b;
    }
    if (b.op == Operation.TRUE) {
      return a;
    }
    return new BoundExpr(Operation.AND, List.of(a, b), null, null, null, null, null);
  }

  static BoundExpr or(BoundExpr a, BoundExpr b) {
    if (a.op == Operation.TRUE || b.op == Operation.TRUE) {
      return TRUE;
    }
    if (a.op == Operation.FALSE) {
      return b;
    }
    if (b.op == Operation.FALSE) {
      return a;
    }
    return new BoundExpr(Operation.OR, List.of(a, b), null, null, null, null, null);
  }

  static BoundExpr predicate(
      Operation op,
      Types.NestedField field,
      int[] idPath,
      String column,
      Object literal,
      NavigableSet<Object> set) {
    return new BoundExpr(
        op,
        List.of(),
        field,
        idPath,
        column,
        literal,
        set == null ? null : Collections.unmodifiableNavigableSet(set));
  }

  /** The operation (never NOT). */
  public Operation op() {
    return op;
  }

  /** The two operands of AND and OR. */
  public List<BoundExpr> children() {
    return children;
  }

  /** The field a predicate tests. */
  public Types.NestedField field() {
    return field;
  }

  /** The field's id. */
  public int fieldId() {
    return field.id();
  }

  /** The field's type. */
  public Type type() {
    return field.type();
  }

  /** Field ids from the top-level column down to the field (length 1 for a top-level column). */
  public int[] idPath() {
    return idPath.clone();
  }

  int idAt(int depth) {
    return idPath[depth];
  }

  int depth() {
    return idPath.length;
  }

  /** The column as written in the filter. */
  public String column() {
    return column;
  }

  /**
   * The value of a comparison or starts-with, converted to the field's type (or an exact BigDecimal
   * for int and long).
   */
  public Object literal() {
    return literal;
  }

  /** The values of IN and NOT_IN, ordered by {@link Comparisons#compare}. */
  public NavigableSet<Object> set() {
    return set;
  }

  /** True for TRUE and FALSE. */
  public boolean isConstant() {
    return op == Operation.TRUE || op == Operation.FALSE;
  }

  /** The top-level field ids this expression reads. */
  public Set<Integer> topLevelIds() {
    Set<Integer> out = new LinkedHashSet<>();
    collect(out);
    return out;
  }

  private void collect(Set<Integer> out) {
    if (idPath != null) {
      out.add(idPath[0]);
    }
    for (BoundExpr c : children) {
      c.collect(out);
    }
  }

  @Override
  public String toString() {
    switch (op) {
      case TRUE:
        return "true";
      case FALSE:
        return "false";
      case AND:
        return "(" + children.get(0) + " and " + children.get(1) + ")";
      case OR:
        return "(" + children.get(0) + " or " + children.get(1) + ")";
      case IS_NULL:
      case NOT_NULL:
        return ExpressionText.column(column) + " " + ExpressionText.symbol(op);
      case IN:
      case NOT_IN:
        return ExpressionText.column(column) + " " + ExpressionText.symbol(op) + " " + set;
      default:
        return ExpressionText.column(column)
            + " "
            + ExpressionText.symbol(op)
            + " "
            + ExpressionText.literal(literal);
    }
  }
}
