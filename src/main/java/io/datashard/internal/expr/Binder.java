package io.datashard.internal.expr;

import io.datashard.Expression;
import io.datashard.Expression.Operation;
import io.datashard.Schema;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.ValidationException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Binds an {@link Expression} to a schema: resolves column names to fields, converts values to the
 * fields' types, checks that each operator fits its column, and pushes NOT down to the predicates.
 *
 * <p>Pushing NOT down is exact under three-valued logic: {@code not (x < 5)} is {@code x >= 5} for
 * every non-null x (floats order NaN highest, so this holds for NaN too) and unknown for null on
 * both sides; De Morgan's laws hold for Kleene's and/or/not.
 */
public final class Binder {
  private Binder() {}

  /**
   * The bound form of the expression.
   *
   * @throws ValidationException for an unknown column, a value that does not fit its column's type,
   *     or an operator that does not apply to the column
   */
  public static BoundExpr bind(Schema schema, Expression expression) {
    return bind(schema, expression, false);
  }

  private static BoundExpr bind(Schema schema, Expression e, boolean negate) {
    switch (e.operation()) {
      case TRUE:
        return negate ? BoundExpr.FALSE : BoundExpr.TRUE;
      case FALSE:
        return negate ? BoundExpr.TRUE : BoundExpr.FALSE;
      case NOT:
        return bind(schema, e.children().get(0), !negate);
      case AND:
        {
          BoundExpr a = bind(schema, e.children().get(0), negate);
          BoundExpr b = bind(schema, e.children().get(1), negate);
          return negate ? BoundExpr.or(a, b) : BoundExpr.and(a, b);
        }
      case OR:
        {
          BoundExpr a = bind(schema, e.children().get(0), negate);
          BoundExpr b = bind(schema, e.children().get(1), negate);
          return negate ? BoundExpr.and(a, b) : BoundExpr.or(a, b);
        }
      default:
        return predicate(schema, e, negate ? negated(e.operation()) : e.operation());
    }
  }

  static Operation negated(Operation op) {
    switch (op) {
      case EQ:
        return Operation.NOT_EQ;
      case NOT_EQ:
        return Operation.EQ;
      case LT:
        return Operation.GT_EQ;
      case LT_EQ:
        return Operation.GT;
      case GT:
        return Operation.LT_EQ;
      case GT_EQ:
        return Operation.LT;
      case IN:
        return Operation.NOT_IN;
      case NOT_IN:
        return Operation.IN;
      case IS_NULL:
        return Operation.NOT_NULL;
      case NOT_NULL:
        return Operation.IS_NULL;
      case STARTS_WITH:
        return Operation.NOT_STARTS_WITH;
      case NOT_STARTS_WITH:
        return Operation.STARTS_WITH;
      default:
        throw new IllegalArgumentException("not a predicate: " + op);
    }
  }

  private static BoundExpr predicate(Schema schema, Expression e, Operation op) {
    String column = e.column();
    List<Integer> ids = new ArrayList<>();
    Types.NestedField field = resolve(schema, column, ids);
    int[] idPath = ids.stream().mapToInt(Integer::intValue).toArray();
    Type type = field.type();
    if (op == Operation.IS_NULL || op == Operation.NOT_NULL) {
      if (field.isRequired() && allRequired(schema, idPath)) {
        // a required column is never null
        return op == Operation.IS_NULL ? BoundExpr.FALSE : BoundExpr.TRUE;
      }
      return BoundExpr.predicate(op, field, idPath, column, null, null);
    }
    if (type.isNested()) {
      throw new ValidationException(
          "Column '"
              + column
              + "' is "
              + type
              + ": a filter can only compare "
              + "primitive columns (numbers, strings, dates, ...), or test any column with 'is null' / 'is not null'.");
    }
    if ((op == Operation.STARTS_WITH || op == Operation.NOT_STARTS_WITH)
        && type.typeId() != Type.TypeId.STRING) {
      throw new ValidationException(
          "Column '"
              + column
              + "' is "
              + type
              + ": 'starts with' applies only to "
              + "string columns. Compare with =, <, >= ... instead.");
    }
    if (op == Operation.IN || op == Operation.NOT_IN) {
      Comparator<Object> order = Comparisons.comparator(type);
      List<Object> values = new ArrayList<>(e.values().size());
      for (Object v : e.values()) {
        values.add(convert(type, v, column));
      }
      // sorted first: a tree set built from a sorted set takes linear time (long IN lists)
      values.sort(order);
      Object last = null;
      List<Object> distinct = new ArrayList<>(values.size());
      for (Object v : values) {
        if (last == null || order.compare(last, v) != 0) {
          distinct.add(v);
          last = v;
        }
      }
      TreeSet<Object> set = new TreeSet<>(new SortedView(order, distinct));
      if (set.isEmpty() && op == Operation.IN) {
        return BoundExpr.FALSE;
      }
      if (set.isEmpty()) {
        // x not in () is true for every non-null x
        return BoundExpr.predicate(Operation.NOT_NULL, field, idPath, column, null, null);
      }
      return BoundExpr.predicate(op, field, idPath, column, null, set);
    }
    Object value = convert(type, e.values().get(0), column);
    return BoundExpr.predicate(op, field, idPath, column, value, null);
  }

