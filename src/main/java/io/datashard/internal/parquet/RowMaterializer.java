package io.datashard.internal.parquet;

import io.datashard.CorruptTableException;
import io.datashard.Row;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.internal.FloatList;
import io.datashard.internal.Rows;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.parquet.column.Dictionary;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;

/**
 * Builds {@link Row}s directly from Parquet's record assembly, converting values to DataShard's
 * Java types.
 */
final class RowMaterializer extends RecordMaterializer<Row> {
  /** Where a converted value goes. */
  interface Slot {
    void set(Object value);
  }

  private final StructConverter root;
  private Row current;

  RowMaterializer(Types.StructType target, Projection projection) {
    this.root = new StructConverter(target, projection.requested(), v -> current = (Row) v);
  }

  @Override
  public Row getCurrentRecord() {
    return current;
  }

  @Override
  public GroupConverter getRootConverter() {
    return root;
  }

  static Converter converter(Type target, org.apache.parquet.schema.Type file, Slot slot) {
    switch (target.typeId()) {
      case STRUCT:
        if (file.isPrimitive()) {
          throw new CorruptTableException(
              "A data file stores column '"
                  + file.getName()
                  + "' as "
                  + file.asPrimitiveType().getPrimitiveTypeName()
                  + ", but the table says it is "
                  + target);
        }
        return new StructConverter(target.asStruct(), file.asGroupType(), slot);
      case LIST:
        if (FloatListConverter.applies(target.asList(), file)) {
          return new FloatListConverter(slot);
        }
        return new ListConverter(target.asList(), file, slot);
      case MAP:
        if (file.isPrimitive()) {
          throw new CorruptTableException(
              "A data file stores column '"
                  + file.getName()
                  + "' as "
                  + file.asPrimitiveType().getPrimitiveTypeName()
                  + ", but the table says it is "
                  + target);
        }
        return new MapConverter(target.asMap(), file.asGroupType(), slot);
      default:
        if (!file.isPrimitive()) {
          throw new CorruptTableException(
              "A data file stores column '"
                  + file.getName()
                  + "' as a group, but the "
                  + "table says it is "
                  + target);
        }
        return new ValueConverter(target, file.asPrimitiveType(), slot);
    }
  }

  static final class StructConverter extends GroupConverter {
    private final Types.StructType target;
    private final Converter[] children;
    private final Slot slot;
    private Object[] values;

    StructConverter(Types.StructType target, GroupType file, Slot slot) {
      this.target = target;
      this.slot = slot;
      this.children = new Converter[file.getFieldCount()];
      for (int i = 0; i < children.length; i++) {
        org.apache.parquet.schema.Type f = file.getType(i);
        Types.NestedField t = Projection.match(target, f);
        if (t == null) {
          children[i] = skip(f);
        } else {
          int pos = target.position(t.name());
          children[i] = converter(t.type(), f, v -> values[pos] = v);
        }
      }
    }

    @Override
    public Converter getConverter(int fieldIndex) {
      return children[fieldIndex];
    }

    @Override
    public void start() {
      values = new Object[target.fields().size()];
    }

    @Override
    public void end() {
      slot.set(Rows.wrap(target, values)); // start() made a new array
    }
  }

  /**
   * Lists: three-level (group LIST { repeated group list { element } }) and legacy two-level forms.
   */
  static final class ListConverter extends GroupConverter {
    private final Converter child;
    private final Slot slot;
    private List<Object> list;

    ListConverter(Types.ListType target, org.apache.parquet.schema.Type file, Slot slot) {
      this.slot = slot;
      if (file.isPrimitive()
          || file.asGroupType().getFieldCount() != 1
          || !file.asGroupType()
              .getType(0)
              .isRepetition(org.apache.parquet.schema.Type.Repetition.REPEATED)) {
        throw new CorruptTableException(
            "A data file stores column '"
                + file.getName()
                + "' as "
                + describe(file)
                + ", which is not a Parquet list, but the table says it is "
                + target);
      }
      org.apache.parquet.schema.Type repeated = file.asGroupType().getType(0);
      if (isTwoLevelList(file.asGroupType())) {
        // two-level: the repeated field is the element
        this.child = converter(target.elementType(), repeated, v -> list.add(v));
      } else {
        org.apache.parquet.schema.Type element = repeated.asGroupType().getType(0);
        this.child = new ElementConverter(converter(target.elementType(), element, v -> held = v));
      }
    }

