package io.datashard.internal.parquet;

import io.datashard.Row;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.ValidationException;
import io.datashard.internal.Values;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;

/**
 * Writes {@link Row}s of an Iceberg schema into Parquet, and records the lower and upper bounds and
 * NaN counts of every primitive column that is not inside a list or map (Parquet's footer supplies
 * the counts and sizes).
 */
final class RowWriteSupport extends WriteSupport<Row> {
  static final LocalDateTime EPOCH = LocalDateTime.of(1970, 1, 1, 0, 0);
  static final OffsetDateTime EPOCH_TZ = EPOCH.atOffset(ZoneOffset.UTC);

  /** Bounds of one column. */
  static final class Bounds {
    Object min;
    Object max;
    long nanCount;
  }

  private final io.datashard.Schema schema;
  private final MessageType messageType;
  private final Map<Integer, Bounds> bounds = new HashMap<>();
  /** The same bounds by field id, for the per-value lookup. */
  private final Bounds[] boundsById;
  /** Dotted column names by field id, for error messages. */
  private final Map<Integer, String> names = new HashMap<>();
  private RecordConsumer out;
  private long rowIndex;

  RowWriteSupport(io.datashard.Schema schema) {
    this.schema = schema;
    this.messageType = ParquetSchemas.toParquet(schema);
    this.boundsById = new Bounds[schema.highestFieldId() + 1];
    indexNames(schema.asStruct(), "");
  }

  private void indexNames(Type type, String path) {
    switch (type.typeId()) {
      case STRUCT:
        for (Types.NestedField f : type.asStruct().fields()) {
          String name = path.isEmpty() ? f.name() : path + "." + f.name();
          names.put(f.id(), name);
          indexNames(f.type(), name);
        }
        break;
      case LIST:
        indexNames(type.asList().elementType(), path + ".element");
        break;
      case MAP:
        indexNames(type.asMap().keyType(), path + ".key");
        indexNames(type.asMap().valueType(), path + ".value");
        break;
      default:
        break;
    }
  }

  private ValidationException invalid(int id, String what, String fix) {
    return new ValidationException(what + " in row " + rowIndex + ", column '" + names.get(id) + "': " + fix);
  }

  MessageType messageType() {
    return messageType;
  }

  Map<Integer, Bounds> bounds() {
    return bounds;
  }

  @Override
  public WriteContext init(org.apache.hadoop.conf.Configuration configuration) {
    return init((ParquetConfiguration) null);
  }

  @Override
  public WriteContext init(ParquetConfiguration configuration) {
    Map<String, String> meta = new HashMap<>();
    meta.put("iceberg.schema", io.datashard.internal.meta.TableMetadataParser.schemaToJson(schema));
    return new WriteContext(messageType, meta);
  }

  @Override
  public void prepareForWrite(RecordConsumer recordConsumer) {
    this.out = recordConsumer;
  }

  @Override
  public void write(Row row) {
    out.startMessage();
    writeFields(schema.asStruct(), row, true);
    out.endMessage();
    rowIndex++;
  }

  private void writeFields(Types.StructType struct, Row row, boolean trackBounds) {
    List<Types.NestedField> fields = struct.fields();
    for (int i = 0; i < fields.size(); i++) {
      Types.NestedField f = fields.get(i);
      Object v = row.get(i);
      if (v == null) {
        if (f.isRequired()) {
          throw invalid(f.id(), "Missing value",
              "the column is required (not null). Give a value, or make the column optional.");
        }
        continue;
      }
      out.startField(f.name(), i);
      writeValue(f.type(), f.id(), v, trackBounds);
      out.endField(f.name(), i);
    }
  }

  private void writeValue(Type type, int id, Object v, boolean trackBounds) {
    switch (type.typeId()) {
      case STRUCT:
        out.startGroup();
        writeFields(type.asStruct(), (Row) v, trackBounds);
        out.endGroup();
        return;
      case LIST: {
        Types.ListType l = type.asList();
        List<?> list = (List<?>) v;
        out.startGroup();
        if (!list.isEmpty()) {
          out.startField("list", 0);
          for (Object e : list) {
            out.startGroup();
            if (e != null) {
              out.startField("element", 0);
              writeValue(l.elementType(), l.elementId(), e, false);
              out.endField("element", 0);
            } else if (l.isElementRequired()) {
              throw invalid(id, "Null list element",
                  "the list's elements are required (not null). Remove the null, or make the elements optional.");
            }
            out.endGroup();
          }
          out.endField("list", 0);
        }
        out.endGroup();
        return;
      }
      case MAP: {
        Types.MapType m = type.asMap();
        Map<?, ?> map = (Map<?, ?>) v;
        out.startGroup();
        if (!map.isEmpty()) {
          out.startField("key_value", 0);
          for (Map.Entry<?, ?> e : map.entrySet()) {
            if (e.getKey() == null) {
              throw invalid(id, "Null map key", "map keys must not be null. Remove the entry or give it a key.");
            }
            out.startGroup();
            out.startField("key", 0);
            writeValue(m.keyType(), m.keyId(), e.getKey(), false);
            out.endField("key", 0);
            if (e.getValue() != null) {
              out.startField("value", 1);
              writeValue(m.valueType(), m.valueId(), e.getValue(), false);
              out.endField("value", 1);
            } else if (m.isValueRequired()) {
              throw invalid(id, "Null map value for key '" + e.getKey() + "'",
                  "the map's values are required (not null). Give a value, or make the values optional.");
            }
            out.endGroup();
          }
          out.endField("key_value", 0);
        }
        out.endGroup();
        return;
      }
      case DECIMAL: {
        BigDecimal d = fit((Types.DecimalType) type, id, (BigDecimal) v);
        writePrimitive(type, d);
        if (trackBounds) {
          track(type, id, d);
        }
        return;
      }
      default:
        writePrimitive(type, v);
        if (trackBounds) {
          track(type, id, v);
        }
    }
  }