  private static boolean allRequired(Schema schema, int[] idPath) {
    for (int id : idPath) {
      if (!schema.findField(id).isRequired()) {
        return false;
      }
    }
    return true;
  }

  /** The field a column name refers to: a top-level column, or a dotted path through structs. */
  private static Types.NestedField resolve(Schema schema, String column, List<Integer> ids) {
    Types.StructType struct = schema.asStruct();
    Types.NestedField top = struct.field(column);
    if (top != null) {
      ids.add(top.id());
      return top;
    }
    Types.NestedField f = null;
    for (String part : column.split("\\.", -1)) {
      if (struct == null) {
        f = null;
        break;
      }
      f = struct.field(part);
      if (f == null) {
        break;
      }
      ids.add(f.id());
      struct = f.type().typeId() == Type.TypeId.STRUCT ? f.type().asStruct() : null;
    }
    if (f == null) {
      throw new ValidationException(
          "Unknown column '"
              + column
              + "' in the filter: the table's columns are "
              + schema.columnNames()
              + " (fields inside a struct are written as parent.child). Check the spelling; "
              + "names are case-sensitive.");
    }
    return f;
  }

  /**
   * The value converted to the type, or a BigDecimal for int and long columns when it is not a
   * whole number in range.
   */
  static Object convert(Type type, Object v, String column) {
    try {
      Object out = convertOrNull(type, v);
      if (out != null) {
        return out;
      }
    } catch (DateTimeParseException | IllegalArgumentException | ArithmeticException e) {
      // reported below
    }
    throw mismatch(type, v, column);
  }

  private static Object convertOrNull(Type type, Object v) {
    switch (type.typeId()) {
      case BOOLEAN:
        if (v instanceof Boolean) {
          return v;
        }
        if (v instanceof String
            && (((String) v).equalsIgnoreCase("true") || ((String) v).equalsIgnoreCase("false"))) {
          return Boolean.valueOf((String) v);
        }
        return null;
      case INTEGER:
      case LONG:
        {
          // the common case, a long IN list of longs or ints, without going through BigDecimal
          if (v instanceof Long
              || v instanceof Integer
              || v instanceof Short
              || v instanceof Byte) {
            long x = ((Number) v).longValue();
            if (type.typeId() == Type.TypeId.LONG) {
              return x;
            }
            if (x >= Integer.MIN_VALUE && x <= Integer.MAX_VALUE) {
              return (int) x;
            }
          }
          BigDecimal d = number(v);
          if (d == null) {
            return null;
          }
          long min = type.typeId() == Type.TypeId.INTEGER ? Integer.MIN_VALUE : Long.MIN_VALUE;
          long max = type.typeId() == Type.TypeId.INTEGER ? Integer.MAX_VALUE : Long.MAX_VALUE;
          if (d.signum() == 0 || d.stripTrailingZeros().scale() <= 0) {
            BigInteger b = d.toBigIntegerExact();
            if (b.compareTo(BigInteger.valueOf(min)) >= 0
                && b.compareTo(BigInteger.valueOf(max)) <= 0) {
              return type.typeId() == Type.TypeId.INTEGER
                  ? (Object) b.intValue()
                  : (Object) b.longValue();
            }
          }
          return d; // compared exactly
        }
      case FLOAT:
        if (v instanceof Number) {
          return ((Number) v).floatValue();
        }
        if (v instanceof String) {
          return Float.parseFloat(((String) v).trim());
        }
        return null;
      case DOUBLE:
        if (v instanceof Number) {
          return ((Number) v).doubleValue();
        }
        if (v instanceof String) {
          return Double.parseDouble(((String) v).trim());
        }
        return null;
      case DECIMAL:
        return number(v);
      case DATE:
        if (v instanceof LocalDate) {
          return v;
        }
        return v instanceof String ? LocalDate.parse(((String) v).trim()) : null;
      case TIME:
        if (v instanceof LocalTime) {
          return v;
        }
        return v instanceof String ? LocalTime.parse(((String) v).trim()) : null;
      case TIMESTAMP:
        if (v instanceof LocalDateTime) {
          return v;
        }
        if (v instanceof LocalDate) {
          return ((LocalDate) v).atStartOfDay();
        }
        if (v instanceof String) {
          String s = ((String) v).trim().replace(' ', 'T');
          return s.length() == 10 ? LocalDate.parse(s).atStartOfDay() : LocalDateTime.parse(s);
        }
        return null;
      case TIMESTAMPTZ:
        if (v instanceof OffsetDateTime) {
          return ((OffsetDateTime) v).withOffsetSameInstant(ZoneOffset.UTC);
        }
        if (v instanceof Instant) {
          return ((Instant) v).atOffset(ZoneOffset.UTC);
        }
        if (v instanceof ZonedDateTime) {
          return ((ZonedDateTime) v).toOffsetDateTime().withOffsetSameInstant(ZoneOffset.UTC);
        }
        if (v instanceof String) {
          String s = ((String) v).trim().replace(' ', 'T');
          if (s.length() == 10) {
            return LocalDate.parse(s).atStartOfDay().atOffset(ZoneOffset.UTC);
          }
          try {
            return OffsetDateTime.parse(s).withOffsetSameInstant(ZoneOffset.UTC);
          } catch (DateTimeParseException e) {
            return LocalDateTime.parse(s).atOffset(ZoneOffset.UTC);
          }
        }
        return null;
      case STRING:
        return v instanceof CharSequence || v instanceof Character ? v.toString() : null;
      case UUID:
        if (v instanceof UUID) {
          return v;
        }
        return v instanceof String ? UUID.fromString(((String) v).trim()) : null;
      case FIXED:
      case BINARY:
        if (v instanceof ByteBuffer) {
          ByteBuffer src = ((ByteBuffer) v).duplicate();
          ByteBuffer copy = ByteBuffer.allocate(src.remaining());
          copy.put(src).flip();
          return copy;
        }
        if (v instanceof byte[]) {
          return ByteBuffer.wrap(((byte[]) v).clone());
        }
        return null;
      default:
        return null;
    }
  }