    private Object held;

    private final class ElementConverter extends GroupConverter {
      private final Converter element;

      ElementConverter(Converter element) {
        this.element = element;
      }

      @Override
      public Converter getConverter(int fieldIndex) {
        return element;
      }

      @Override
      public void start() {
        held = null;
      }

      @Override
      public void end() {
        list.add(held);
      }
    }

    @Override
    public Converter getConverter(int fieldIndex) {
      return child;
    }

    /**
     * The size of the last list read: lists of a column are mostly alike, so it sizes the next one.
     */
    private int lastSize = 4;

    @Override
    public void start() {
      list = new ArrayList<>(lastSize);
    }

    @Override
    public void end() {
      lastSize = Math.max(1, list.size());
      slot.set(Collections.unmodifiableList(list));
    }
  }

  /**
   * Takes Parquet floats as primitives, from dictionary pages too (decoded once per dictionary).
   */
  abstract static class FloatConverter extends PrimitiveConverter {
    private float[] dictionary;

    @Override
    public boolean hasDictionarySupport() {
      return true;
    }

    @Override
    public void setDictionary(Dictionary dict) {
      float[] d = new float[dict.getMaxId() + 1];
      for (int i = 0; i < d.length; i++) {
        d[i] = dict.decodeToFloat(i);
      }
      dictionary = d;
    }

    @Override
    public void addValueFromDictionary(int dictionaryId) {
      addFloat(dictionary[dictionaryId]);
    }

    @Override
    public abstract void addFloat(float v);
  }

  /**
   * A three-level list of Parquet floats read as a list&lt;float&gt; column: the elements go into
   * one float array (a {@link FloatList}), not a boxed object each.
   */
  static final class FloatListConverter extends GroupConverter {
    private final Slot slot;
    private final Elements elements = new Elements();
    private final FloatList.Builder floats = new FloatList.Builder();
    private boolean present;

    FloatListConverter(Slot slot) {
      this.slot = slot;
    }

    /** True for a standard three-level list whose element is a Parquet float, read as float. */
    static boolean applies(Types.ListType target, org.apache.parquet.schema.Type file) {
      if (target.elementType().typeId() != Type.TypeId.FLOAT || file.isPrimitive()) {
        return false;
      }
      GroupType list = file.asGroupType();
      if (list.getFieldCount() != 1
          || !list.getType(0).isRepetition(org.apache.parquet.schema.Type.Repetition.REPEATED)
          || isTwoLevelList(list)) {
        return false;
      }
      org.apache.parquet.schema.Type element = list.getType(0).asGroupType().getType(0);
      return element.isPrimitive()
          && element.asPrimitiveType().getPrimitiveTypeName()
              == PrimitiveType.PrimitiveTypeName.FLOAT;
    }

    /** The repeated group around each element. */
    private final class Elements extends GroupConverter {
      private final PrimitiveConverter value =
          new FloatConverter() {
            @Override
            public void addFloat(float v) {
              floats.add(v);
              present = true;
            }
          };

      @Override
      public Converter getConverter(int fieldIndex) {
        return value;
      }

      @Override
      public void start() {
        present = false;
      }

      @Override
      public void end() {
        if (!present) {
          floats.addNull();
        }
      }
    }

    @Override
    public Converter getConverter(int fieldIndex) {
      return elements;
    }

    @Override
    public void start() {
      floats.reset();
    }

    @Override
    public void end() {
      slot.set(floats.build());
    }
  }

  /** A file field's physical type for messages: the primitive type name, or the group's layout. */
  static String describe(org.apache.parquet.schema.Type file) {
    return file.isPrimitive()
        ? file.asPrimitiveType().getPrimitiveTypeName().toString()
        : "the group " + file.toString().replaceAll("\\s+", " ");
  }

