package io.datashard.internal.expr;

import io.datashard.Expression.Operation;
import io.datashard.Row;
import io.datashard.Type;
import io.datashard.Types;
import java.util.HashSet;
import java.util.NavigableSet;
import java.util.Set;

/**
 * Evaluates a bound filter on rows of one struct type (which must contain the filter's fields,
 * found by field id), with SQL's three-valued logic: {@link #eval} answers TRUE, FALSE or null
 * (unknown). A row matches when the answer is TRUE.
 */
public final class RowFilter {
  private interface Node {
    Boolean eval(Row row);
  }

  private final Node root;

  private RowFilter(Node root) {
    this.root = root;
  }

  /**
   * A filter for rows of {@code rowType}.
   *
   * @throws IllegalArgumentException if the row type lacks a field the filter reads
   */
  public static RowFilter of(BoundExpr expr, Types.StructType rowType) {
    return new RowFilter(compile(expr, rowType));
  }

  /** True when the filter is true for the row. */
  public boolean matches(Row row) {
    return root.eval(row) == Boolean.TRUE;
  }

  /** TRUE, FALSE, or null when the filter is unknown for the row (it compares a null value). */
  public Boolean eval(Row row) {
    return root.eval(row);
  }

  private static Node compile(BoundExpr e, Types.StructType rowType) {
    switch (e.op()) {
      case TRUE:
        return r -> Boolean.TRUE;
      case FALSE:
        return r -> Boolean.FALSE;
      case AND:
        {
          Node a = compile(e.children().get(0), rowType);
          Node b = compile(e.children().get(1), rowType);
          return r -> {
            Boolean x = a.eval(r);
            if (x == Boolean.FALSE) {
              return Boolean.FALSE;
            }
            Boolean y = b.eval(r);
            if (y == Boolean.FALSE) {
              return Boolean.FALSE;
            }
            return x == null || y == null ? null : Boolean.TRUE;
          };
        }
      case OR:
        {
          Node a = compile(e.children().get(0), rowType);
          Node b = compile(e.children().get(1), rowType);
          return r -> {
            Boolean x = a.eval(r);
            if (x == Boolean.TRUE) {
              return Boolean.TRUE;
            }
            Boolean y = b.eval(r);
            if (y == Boolean.TRUE) {
              return Boolean.TRUE;
            }
            return x == null || y == null ? null : Boolean.FALSE;
          };
        }
      default:
        return predicate(e, positions(e, rowType));
    }
  }

  private static int[] positions(BoundExpr e, Types.StructType rowType) {
    int[] pos = new int[e.depth()];
    Types.StructType struct = rowType;
    for (int d = 0; d < pos.length; d++) {
      int id = e.idAt(d);
      int p = -1;
      for (int k = 0; k < struct.fields().size(); k++) {
        if (struct.fields().get(k).id() == id) {
          p = k;
          break;
        }
      }
      if (p < 0) {
        throw new IllegalArgumentException(
            "rows of " + rowType + " lack field " + id + " of filter " + e);
      }
      pos[d] = p;
      Type t = struct.fields().get(p).type();
      struct = t.typeId() == Type.TypeId.STRUCT ? t.asStruct() : null;
    }
    return pos;
  }

  private static Object value(Row row, int[] pos) {
    Object v = row;
    for (int p : pos) {
      if (v == null) {
        return null;
      }
      v = ((Row) v).get(p);
    }
    return v;
  }

  private static Node predicate(BoundExpr e, int[] pos) {
    Type type = e.type();
    Operation op = e.op();
    if (op == Operation.IS_NULL) {
      return r -> value(r, pos) == null;
    }
    if (op == Operation.NOT_NULL) {
      return r -> value(r, pos) != null;
    }
    Object lit = e.literal();
    NavigableSet<Object> set = e.set();
    if (set != null && !set.isEmpty() && hashable(type)) {
      // a long IN list (the ids of a delete): hash lookups, where Java's equality is the type's
      Set<Object> hashed = new HashSet<>(set);
      Class<?> cls = set.first().getClass();
      boolean in = op == Operation.IN;
      return r -> {
        Object v = value(r, pos);
        if (v == null) {
          return null;
        }
        if (v.getClass() != cls) {
          return test(op, type, v, lit, set);
        }
        return hashed.contains(v) == in;
      };
    }
    return r -> {
      Object v = value(r, pos);
      if (v == null) {
        return null;
      }
      return test(op, type, v, lit, set);
    };
  }

  /** Types whose values are equal in Java exactly when they compare equal. */
  private static boolean hashable(Type type) {
    switch (type.typeId()) {
      case INTEGER:
      case LONG:
      case STRING:
        return true;
      default:
        return false;
    }
  }

  /** The predicate on one non-null value. */
  static boolean test(Operation op, Type type, Object v, Object lit, NavigableSet<Object> set) {
    switch (op) {
      case EQ:
        return Comparisons.compare(type, v, lit) == 0;
      case NOT_EQ:
        return Comparisons.compare(type, v, lit) != 0;
      case LT:
        return Comparisons.compare(type, v, lit) < 0;
      case LT_EQ:
        return Comparisons.compare(type, v, lit) <= 0;
      case GT:
        return Comparisons.compare(type, v, lit) > 0;
      case GT_EQ:
        return Comparisons.compare(type, v, lit) >= 0;
      case IN:
        return set.contains(v);
      case NOT_IN:
        return !set.contains(v);
      case STARTS_WITH:
        return ((String) v).startsWith((String) lit);
      case NOT_STARTS_WITH:
        return !((String) v).startsWith((String) lit);
      default:
        throw new IllegalStateException("not a value predicate: " + op);
    }
  }
}
