package io.datashard.arrow;

import io.datashard.CloseableIterator;
import io.datashard.Row;
import io.datashard.Scan;
import io.datashard.Schema;
import io.datashard.Type;
import io.datashard.Types;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.UUID;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.TimeMicroVector;
import org.apache.arrow.vector.TimeStampMicroTZVector;
import org.apache.arrow.vector.TimeStampMicroVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;

/**
 * A scan's rows as Apache Arrow record batches, for ML pipelines that consume Arrow.
 *
 * <pre>{@code
 * try (BufferAllocator allocator = new RootAllocator();
 *      CloseableIterator<VectorSchemaRoot> batches = ArrowBatches.of(table.scan(), allocator, 65_536)) {
 *   while (batches.hasNext()) {
 *     VectorSchemaRoot batch = batches.next();   // valid until the next call to next() or close()
 *     train(batch);
 *   }
 * }
 * }</pre>
 *
 * <p>One {@link VectorSchemaRoot} is reused for every batch (as Arrow readers do): copy what you
 * keep before asking for the next batch. Rows stream from the data files, so memory stays bounded
 * by the batch size. Types map as: boolean Bit, int Int32, long Int64, float Float32, double
 * Float64, decimal(P,S) Decimal128(P,S), date Date(DAY), time Time(MICROSECOND), timestamp
 * Timestamp(MICROSECOND), timestamptz Timestamp(MICROSECOND, "UTC"), string Utf8, uuid
 * FixedSizeBinary(16), fixed(L) FixedSizeBinary(L), binary Binary, list List, map Map, struct
 * Struct. Each Arrow field carries its Iceberg field id in the metadata key {@value #FIELD_ID_KEY}.
 *
 * <p>Needs {@code arrow-vector} and an Arrow memory implementation (e.g. {@code
 * arrow-memory-unsafe}) on the classpath; on Java 17 Arrow also needs {@code
 * --add-opens=java.base/java.nio=ALL-UNNAMED}.
 */
public final class ArrowBatches implements CloseableIterator<VectorSchemaRoot> {
  /** The Arrow field metadata key holding the Iceberg field id. */
  public static final String FIELD_ID_KEY = "PARQUET:field_id";

  private static final LocalDateTime EPOCH = LocalDateTime.of(1970, 1, 1, 0, 0);

  private final CloseableIterator<Row> rows;
  private final VectorSchemaRoot root;
  private final List<Setter> setters = new ArrayList<>();
  private final int batchRows;
  private boolean closed;

  private ArrowBatches(Scan scan, BufferAllocator allocator, int batchRows) {
    if (batchRows < 1) {
      throw new IllegalArgumentException("A batch must hold at least one row, got " + batchRows);
    }
    Schema schema = scan.schema();
    this.batchRows = batchRows;
    org.apache.arrow.vector.types.pojo.Schema arrow = arrowSchema(schema);
    this.root = VectorSchemaRoot.create(arrow, allocator);
    List<FieldVector> vectors = root.getFieldVectors();
    for (int i = 0; i < vectors.size(); i++) {
      setters.add(setter(schema.columns().get(i).type(), vectors.get(i)));
    }
    CloseableIterator<Row> it;
    try {
      it = scan.iterator();
    } catch (RuntimeException e) {
      root.close();
      throw e;
    }
    this.rows = it;
  }

  /**
   * The rows of {@code scan} in batches of at most {@code batchRows} rows, allocated from {@code
   * allocator}. Close the iterator to free the batch memory and the open data file.
   */
  public static ArrowBatches of(Scan scan, BufferAllocator allocator, int batchRows) {
    return new ArrowBatches(scan, allocator, batchRows);
  }

  /** The Arrow schema of a DataShard schema, with Iceberg field ids in the field metadata. */
  public static org.apache.arrow.vector.types.pojo.Schema arrowSchema(Schema schema) {
    List<Field> fields = new ArrayList<>();
    for (Types.NestedField f : schema.columns()) {
      fields.add(field(f.name(), f.id(), f.isOptional(), f.type()));
    }
    return new org.apache.arrow.vector.types.pojo.Schema(fields);
  }

  @Override
  public boolean hasNext() {
    return !closed && rows.hasNext();
  }