  /**
   * True for the legacy two-level list layout, where the repeated field is the element itself (a
   * primitive, a group of several fields, or a one-field group named {@code array} or {@code
   * <list>_tuple}, per the Parquet format's backward-compatibility rules).
   */
  static boolean isTwoLevelList(GroupType list) {
    org.apache.parquet.schema.Type repeated = list.getType(0);
    return repeated.isPrimitive()
        || repeated.asGroupType().getFieldCount() != 1
        || repeated.getName().equals("array")
        || repeated.getName().equals(list.getName() + "_tuple");
  }

  static final class MapConverter extends GroupConverter {
    private final GroupConverter entry;
    private final Slot slot;
    private Map<Object, Object> map;
    private Object key;
    private Object value;

    MapConverter(Types.MapType target, GroupType file, Slot slot) {
      this.slot = slot;
      if (file.getFieldCount() != 1
          || file.getType(0).isPrimitive()
          || !file.getType(0).isRepetition(org.apache.parquet.schema.Type.Repetition.REPEATED)
          || file.getType(0).asGroupType().getFieldCount() < 1
          || file.getType(0).asGroupType().getFieldCount() > 2) {
        throw new CorruptTableException(
            "A data file stores column '"
                + file.getName()
                + "' as "
                + describe(file)
                + ", which is not a Parquet map, but the table says it is "
                + target);
      }
      GroupType kv = file.getType(0).asGroupType();
      Converter keyConverter = converter(target.keyType(), kv.getType(0), v -> key = v);
      Converter valueConverter =
          kv.getFieldCount() > 1
              ? converter(target.valueType(), kv.getType(1), v -> value = v)
              : null;
      this.entry =
          new GroupConverter() {
            @Override
            public Converter getConverter(int fieldIndex) {
              return fieldIndex == 0 ? keyConverter : valueConverter;
            }

            @Override
            public void start() {
              key = null;
              value = null;
            }

            @Override
            public void end() {
              map.put(key, value);
            }
          };
    }

    @Override
    public Converter getConverter(int fieldIndex) {
      return entry;
    }

    @Override
    public void start() {
      map = new LinkedHashMap<>();
    }

    @Override
    public void end() {
      slot.set(Collections.unmodifiableMap(map));
    }
  }

  /** A converter that discards a field's values. */
  static Converter skip(org.apache.parquet.schema.Type file) {
    if (file.isPrimitive()) {
      return new PrimitiveConverter() {
        @Override
        public void addBinary(Binary value) {}

        @Override
        public void addBoolean(boolean value) {}

        @Override
        public void addDouble(double value) {}

        @Override
        public void addFloat(float value) {}

        @Override
        public void addInt(int value) {}

        @Override
        public void addLong(long value) {}
      };
    }
    GroupType g = file.asGroupType();
    Converter[] children = new Converter[g.getFieldCount()];
    for (int i = 0; i < children.length; i++) {
      children[i] = skip(g.getType(i));
    }
    return new Passthrough(children);
  }

  /**
   * A group converter that only leads to its children (a skipped group, or the way to leaf
   * converters).
   */
  static final class Passthrough extends GroupConverter {
    private final Converter[] children;

    Passthrough(Converter[] children) {
      this.children = children;
    }

    @Override
    public Converter getConverter(int fieldIndex) {
      return children[fieldIndex];
    }

    @Override
    public void start() {}

    @Override
    public void end() {}
  }

  /**
   * Converts one primitive column's physical values to the target type, with dictionary support.
   */
  static final class ValueConverter extends PrimitiveConverter {
    private static final long JULIAN_EPOCH_DAY = 2_440_588L;
    private final Type target;
    private final PrimitiveType file;
    private final Slot slot;
    private final ChronoUnit unit;
    private final int scale;
    private Object[] dictionary;

