package io.datashard.internal.orc;

import io.datashard.Row;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.internal.Rows;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.orc.TypeDescription;
import org.apache.orc.storage.ql.exec.vector.BytesColumnVector;
import org.apache.orc.storage.ql.exec.vector.ColumnVector;
import org.apache.orc.storage.ql.exec.vector.DecimalColumnVector;
import org.apache.orc.storage.ql.exec.vector.DoubleColumnVector;
import org.apache.orc.storage.ql.exec.vector.ListColumnVector;
import org.apache.orc.storage.ql.exec.vector.LongColumnVector;
import org.apache.orc.storage.ql.exec.vector.MapColumnVector;
import org.apache.orc.storage.ql.exec.vector.StructColumnVector;
import org.apache.orc.storage.ql.exec.vector.TimestampColumnVector;

/**
 * How to turn an ORC file's column vectors into values of a target Iceberg type: struct fields
 * matched by {@code iceberg.id} (by name when the file has no ids), types checked once against the
 * file's (with the promotions int to long, float to double, decimal precision widening).
 */
final class OrcReadPlan {
  private static final LocalDateTime EPOCH = LocalDateTime.of(1970, 1, 1, 0, 0);

  private final Type target;
  private final TypeDescription file;
  private final int[] positions;
  private final OrcReadPlan[] children;

  private OrcReadPlan(Type target, TypeDescription file, int[] positions, OrcReadPlan[] children) {
    this.target = target;
    this.file = file;
    this.positions = positions;
    this.children = children;
  }

