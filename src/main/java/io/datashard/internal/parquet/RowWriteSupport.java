package io.datashard.internal.parquet;

import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.ValidationException;
import io.datashard.internal.FloatList;
import io.datashard.internal.Values;
import io.datashard.internal.meta.TableMetadataParser;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;

/**
 * Writes {@link Row}s of an Iceberg schema into Parquet, and records the lower and upper bounds and
 * NaN counts of the primitive columns not inside a list or map whose bounds Parquet's footer does
 * not give as Iceberg needs them (see {@link #boundsFromFooter}; the footer supplies the rest, and
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

  private final Schema schema;
  private final MessageType messageType;
  private final Map<Integer, Bounds> bounds = new HashMap<>();

  /** The same bounds by field id, for the per-value lookup. */
  private final Bounds[] boundsById;

  /** Dotted column names by field id, for error messages. */
  private final Map<Integer, String> names = new HashMap<>();

  private RecordConsumer out;
  private long rowIndex;

  RowWriteSupport(Schema schema) {
    this.schema = schema;
    this.messageType = ParquetSchemas.toParquet(schema);
    // a fast path for ordinary ids; reserved ones (delete files: 2147483546...) use the map
    this.boundsById = new Bounds[Math.min(schema.highestFieldId(), 100_000) + 1];
    indexNames(schema.asStruct(), "");
    this.root = new StructWriter(schema.asStruct(), true);
  }

  /** Writes one value of a column; built once per schema, so no type is looked at per value. */
  private interface ValueWriter {
    void write(Object v);
  }

  /** The writer of the top-level struct. */
  private final StructWriter root;

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
    return new ValidationException(
        what + " in row " + rowIndex + ", column '" + names.get(id) + "': " + fix);
  }

  /**
   * True for the types whose bounds come from Parquet's own column statistics (exact in the
   * writer's footer, in the same order as Iceberg's bounds): integers, dates, times, timestamps,
   * booleans and strings (unsigned UTF-8 byte order, which is code point order). Floats and doubles
   * are tracked here, for their NaN counts and NaN-free bounds, and so are decimals, UUIDs and
   * bytes.
   */
  static boolean boundsFromFooter(Type type) {
    switch (type.typeId()) {
      case BOOLEAN:
      case INTEGER:
      case LONG:
      case DATE:
      case TIME:
      case TIMESTAMP:
      case TIMESTAMPTZ:
      case STRING:
        return true;
      default:
        return false;
    }
  }

  /** Field ids of the columns whose bounds come from the footer (not inside a list or map). */
  private final Set<Integer> footerBounded = new HashSet<>();

  Set<Integer> footerBounded() {
    return footerBounded;
  }

  MessageType messageType() {
    return messageType;
  }

  Map<Integer, Bounds> bounds() {
    return bounds;
  }

  @Override
  public WriteContext init(Configuration configuration) {
    return init((ParquetConfiguration) null);
  }

  @Override
  public WriteContext init(ParquetConfiguration configuration) {
    Map<String, String> meta = new HashMap<>();
    meta.put("iceberg.schema", TableMetadataParser.schemaToJson(schema));
    return new WriteContext(messageType, meta);
  }

  @Override
  public void prepareForWrite(RecordConsumer recordConsumer) {
    this.out = recordConsumer;
  }

  @Override
  public void write(Row row) {
    out.startMessage();
    root.write(row);
    out.endMessage();
    rowIndex++;
  }

  private ValueWriter writer(Type type, int id, boolean trackBounds) {
    switch (type.typeId()) {
      case STRUCT:
        {
          StructWriter struct = new StructWriter(type.asStruct(), trackBounds);
          return v -> {
            out.startGroup();
            struct.write((Row) v);
            out.endGroup();
          };
        }
      case LIST:
        return listWriter(type.asList(), id);
      case MAP:
        return mapWriter(type.asMap(), id);
      case DECIMAL:
        {
          Types.DecimalType decimal = (Types.DecimalType) type;
          ValueWriter plain = primitiveWriter(type);
          return v -> {
            BigDecimal d = fit(decimal, id, (BigDecimal) v);
            plain.write(d);
            if (trackBounds) {
              track(type, id, d);
            }
          };
        }
      default:
        {
          ValueWriter plain = primitiveWriter(type);
          if (trackBounds && boundsFromFooter(type)) {
            footerBounded.add(id);
          }
          if (!trackBounds || boundsFromFooter(type)) {
            return plain;
          }
          return v -> {
            plain.write(v);
            track(type, id, v);
          };
        }
    }
  }

  /** The fields of a struct (the top-level one, or a nested one inside its group). */
  private final class StructWriter {
    private final String[] names;
    private final boolean[] required;
    private final int[] ids;
    private final ValueWriter[] writers;

    StructWriter(Types.StructType struct, boolean trackBounds) {
      List<Types.NestedField> fields = struct.fields();
      int n = fields.size();
      names = new String[n];
      required = new boolean[n];
      ids = new int[n];
      writers = new ValueWriter[n];
      for (int i = 0; i < n; i++) {
        Types.NestedField f = fields.get(i);
        names[i] = f.name();
        required[i] = f.isRequired();
        ids[i] = f.id();
        writers[i] = writer(f.type(), f.id(), trackBounds);
      }
    }

    void write(Row row) {
      for (int i = 0; i < writers.length; i++) {
        Object v = row.get(i);
        if (v == null) {
          if (required[i]) {
            throw invalid(
                ids[i],
                "Missing value",
                "the column is required (not null). Give a value, or make the column optional.");
          }
          continue;
        }
        out.startField(names[i], i);
        writers[i].write(v);
        out.endField(names[i], i);
      }
    }
  }

  private ValueWriter listWriter(Types.ListType l, int id) {
    ValueWriter element = writer(l.elementType(), l.elementId(), false);
    boolean elementRequired = l.isElementRequired();
    boolean floats = l.elementType().typeId() == Type.TypeId.FLOAT;
    return v -> {
      List<?> list = (List<?>) v;
      out.startGroup();
      if (floats && list instanceof FloatList && !list.isEmpty()) {
        writeFloats(
            (FloatList) list, elementRequired, id); // as a scan returned it: no boxed elements
      } else if (!list.isEmpty()) {
        out.startField("list", 0);
        for (Object e : list) {
          out.startGroup();
          if (e != null) {
            out.startField("element", 0);
            element.write(e);
            out.endField("element", 0);
          } else if (elementRequired) {
            throw nullElement(id);
          }
          out.endGroup();
        }
        out.endField("list", 0);
      }
      out.endGroup();
    };
  }

  private ValidationException nullElement(int id) {
    return invalid(
        id,
        "Null list element",
        "the list's elements are required (not null). Remove the null, or make the elements optional.");
  }

  private void writeFloats(FloatList list, boolean elementRequired, int id) {
    out.startField("list", 0);
    for (int i = 0; i < list.size(); i++) {
      out.startGroup();
      if (!list.isNull(i)) {
        out.startField("element", 0);
        out.addFloat(list.floatAt(i));
        out.endField("element", 0);
      } else if (elementRequired) {
        throw nullElement(id);
      }
      out.endGroup();
    }
    out.endField("list", 0);
  }

  private ValueWriter mapWriter(Types.MapType m, int id) {
    ValueWriter key = writer(m.keyType(), m.keyId(), false);
    ValueWriter value = writer(m.valueType(), m.valueId(), false);
    boolean valueRequired = m.isValueRequired();
    return v -> {
      Map<?, ?> map = (Map<?, ?>) v;
      out.startGroup();
      if (!map.isEmpty()) {
        out.startField("key_value", 0);
        for (Map.Entry<?, ?> e : map.entrySet()) {
          if (e.getKey() == null) {
            throw invalid(
                id,
                "Null map key",
                "map keys must not be null. Remove the entry or give it a key.");
          }
          out.startGroup();
          out.startField("key", 0);
          key.write(e.getKey());
          out.endField("key", 0);
          if (e.getValue() != null) {
            out.startField("value", 1);
            value.write(e.getValue());
            out.endField("value", 1);
          } else if (valueRequired) {
            throw invalid(
                id,
                "Null map value for key '" + e.getKey() + "'",
                "the map's values are required (not null). Give a value, or make the values optional.");
          }
          out.endGroup();
        }
        out.endField("key_value", 0);
      }
      out.endGroup();
    };
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

  /**
   * The decimal with the column's scale; fails if that needs rounding or more digits than the
   * column holds.
   */
  private BigDecimal fit(Types.DecimalType type, int id, BigDecimal v) {
    BigDecimal d = v;
    if (d.scale() != type.scale()) {
      try {
        d = d.setScale(type.scale());
      } catch (ArithmeticException e) {
        throw invalid(
            id,
            "Decimal " + v.toPlainString() + " has too many fraction digits",
            "the column is " + type + ". Round the value to " + type.scale() + " fraction digits.");
      }
    }
    if (d.precision() > type.precision()) {
      throw invalid(
          id,
          "Decimal " + v.toPlainString() + " is too large",
          "it needs " + d.precision() + " digits, and the column is " + type + ".");
    }
    return d;
  }

  private ValueWriter primitiveWriter(Type type) {
    switch (type.typeId()) {
      case BOOLEAN:
        return v -> out.addBoolean((Boolean) v);
      case INTEGER:
        return v -> out.addInteger((Integer) v);
      case LONG:
        return v -> out.addLong((Long) v);
      case FLOAT:
        return v -> out.addFloat((Float) v);
      case DOUBLE:
        return v -> out.addDouble((Double) v);
      case DATE:
        return v -> out.addInteger((int) ((LocalDate) v).toEpochDay());
      case TIME:
        return v -> out.addLong(((LocalTime) v).toNanoOfDay() / 1000);
      case TIMESTAMP:
        return v -> {
          LocalDateTime t = (LocalDateTime) v;
          out.addLong(t.toEpochSecond(ZoneOffset.UTC) * 1_000_000L + t.getNano() / 1000);
        };
      case TIMESTAMPTZ:
        return v -> {
          OffsetDateTime t = (OffsetDateTime) v;
          out.addLong(t.toEpochSecond() * 1_000_000L + t.getNano() / 1000);
        };
      case STRING:
        return v -> out.addBinary(Binary.fromString((String) v));
      case UUID:
        return v -> {
          UUID u = (UUID) v;
          ByteBuffer b = ByteBuffer.allocate(16);
          b.putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
          out.addBinary(Binary.fromConstantByteArray(b.array()));
        };
      case FIXED:
      case BINARY:
        return v -> out.addBinary(Binary.fromConstantByteBuffer(((ByteBuffer) v).duplicate()));
      case DECIMAL:
        {
          Types.DecimalType d = (Types.DecimalType) type;
          int bytes = ParquetSchemas.decimalBytes(d.precision());
          if (d.precision() <= 9) {
            return v -> out.addInteger(((BigDecimal) v).unscaledValue().intValueExact());
          } else if (d.precision() <= 18) {
            return v -> out.addLong(((BigDecimal) v).unscaledValue().longValueExact());
          }
          return v ->
              out.addBinary(
                  Binary.fromConstantByteArray(Values.decimalToFixed((BigDecimal) v, bytes)));
        }
      default:
        throw new IllegalArgumentException("Not a primitive type: " + type);
    }
  }
}
