package io.datashard.internal.avro;

import io.datashard.Row;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.internal.Rows;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;

/**
 * How to turn values of an Avro file's schema into values of a target Iceberg type: struct fields
 * matched by {@code field-id} (by name when the file has no ids), primitive types checked once
 * against the file's types (with Iceberg's promotions int to long, float to double).
 */
final class AvroReadPlan {
  private static final LocalDateTime EPOCH = LocalDateTime.of(1970, 1, 1, 0, 0);

  private final Type target;
  private final Schema file; // non-null branch
  private final int[] positions; // struct: file field position per target field, -1 if absent
  private final AvroReadPlan[] children;

  private AvroReadPlan(Type target, Schema file, int[] positions, AvroReadPlan[] children) {
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

  static AvroReadPlan of(Types.StructType target, Schema fileRecord) {
    return build(target, fileRecord, "");
  }

  /**
   * The file's record schema with only the top-level fields {@code target} asks for, as a reader
   * schema: Avro then skips the other fields' bytes instead of building their values.
   */
  static Schema prune(Types.StructType target, Schema fileRecord) {
    if (fileRecord.getType() != Schema.Type.RECORD) {
      return fileRecord;
    }
    boolean byId =
        fileRecord.getFields().stream()
            .anyMatch(f -> f.getObjectProp(AvroSchemas.FIELD_ID) != null);
    List<Schema.Field> kept = new ArrayList<>();
    for (Schema.Field f : fileRecord.getFields()) {
      Integer id = AvroSchemas.intProp(f.getObjectProp(AvroSchemas.FIELD_ID));
      boolean wanted =
          byId ? id != null && target.fieldById(id) != null : target.field(f.name()) != null;
      if (wanted) {
        kept.add(new Schema.Field(f, f.schema()));
      }
    }
    if (kept.size() == fileRecord.getFields().size()) {
      return fileRecord;
    }
    Schema pruned =
        Schema.createRecord(
            fileRecord.getName(), fileRecord.getDoc(), fileRecord.getNamespace(), false, kept);
    fileRecord.getObjectProps().forEach(pruned::addProp);
    return pruned;
  }

  private static AvroReadPlan build(Type target, Schema fileSchema, String name) {
    Schema file = AvroSchemas.nonNull(fileSchema);
    switch (target.typeId()) {
      case STRUCT:
        {
          expect(file.getType() == Schema.Type.RECORD, target, file, name);
          List<Types.NestedField> fields = target.asStruct().fields();
          boolean byId =
              file.getFields().stream()
                  .anyMatch(f -> f.getObjectProp(AvroSchemas.FIELD_ID) != null);
          int[] pos = new int[fields.size()];
          AvroReadPlan[] kids = new AvroReadPlan[fields.size()];
          for (int i = 0; i < fields.size(); i++) {
            Types.NestedField t = fields.get(i);
            pos[i] = -1;
            for (Schema.Field f : file.getFields()) {
              boolean match =
                  byId
                      ? Integer.valueOf(t.id())
                          .equals(AvroSchemas.intProp(f.getObjectProp(AvroSchemas.FIELD_ID)))
                      : f.name().equals(t.name());
              if (match) {
                pos[i] = f.pos();
                String child = name.isEmpty() ? t.name() : name + "." + t.name();
                kids[i] = build(t.type(), f.schema(), child);
                break;
              }
            }
          }
          return new AvroReadPlan(target, file, pos, kids);
        }
      case LIST:
        expect(file.getType() == Schema.Type.ARRAY, target, file, name);
        return new AvroReadPlan(
            target,
            file,
            null,
            new AvroReadPlan[] {
              build(target.asList().elementType(), file.getElementType(), name + ".element")
            });
      case MAP:
        {
          Types.MapType m = target.asMap();
          if (file.getType() == Schema.Type.MAP) {
            expect(m.keyType().typeId() == Type.TypeId.STRING, target, file, name);
            return new AvroReadPlan(
                target,
                file,
                null,
                new AvroReadPlan[] {
                  new AvroReadPlan(Types.STRING, Schema.create(Schema.Type.STRING), null, null),
                  build(m.valueType(), file.getValueType(), name + ".value")
                });
          }
          expect(
              file.getType() == Schema.Type.ARRAY
                  && file.getElementType().getType() == Schema.Type.RECORD
                  && file.getElementType().getFields().size() == 2,
              target,
              file,
              name);
          Schema entry = file.getElementType();
          return new AvroReadPlan(
              target,
              file,
              null,
              new AvroReadPlan[] {
                build(m.keyType(), entry.getFields().get(0).schema(), name + ".key"),
                build(m.valueType(), entry.getFields().get(1).schema(), name + ".value")
              });
        }
      default:
        expect(primitiveFits(target, file), target, file, name);
        return new AvroReadPlan(target, file, null, null);
    }
  }

  private static boolean primitiveFits(Type target, Schema file) {
    Schema.Type t = file.getType();
    LogicalType lt = file.getLogicalType();
    String logical = lt == null ? null : lt.getName();
    switch (target.typeId()) {
      case BOOLEAN:
        return t == Schema.Type.BOOLEAN;
      case INTEGER:
        return t == Schema.Type.INT && logical == null;
      case LONG:
        return (t == Schema.Type.INT || t == Schema.Type.LONG) && logical == null;
      case FLOAT:
        return t == Schema.Type.FLOAT;
      case DOUBLE:
        return t == Schema.Type.FLOAT || t == Schema.Type.DOUBLE;
      case DATE:
        return t == Schema.Type.INT && "date".equals(logical);
      case TIME:
        return t == Schema.Type.LONG && "time-micros".equals(logical);
      case TIMESTAMP:
        return t == Schema.Type.LONG
            && ("local-timestamp-micros".equals(logical)
                || "timestamp-micros".equals(logical)
                    && !Boolean.TRUE.equals(file.getObjectProp("adjust-to-utc")));
      case TIMESTAMPTZ:
        return t == Schema.Type.LONG
            && "timestamp-micros".equals(logical)
            && !Boolean.FALSE.equals(file.getObjectProp("adjust-to-utc"));
      case STRING:
        return t == Schema.Type.STRING;
      case UUID:
        return t == Schema.Type.FIXED && file.getFixedSize() == 16
            || t == Schema.Type.STRING && "uuid".equals(logical);
      case FIXED:
        return t == Schema.Type.FIXED && file.getFixedSize() == ((Types.FixedType) target).length();
      case BINARY:
        return t == Schema.Type.BYTES;
      case DECIMAL:
        {
          if (!(lt instanceof LogicalTypes.Decimal)) {
            return false;
          }
          LogicalTypes.Decimal d = (LogicalTypes.Decimal) lt;
          Types.DecimalType want = (Types.DecimalType) target;
          return d.getScale() == want.scale() && d.getPrecision() <= want.precision();
        }
      default:
        return false;
    }
  }

  private static void expect(boolean ok, Type target, Schema file, String name) {
    if (!ok) {
      String what =
          file.getLogicalType() == null
              ? file.getType().getName()
              : file.getType().getName() + " (" + file.getLogicalType().getName() + ")";
      throw new Mismatch(
          "column '" + name + "' is " + what + " in the file, but " + target + " in the table");
    }
  }

  Row row(GenericRecord r) {
    List<Types.NestedField> fields = target.asStruct().fields();
    Object[] values = new Object[fields.size()];
    for (int i = 0; i < values.length; i++) {
      if (positions[i] >= 0) {
        values[i] = children[i].value(r.get(positions[i]));
      }
    }
    return Rows.wrap(target.asStruct(), values);
  }

  Object value(Object v) {
    if (v == null) {
      return null;
    }
    switch (target.typeId()) {
      case STRUCT:
        return row((GenericRecord) v);
      case LIST:
        {
          Collection<?> in = (Collection<?>) v;
          List<Object> out = new ArrayList<>(in.size());
          for (Object e : in) {
            out.add(children[0].value(e));
          }
          return out;
        }
      case MAP:
        {
          Map<Object, Object> out = new LinkedHashMap<>();
          if (v instanceof Map) {
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
              out.put(e.getKey().toString(), children[1].value(e.getValue()));
            }
          } else {
            for (Object o : (Collection<?>) v) {
              GenericRecord kv = (GenericRecord) o;
              out.put(children[0].value(kv.get(0)), children[1].value(kv.get(1)));
            }
          }
          return out;
        }
      case BOOLEAN:
      case INTEGER:
      case FLOAT:
        return v;
      case LONG:
        return ((Number) v).longValue();
      case DOUBLE:
        return ((Number) v).doubleValue();
      case DATE:
        return LocalDate.ofEpochDay((Integer) v);
      case TIME:
        return LocalTime.ofNanoOfDay((Long) v * 1000);
      case TIMESTAMP:
        return EPOCH.plus((Long) v, ChronoUnit.MICROS);
      case TIMESTAMPTZ:
        return EPOCH.plus((Long) v, ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
      case STRING:
        return v.toString();
      case UUID:
        {
          if (v instanceof CharSequence) {
            return UUID.fromString(v.toString());
          }
          ByteBuffer b = ByteBuffer.wrap(((GenericFixed) v).bytes());
          return new UUID(b.getLong(0), b.getLong(8));
        }
      case FIXED:
        return ByteBuffer.wrap(((GenericFixed) v).bytes().clone());
      case BINARY:
        {
          ByteBuffer in = ((ByteBuffer) v).duplicate();
          ByteBuffer out = ByteBuffer.allocate(in.remaining());
          out.put(in).flip();
          return out;
        }
      case DECIMAL:
        {
          byte[] bytes;
          if (v instanceof GenericFixed) {
            bytes = ((GenericFixed) v).bytes();
          } else {
            ByteBuffer in = ((ByteBuffer) v).duplicate();
            bytes = new byte[in.remaining()];
            in.get(bytes);
          }
          return new BigDecimal(new BigInteger(bytes), ((Types.DecimalType) target).scale());
        }
      default:
        throw new IllegalArgumentException("Cannot read " + target);
    }
  }
}