  private void track(Type type, int id, Object v) {
    Bounds b = id < boundsById.length ? boundsById[id] : null;
    if (b == null) {
      b = bounds.computeIfAbsent(id, k -> new Bounds());
      if (id < boundsById.length) {
        boundsById[id] = b;
      }
    }
    if (v instanceof Float && ((Float) v).isNaN() || v instanceof Double && ((Double) v).isNaN()) {
      b.nanCount++;
      return;
    }
    if (b.min == null || Values.compare(type, v, b.min) < 0) {
      b.min = v;
    }
    if (b.max == null || Values.compare(type, v, b.max) > 0) {
      b.max = v;
    }
  }

  /** The decimal with the column's scale; fails if that needs rounding or more digits than the column holds. */
  private BigDecimal fit(Types.DecimalType type, int id, BigDecimal v) {
    BigDecimal d = v;
    if (d.scale() != type.scale()) {
      try {
        d = d.setScale(type.scale());
      } catch (ArithmeticException e) {
        throw invalid(id, "Decimal " + v.toPlainString() + " has too many fraction digits",
            "the column is " + type + ". Round the value to " + type.scale() + " fraction digits.");
      }
    }
    if (d.precision() > type.precision()) {
      throw invalid(id, "Decimal " + v.toPlainString() + " is too large",
          "it needs " + d.precision() + " digits, and the column is " + type + ".");
    }
    return d;
  }

  private void writePrimitive(Type type, Object v) {
    switch (type.typeId()) {
      case BOOLEAN:
        out.addBoolean((Boolean) v);
        break;
      case INTEGER:
        out.addInteger((Integer) v);
        break;
      case LONG:
        out.addLong((Long) v);
        break;
      case FLOAT:
        out.addFloat((Float) v);
        break;
      case DOUBLE:
        out.addDouble((Double) v);
        break;
      case DATE:
        out.addInteger((int) ((LocalDate) v).toEpochDay());
        break;
      case TIME:
        out.addLong(((LocalTime) v).toNanoOfDay() / 1000);
        break;
      case TIMESTAMP: {
        LocalDateTime t = (LocalDateTime) v;
        out.addLong(t.toEpochSecond(ZoneOffset.UTC) * 1_000_000L + t.getNano() / 1000);
        break;
      }
      case TIMESTAMPTZ: {
        OffsetDateTime t = (OffsetDateTime) v;
        out.addLong(t.toEpochSecond() * 1_000_000L + t.getNano() / 1000);
        break;
      }
      case STRING:
        out.addBinary(Binary.fromString((String) v));
        break;
      case UUID: {
        UUID u = (UUID) v;
        ByteBuffer b = ByteBuffer.allocate(16);
        b.putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        out.addBinary(Binary.fromConstantByteArray(b.array()));
        break;
      }
      case FIXED:
      case BINARY:
        out.addBinary(Binary.fromConstantByteBuffer(((ByteBuffer) v).duplicate()));
        break;
      case DECIMAL: {
        Types.DecimalType d = (Types.DecimalType) type;
        BigDecimal dec = (BigDecimal) v;
        if (d.precision() <= 9) {
          out.addInteger(dec.unscaledValue().intValueExact());
        } else if (d.precision() <= 18) {
          out.addLong(dec.unscaledValue().longValueExact());
        } else {
          byte[] unscaled = dec.unscaledValue().toByteArray();
          byte[] fixed = new byte[ParquetSchemas.decimalBytes(d.precision())];
          byte pad = (byte) (unscaled[0] < 0 ? 0xff : 0);
          int offset = fixed.length - unscaled.length;
          for (int i = 0; i < fixed.length; i++) {
            fixed[i] = i < offset ? pad : unscaled[i - offset];
          }
          out.addBinary(Binary.fromConstantByteArray(fixed));
        }
        break;
      }
      default:
        throw new IllegalArgumentException("Not a primitive type: " + type);
    }
  }
}