  private static BigDecimal number(Object v) {
    if (v instanceof BigDecimal) {
      return (BigDecimal) v;
    }
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      return BigDecimal.valueOf(((Number) v).longValue());
    }
    if (v instanceof BigInteger) {
      return new BigDecimal((BigInteger) v);
    }
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        return null;
      }
      // the shortest decimal that reads back as the same double or float: 0.1 means 0.1, as written
      return v instanceof Float ? new BigDecimal(Float.toString((Float) v)) : BigDecimal.valueOf(d);
    }
    if (v instanceof String) {
      return new BigDecimal(((String) v).trim());
    }
    return null;
  }

  private static ValidationException mismatch(Type type, Object v, String column) {
    String shown = v instanceof String ? "'" + v + "'" : String.valueOf(v);
    if (shown.length() > 60) {
      shown = shown.substring(0, 57) + "...";
    }
    return new ValidationException(
        "The filter compares column '"
            + column
            + "' ("
            + type
            + ") with "
            + shown
            + " ("
            + v.getClass().getSimpleName()
            + "), which is not a "
            + type
            + " value. "
            + hint(type));
  }

  private static String hint(Type type) {
    switch (type.typeId()) {
      case BOOLEAN:
        return "Write true or false.";
      case INTEGER:
      case LONG:
      case DECIMAL:
        return "Write a number, such as 42 or 2.5.";
      case FLOAT:
      case DOUBLE:
        return "Write a number, such as 0.5, or 'NaN'.";
      case DATE:
        return "Write a quoted date, such as '2026-01-31'.";
      case TIME:
        return "Write a quoted time, such as '10:15:30'.";
      case TIMESTAMP:
        return "Write a quoted timestamp, such as '2026-01-31T10:15:30' (no offset: the column has no time zone).";
      case TIMESTAMPTZ:
        return "Write a quoted timestamp, such as '2026-01-31T10:15:30Z' or '2026-01-31T11:15:30+01:00'.";
      case STRING:
        return "Quote text values, such as 'abc'.";
      case UUID:
        return "Write a quoted UUID, such as '123e4567-e89b-12d3-a456-426614174000'.";
      default:
        return "Pass a ByteBuffer or byte[] through the Java API.";
    }
  }

  /**
   * A sorted, distinct list seen as a sorted set, only to build a tree set from it in linear time
   * ({@code new TreeSet<>(SortedSet)} takes that path).
   */
  private static final class SortedView extends java.util.AbstractSet<Object>
      implements java.util.SortedSet<Object> {
    private final Comparator<Object> order;
    private final List<Object> values;

    SortedView(Comparator<Object> order, List<Object> values) {
      this.order = order;
      this.values = values;
    }

    @Override
    public java.util.Iterator<Object> iterator() {
      return values.iterator();
    }

    @Override
    public int size() {
      return values.size();
    }

    @Override
    public Comparator<? super Object> comparator() {
      return order;
    }

    @Override
    public java.util.SortedSet<Object> subSet(Object from, Object to) {
      throw new UnsupportedOperationException();
    }

    @Override
    public java.util.SortedSet<Object> headSet(Object to) {
      throw new UnsupportedOperationException();
    }

    @Override
    public java.util.SortedSet<Object> tailSet(Object from) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Object first() {
      return values.get(0);
    }

    @Override
    public Object last() {
      return values.get(values.size() - 1);
    }
  }
}
