package io.datashard.internal.expr;

import io.datashard.Expression;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Locale;
import java.util.Set;

/** Writes an {@link Expression} in the text form that {@link ExpressionParser} reads. */
public final class ExpressionText {
  private ExpressionText() {}

  static final Set<String> KEYWORDS =
      Set.of("and", "or", "not", "in", "is", "null", "true", "false", "starts", "with", "like");

  public static String format(Expression e) {
    StringBuilder sb = new StringBuilder();
    write(e, sb, true);
    return sb.toString();
  }

  private static void write(Expression e, StringBuilder sb, boolean top) {
    switch (e.operation()) {
      case TRUE:
        sb.append("true");
        return;
      case FALSE:
        sb.append("false");
        return;
      case AND:
      case OR:
        {
          if (!top) {
            sb.append('(');
          }
          write(e.children().get(0), sb, false);
          sb.append(e.operation() == Expression.Operation.AND ? " and " : " or ");
          write(e.children().get(1), sb, false);
          if (!top) {
            sb.append(')');
          }
          return;
        }
      case NOT:
        sb.append("not ");
        write(e.children().get(0), sb, false);
        return;
      default:
        break;
    }
    sb.append(column(e.column()));
    switch (e.operation()) {
      case IS_NULL:
        sb.append(" is null");
        return;
      case NOT_NULL:
        sb.append(" is not null");
        return;
      case IN:
      case NOT_IN:
        {
          sb.append(e.operation() == Expression.Operation.IN ? " in (" : " not in (");
          for (int i = 0; i < e.values().size(); i++) {
            if (i > 0) {
              sb.append(", ");
            }
            sb.append(literal(e.values().get(i)));
          }
          sb.append(')');
          return;
        }
      case STARTS_WITH:
        sb.append(" starts with ").append(literal(e.values().get(0)));
        return;
      case NOT_STARTS_WITH:
        sb.append(" not starts with ").append(literal(e.values().get(0)));
        return;
      default:
        sb.append(' ').append(symbol(e.operation())).append(' ').append(literal(e.values().get(0)));
    }
  }

  static String symbol(Expression.Operation op) {
    switch (op) {
      case EQ:
        return "=";
      case NOT_EQ:
        return "!=";
      case LT:
        return "<";
      case LT_EQ:
        return "<=";
      case GT:
        return ">";
      case GT_EQ:
        return ">=";
      case IN:
        return "in";
      case NOT_IN:
        return "not in";
      case IS_NULL:
        return "is null";
      case NOT_NULL:
        return "is not null";
      case STARTS_WITH:
        return "starts with";
      case NOT_STARTS_WITH:
        return "not starts with";
      default:
        return op.name().toLowerCase(Locale.ROOT);
    }
  }

  static String column(String name) {
    if (name.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*")
        && !KEYWORDS.contains(name.toLowerCase(Locale.ROOT))) {
      return name;
    }
    return '"' + name.replace("\"", "\"\"") + '"';
  }

  static String literal(Object v) {
    if (v instanceof Boolean) {
      return v.toString();
    }
    if (v instanceof Integer
        || v instanceof Long
        || v instanceof Short
        || v instanceof Byte
        || v instanceof BigInteger) {
      return v.toString();
    }
    if (v instanceof BigDecimal) {
      return ((BigDecimal) v).toPlainString();
    }
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        return "'" + v + "'";
      }
      return v.toString();
    }
    return "'" + String.valueOf(v).replace("'", "''") + "'";
  }
}