  /** The next batch, in the one reused {@link VectorSchemaRoot}. */
  @Override
  public VectorSchemaRoot next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    root.allocateNew();
    int n = 0;
    while (n < batchRows && rows.hasNext()) {
      Row r = rows.next();
      for (int c = 0; c < setters.size(); c++) {
        setters.get(c).set(n, r.get(c));
      }
      n++;
    }
    for (FieldVector v : root.getFieldVectors()) {
      v.setValueCount(n);
    }
    root.setRowCount(n);
    return root;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      rows.close();
    } finally {
      root.close();
    }
  }

  // ------------------------------------------------------------------ schema

  private static Field field(String name, int id, boolean nullable, Type type) {
    Map<String, String> meta = Map.of(FIELD_ID_KEY, Integer.toString(id));
    List<Field> children = new ArrayList<>();
    ArrowType arrowType;
    switch (type.typeId()) {
      case STRUCT:
        arrowType = ArrowType.Struct.INSTANCE;
        for (Types.NestedField f : type.asStruct().fields()) {
          children.add(field(f.name(), f.id(), f.isOptional(), f.type()));
        }
        break;
      case LIST:
        {
          Types.ListType l = type.asList();
          arrowType = ArrowType.List.INSTANCE;
          children.add(field("element", l.elementId(), !l.isElementRequired(), l.elementType()));
          break;
        }
      case MAP:
        {
          Types.MapType m = type.asMap();
          arrowType = new ArrowType.Map(false);
          List<Field> kv =
              List.of(
                  field("key", m.keyId(), false, m.keyType()),
                  field("value", m.valueId(), !m.isValueRequired(), m.valueType()));
          children.add(
              new Field("entries", new FieldType(false, ArrowType.Struct.INSTANCE, null), kv));
          break;
        }
      default:
        arrowType = primitive(type);
        break;
    }
    return new Field(name, new FieldType(nullable, arrowType, null, meta), children);
  }

  private static ArrowType primitive(Type type) {
    switch (type.typeId()) {
      case BOOLEAN:
        return ArrowType.Bool.INSTANCE;
      case INTEGER:
        return new ArrowType.Int(32, true);
      case LONG:
        return new ArrowType.Int(64, true);
      case FLOAT:
        return new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
      case DOUBLE:
        return new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
      case DECIMAL:
        {
          Types.DecimalType d = (Types.DecimalType) type;
          return new ArrowType.Decimal(d.precision(), d.scale(), 128);
        }
      case DATE:
        return new ArrowType.Date(DateUnit.DAY);
      case TIME:
        return new ArrowType.Time(TimeUnit.MICROSECOND, 64);
      case TIMESTAMP:
        return new ArrowType.Timestamp(TimeUnit.MICROSECOND, null);
      case TIMESTAMPTZ:
        return new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC");
      case STRING:
        return ArrowType.Utf8.INSTANCE;
      case UUID:
        return new ArrowType.FixedSizeBinary(16);
      case FIXED:
        return new ArrowType.FixedSizeBinary(((Types.FixedType) type).length());
      case BINARY:
        return ArrowType.Binary.INSTANCE;
      default:
        throw new IllegalArgumentException("No Arrow type for " + type);
    }
  }

  // ------------------------------------------------------------------ values

  /** Writes one value (or null) at an index of a vector. */
  private interface Setter {
    void set(int index, Object value);
  }

  private static Setter setter(Type type, FieldVector vector) {
    Setter nonNull = nonNullSetter(type, vector);
    return (i, v) -> {
      if (v == null) {
        if (vector instanceof StructVector) {
          ((StructVector) vector).setNull(i);
        } else if (vector instanceof ListVector) {
          ((ListVector) vector).setNull(i);
        } else {
          setNullPrimitive(vector, i);
        }
      } else {
        nonNull.set(i, v);
      }
    };
  }

  private static void setNullPrimitive(FieldVector vector, int i) {
    // setNull does not grow the buffers: make room first
    while (vector.getValueCapacity() <= i) {
      vector.reAlloc();
    }
    if (vector instanceof BaseFixedWidthVector) {
      ((BaseFixedWidthVector) vector).setNull(i);
    } else if (vector instanceof BaseVariableWidthVector) {
      ((BaseVariableWidthVector) vector).setNull(i);
    } else {
      throw new IllegalStateException("Cannot set null in " + vector.getClass().getSimpleName());
    }
  }

  private static Setter nonNullSetter(Type type, FieldVector vector) {
    switch (type.typeId()) {
      case BOOLEAN:
        return (i, v) -> ((BitVector) vector).setSafe(i, ((Boolean) v) ? 1 : 0);
      case INTEGER:
        return (i, v) -> ((IntVector) vector).setSafe(i, (Integer) v);
      case LONG:
        return (i, v) -> ((BigIntVector) vector).setSafe(i, (Long) v);
      case FLOAT:
        return (i, v) -> ((Float4Vector) vector).setSafe(i, (Float) v);
      case DOUBLE:
        return (i, v) -> ((Float8Vector) vector).setSafe(i, (Double) v);
      case DECIMAL:
        {
          int scale = ((Types.DecimalType) type).scale();
          return (i, v) ->
              ((DecimalVector) vector)
                  .setSafe(i, ((BigDecimal) v).setScale(scale, RoundingMode.UNNECESSARY));
        }
      case DATE:
        return (i, v) -> ((DateDayVector) vector).setSafe(i, (int) ((LocalDate) v).toEpochDay());
      case TIME:
        return (i, v) ->
            ((TimeMicroVector) vector).setSafe(i, ((LocalTime) v).toNanoOfDay() / 1000);
      case TIMESTAMP:
        return (i, v) ->
            ((TimeStampMicroVector) vector)
                .setSafe(i, ChronoUnit.MICROS.between(EPOCH, (LocalDateTime) v));
      case TIMESTAMPTZ:
        return (i, v) ->
            ((TimeStampMicroTZVector) vector)
                .setSafe(
                    i,
                    ChronoUnit.MICROS.between(EPOCH.atOffset(ZoneOffset.UTC), (OffsetDateTime) v));
      case STRING:
        return (i, v) ->
            ((VarCharVector) vector).setSafe(i, ((String) v).getBytes(StandardCharsets.UTF_8));
      case UUID:
        return (i, v) -> {
          UUID u = (UUID) v;
          byte[] b =
              ByteBuffer.allocate(16)
                  .putLong(u.getMostSignificantBits())
                  .putLong(u.getLeastSignificantBits())
                  .array();
          ((FixedSizeBinaryVector) vector).setSafe(i, b);
        };
      case FIXED:
        return (i, v) -> ((FixedSizeBinaryVector) vector).setSafe(i, bytes((ByteBuffer) v));
      case BINARY:
        return (i, v) -> ((VarBinaryVector) vector).setSafe(i, bytes((ByteBuffer) v));
      case STRUCT:
        return structSetter(type.asStruct(), (StructVector) vector);
      case LIST:
        return listSetter(type.asList(), (ListVector) vector);
      case MAP:
        return mapSetter(type.asMap(), (MapVector) vector);
      default:
        throw new IllegalArgumentException("No Arrow conversion for " + type);
    }
  }

  private static Setter structSetter(Types.StructType struct, StructVector vector) {
    List<Setter> children = new ArrayList<>();
    for (int c = 0; c < struct.fields().size(); c++) {
      children.add(
          setter(struct.fields().get(c).type(), (FieldVector) vector.getChildByOrdinal(c)));
    }
    return (i, v) -> {
      Row r = (Row) v;
      vector.setIndexDefined(i);
      for (int c = 0; c < children.size(); c++) {
        children.get(c).set(i, r.get(c));
      }
    };
  }

  private static Setter listSetter(Types.ListType type, ListVector vector) {
    Setter element = setter(type.elementType(), vector.getDataVector());
    return (i, v) -> {
      List<?> list = (List<?>) v;
      int start = vector.startNewValue(i);
      for (int k = 0; k < list.size(); k++) {
        element.set(start + k, list.get(k));
      }
      vector.endValue(i, list.size());
    };
  }

  private static Setter mapSetter(Types.MapType type, MapVector vector) {
    StructVector entries = (StructVector) vector.getDataVector();
    Setter key = setter(type.keyType(), (FieldVector) entries.getChildByOrdinal(0));
    Setter value = setter(type.valueType(), (FieldVector) entries.getChildByOrdinal(1));
    return (i, v) -> {
      Map<?, ?> map = (Map<?, ?>) v;
      int start = vector.startNewValue(i);
      int k = 0;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        entries.setIndexDefined(start + k);
        key.set(start + k, e.getKey());
        value.set(start + k, e.getValue());
        k++;
      }
      vector.endValue(i, map.size());
    };
  }

  private static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }
}