  /** Thrown when the file's type of a column cannot be read as the table's type. */
  static final class Mismatch extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Mismatch(String message) {
      super(message);
    }
  }

  static OrcReadPlan of(Types.StructType target, TypeDescription file) {
    return build(target, file, "");
  }

  /** The file columns to read: those the plan uses (and the root). */
  boolean[] include(TypeDescription root) {
    boolean[] include = new boolean[root.getMaximumId() + 1];
    include[0] = true;
    for (int i = 0; i < positions.length; i++) {
      if (positions[i] >= 0) {
        TypeDescription c = root.getChildren().get(positions[i]);
        Arrays.fill(include, c.getId(), c.getMaximumId() + 1, true);
      }
    }
    return include;
  }

  private static OrcReadPlan build(Type target, TypeDescription file, String name) {
    TypeDescription.Category c = file.getCategory();
    switch (target.typeId()) {
      case STRUCT:
        {
          expect(c == TypeDescription.Category.STRUCT, target, file, name);
          List<Types.NestedField> fields = target.asStruct().fields();
          List<TypeDescription> kids = file.getChildren();
          boolean byId = kids.stream().anyMatch(k -> OrcSchemas.id(k) != null);
          int[] pos = new int[fields.size()];
          OrcReadPlan[] plans = new OrcReadPlan[fields.size()];
          for (int i = 0; i < fields.size(); i++) {
            Types.NestedField t = fields.get(i);
            pos[i] = -1;
            for (int j = 0; j < kids.size(); j++) {
              boolean match =
                  byId
                      ? Integer.valueOf(t.id()).equals(OrcSchemas.id(kids.get(j)))
                      : file.getFieldNames().get(j).equals(t.name());
              if (match) {
                pos[i] = j;
                plans[i] =
                    build(t.type(), kids.get(j), name.isEmpty() ? t.name() : name + "." + t.name());
                break;
              }
            }
          }
          return new OrcReadPlan(target, file, pos, plans);
        }
      case LIST:
        expect(c == TypeDescription.Category.LIST, target, file, name);
        return new OrcReadPlan(
            target,
            file,
            null,
            new OrcReadPlan[] {
              build(target.asList().elementType(), file.getChildren().get(0), name + ".element")
            });
      case MAP:
        expect(c == TypeDescription.Category.MAP, target, file, name);
        return new OrcReadPlan(
            target,
            file,
            null,
            new OrcReadPlan[] {
              build(target.asMap().keyType(), file.getChildren().get(0), name + ".key"),
              build(target.asMap().valueType(), file.getChildren().get(1), name + ".value")
            });
      default:
        expect(fits(target, file), target, file, name);
        return new OrcReadPlan(target, file, null, null);
    }
  }

  private static boolean fits(Type target, TypeDescription file) {
    TypeDescription.Category c = file.getCategory();
    boolean integral =
        c == TypeDescription.Category.BYTE
            || c == TypeDescription.Category.SHORT
            || c == TypeDescription.Category.INT;
    switch (target.typeId()) {
      case BOOLEAN:
        return c == TypeDescription.Category.BOOLEAN;
      case INTEGER:
        return integral;
      case LONG:
        return integral
            || c == TypeDescription.Category.LONG
                && !"TIME".equals(file.getAttributeValue(OrcSchemas.LONG_TYPE));
      case TIME:
        return c == TypeDescription.Category.LONG
            && "TIME".equals(file.getAttributeValue(OrcSchemas.LONG_TYPE));
      case FLOAT:
        return c == TypeDescription.Category.FLOAT;
      case DOUBLE:
        return c == TypeDescription.Category.FLOAT || c == TypeDescription.Category.DOUBLE;
      case DATE:
        return c == TypeDescription.Category.DATE;
      case TIMESTAMP:
        return c == TypeDescription.Category.TIMESTAMP;
      case TIMESTAMPTZ:
        return c == TypeDescription.Category.TIMESTAMP_INSTANT;
      case STRING:
        return c == TypeDescription.Category.STRING
            || c == TypeDescription.Category.VARCHAR
            || c == TypeDescription.Category.CHAR;
      case UUID:
      case FIXED:
      case BINARY:
        return c == TypeDescription.Category.BINARY;
      case DECIMAL:
        {
          Types.DecimalType d = (Types.DecimalType) target;
          return c == TypeDescription.Category.DECIMAL
              && file.getScale() == d.scale()
              && file.getPrecision() <= d.precision();
        }
      default:
        return false;
    }
  }

  private static void expect(boolean ok, Type target, TypeDescription file, String name) {
    if (!ok) {
      throw new Mismatch(
          "column '" + name + "' is " + file + " in the file, but " + target + " in the table");
    }
  }

  Row row(ColumnVector[] cols, int r) {
    List<Types.NestedField> fields = target.asStruct().fields();
    Object[] values = new Object[fields.size()];
    for (int i = 0; i < values.length; i++) {
      if (positions[i] >= 0) {
        values[i] = children[i].value(cols[positions[i]], r);
      }
    }
    return Rows.wrap(target.asStruct(), values);
  }

  Object value(ColumnVector cv, int row) {
    int r = cv.isRepeating ? 0 : row;
    if (!cv.noNulls && cv.isNull[r]) {
      return null;
    }
    switch (target.typeId()) {
      case STRUCT:
        return row(((StructColumnVector) cv).fields, r);
      case LIST:
        {
          ListColumnVector l = (ListColumnVector) cv;
          int start = (int) l.offsets[r];
          int n = (int) l.lengths[r];
          List<Object> out = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            out.add(children[0].value(l.child, start + i));
          }
          return out;
        }
      case MAP:
        {
          MapColumnVector m = (MapColumnVector) cv;
          int start = (int) m.offsets[r];
          int n = (int) m.lengths[r];
          Map<Object, Object> out = new LinkedHashMap<>();
          for (int i = 0; i < n; i++) {
            out.put(children[0].value(m.keys, start + i), children[1].value(m.values, start + i));
          }
          return out;
        }
      case BOOLEAN:
        return ((LongColumnVector) cv).vector[r] != 0;
      case INTEGER:
        return (int) ((LongColumnVector) cv).vector[r];
      case LONG:
        return ((LongColumnVector) cv).vector[r];
      case DATE:
        return LocalDate.ofEpochDay(((LongColumnVector) cv).vector[r]);
      case TIME:
        return LocalTime.ofNanoOfDay(((LongColumnVector) cv).vector[r] * 1000);
      case FLOAT:
        return (float) ((DoubleColumnVector) cv).vector[r];
      case DOUBLE:
        return file.getCategory() == TypeDescription.Category.FLOAT
            ? (double) (float) ((DoubleColumnVector) cv).vector[r]
            : ((DoubleColumnVector) cv).vector[r];
      case TIMESTAMP:
        return EPOCH.plus(micros((TimestampColumnVector) cv, r), ChronoUnit.MICROS);
      case TIMESTAMPTZ:
        return EPOCH
            .plus(micros((TimestampColumnVector) cv, r), ChronoUnit.MICROS)
            .atOffset(ZoneOffset.UTC);
      case STRING:
        {
          BytesColumnVector b = (BytesColumnVector) cv;
          return new String(b.vector[r], b.start[r], b.length[r], StandardCharsets.UTF_8);
        }
      case UUID:
        {
          ByteBuffer b = bytes((BytesColumnVector) cv, r);
          return new UUID(b.getLong(0), b.getLong(8));
        }
      case FIXED:
      case BINARY:
        return bytes((BytesColumnVector) cv, r);
      case DECIMAL:
        {
          BigDecimal d = ((DecimalColumnVector) cv).vector[r].getHiveDecimal().bigDecimalValue();
          return d.setScale(((Types.DecimalType) target).scale());
        }
      default:
        throw new IllegalArgumentException("Cannot read " + target);
    }
  }

  private static long micros(TimestampColumnVector cv, int r) {
    return Math.floorDiv(cv.time[r], 1000L) * 1_000_000L + cv.nanos[r] / 1000;
  }

  private static ByteBuffer bytes(BytesColumnVector b, int r) {
    return ByteBuffer.wrap(Arrays.copyOfRange(b.vector[r], b.start[r], b.start[r] + b.length[r]));
  }
}