    ValueConverter(Type target, PrimitiveType file, Slot slot) {
      this.target = target;
      this.file = file;
      this.slot = slot;
      LogicalTypeAnnotation a = file.getLogicalTypeAnnotation();
      ChronoUnit u = ChronoUnit.MICROS;
      if (a instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation) {
        u = unit(((LogicalTypeAnnotation.TimestampLogicalTypeAnnotation) a).getUnit());
      } else if (a instanceof LogicalTypeAnnotation.TimeLogicalTypeAnnotation) {
        u = unit(((LogicalTypeAnnotation.TimeLogicalTypeAnnotation) a).getUnit());
      }
      this.unit = u;
      this.scale =
          a instanceof LogicalTypeAnnotation.DecimalLogicalTypeAnnotation
              ? ((LogicalTypeAnnotation.DecimalLogicalTypeAnnotation) a).getScale()
              : target.typeId() == Type.TypeId.DECIMAL ? ((Types.DecimalType) target).scale() : 0;
      check();
    }

    private static ChronoUnit unit(LogicalTypeAnnotation.TimeUnit u) {
      switch (u) {
        case MILLIS:
          return ChronoUnit.MILLIS;
        case NANOS:
          return ChronoUnit.NANOS;
        default:
          return ChronoUnit.MICROS;
      }
    }

    private void check() {
      PrimitiveType.PrimitiveTypeName p = file.getPrimitiveTypeName();
      boolean ok;
      switch (target.typeId()) {
        case BOOLEAN:
          ok = p == PrimitiveType.PrimitiveTypeName.BOOLEAN;
          break;
        case INTEGER:
        case DATE:
          ok = p == PrimitiveType.PrimitiveTypeName.INT32;
          break;
        case LONG:
          ok =
              p == PrimitiveType.PrimitiveTypeName.INT64
                  || p == PrimitiveType.PrimitiveTypeName.INT32;
          break;
        case TIME:
          ok =
              p == PrimitiveType.PrimitiveTypeName.INT64
                  || p == PrimitiveType.PrimitiveTypeName.INT32;
          break;
        case TIMESTAMP:
        case TIMESTAMPTZ:
          ok =
              p == PrimitiveType.PrimitiveTypeName.INT64
                  || p == PrimitiveType.PrimitiveTypeName.INT96;
          break;
        case FLOAT:
          ok = p == PrimitiveType.PrimitiveTypeName.FLOAT;
          break;
        case DOUBLE:
          ok =
              p == PrimitiveType.PrimitiveTypeName.DOUBLE
                  || p == PrimitiveType.PrimitiveTypeName.FLOAT;
          break;
        case DECIMAL:
          ok =
              p != PrimitiveType.PrimitiveTypeName.BOOLEAN
                  && p != PrimitiveType.PrimitiveTypeName.FLOAT
                  && p != PrimitiveType.PrimitiveTypeName.DOUBLE
                  && p != PrimitiveType.PrimitiveTypeName.INT96;
          break;
        case STRING:
        case BINARY:
        case FIXED:
        case UUID:
          ok =
              p == PrimitiveType.PrimitiveTypeName.BINARY
                  || p == PrimitiveType.PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY;
          break;
        default:
          ok = false;
      }
      if (!ok) {
        throw new CorruptTableException(
            "A data file stores column '"
                + file.getName()
                + "' as "
                + p
                + ", which cannot be read as the table's type "
                + target);
      }
    }

    @Override
    public boolean hasDictionarySupport() {
      return true;
    }

    @Override
    public void setDictionary(Dictionary dict) {
      Object[] values = new Object[dict.getMaxId() + 1];
      for (int i = 0; i <= dict.getMaxId(); i++) {
        switch (file.getPrimitiveTypeName()) {
          case INT32:
            values[i] = fromInt(dict.decodeToInt(i));
            break;
          case INT64:
            values[i] = fromLong(dict.decodeToLong(i));
            break;
          case FLOAT:
            values[i] = fromFloat(dict.decodeToFloat(i));
            break;
          case DOUBLE:
            values[i] = dict.decodeToDouble(i);
            break;
          case BOOLEAN:
            values[i] = dict.decodeToBoolean(i);
            break;
          default:
            values[i] = fromBinary(dict.decodeToBinary(i));
        }
      }
      this.dictionary = values;
    }

    @Override
    public void addValueFromDictionary(int dictionaryId) {
      slot.set(dictionary[dictionaryId]);
    }

    @Override
    public void addBoolean(boolean value) {
      slot.set(value);
    }

    @Override
    public void addInt(int value) {
      slot.set(fromInt(value));
    }

    @Override
    public void addLong(long value) {
      slot.set(fromLong(value));
    }

    @Override
    public void addFloat(float value) {
      slot.set(fromFloat(value));
    }

    @Override
    public void addDouble(double value) {
      slot.set(value);
    }

    @Override
    public void addBinary(Binary value) {
      slot.set(fromBinary(value));
    }

    private Object fromInt(int v) {
      switch (target.typeId()) {
        case LONG:
          return (long) v;
        case DATE:
          return LocalDate.ofEpochDay(v);
        case TIME:
          return LocalTime.ofNanoOfDay(unit.getDuration().toNanos() * v);
        case DECIMAL:
          return BigDecimal.valueOf(v, scale);
        default:
          return v;
      }
    }

    private Object fromLong(long v) {
      switch (target.typeId()) {
        case TIME:
          return LocalTime.ofNanoOfDay(unit.getDuration().toNanos() * v);
        case TIMESTAMP:
          return unit == ChronoUnit.MICROS
              ? dateTimeOfMicros(v)
              : RowWriteSupport.EPOCH.plus(v, unit);
        case TIMESTAMPTZ:
          return unit == ChronoUnit.MICROS
              ? dateTimeOfMicros(v).atOffset(ZoneOffset.UTC)
              : RowWriteSupport.EPOCH_TZ.plus(v, unit);
        case DECIMAL:
          return BigDecimal.valueOf(v, scale);
        default:
          return v;
      }
    }

    /**
     * The UTC date-time {@code micros} microseconds from the epoch (the common Iceberg unit, built
     * directly).
     */
    private LocalDateTime dateTimeOfMicros(long micros) {
      long seconds = Math.floorDiv(micros, 1_000_000L);
      long day = Math.floorDiv(seconds, 86_400L);
      if (day != lastDay || lastDate == null) {
        // neighbouring values of a column mostly fall on the same day: its date is made once
        lastDate = LocalDate.ofEpochDay(day);
        lastDay = day;
      }
      long nanoOfDay =
          Math.floorMod(seconds, 86_400L) * 1_000_000_000L
              + Math.floorMod(micros, 1_000_000L) * 1000L;
      return LocalDateTime.of(lastDate, LocalTime.ofNanoOfDay(nanoOfDay));
    }

    private long lastDay;
    private LocalDate lastDate;

    private Object fromFloat(float v) {
      return target.typeId() == Type.TypeId.DOUBLE ? (double) v : (Object) v;
    }

    private Object fromBinary(Binary b) {
      switch (target.typeId()) {
        case STRING:
          return b.toStringUsingUTF8();
        case UUID:
          {
            ByteBuffer buf = b.toByteBuffer();
            return new UUID(buf.getLong(buf.position()), buf.getLong(buf.position() + 8));
          }
        case DECIMAL:
          return new BigDecimal(new BigInteger(b.getBytes()), scale);
        case TIMESTAMP:
        case TIMESTAMPTZ:
          {
            // INT96: nanos of day (8 bytes) and Julian day (4 bytes), little-endian
            ByteBuffer buf = b.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            long nanos = buf.getLong(buf.position());
            long day = buf.getInt(buf.position() + 8) - JULIAN_EPOCH_DAY;
            long micros = day * 86_400_000_000L + nanos / 1000;
            return target.typeId() == Type.TypeId.TIMESTAMP
                ? RowWriteSupport.EPOCH.plus(micros, ChronoUnit.MICROS)
                : RowWriteSupport.EPOCH_TZ.plus(micros, ChronoUnit.MICROS);
          }
        default:
          return ByteBuffer.wrap(b.getBytes()).asReadOnlyBuffer();
      }
    }
  }
}
