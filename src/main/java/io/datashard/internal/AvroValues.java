package io.datashard.internal;

import io.datashard.Row;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.internal.manifest.ManifestIO;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;

/**
 * Converts values between DataShard's Java values and Avro's generic representation (partition
 * values in manifests, primitive values in Avro data files).
 */
public final class AvroValues {
  private AvroValues() {}

  private static final LocalDateTime EPOCH = LocalDateTime.of(1970, 1, 1, 0, 0);
  private static final OffsetDateTime EPOCH_TZ = EPOCH.atOffset(ZoneOffset.UTC);

  /** A DataShard value of an Iceberg primitive type as the Avro generic value of {@code schema}. */
  public static Object toAvro(Type type, Schema schema, Object v) {
    if (v == null) {
      return null;
    }
    switch (type.typeId()) {
      case DATE:
        return (int) ((LocalDate) v).toEpochDay();
      case TIME:
        return ((LocalTime) v).toNanoOfDay() / 1000;
      case TIMESTAMP:
        return ChronoUnit.MICROS.between(EPOCH, (LocalDateTime) v);
      case TIMESTAMPTZ:
        return ChronoUnit.MICROS.between(EPOCH_TZ, (OffsetDateTime) v);
      case UUID:
        {
          UUID u = (UUID) v;
          ByteBuffer b = ByteBuffer.allocate(16);
          b.putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
          return new GenericData.Fixed(schema, b.array());
        }
      case FIXED:
        {
          ByteBuffer src = ((ByteBuffer) v).duplicate();
          byte[] bytes = new byte[src.remaining()];
          src.get(bytes);
          return new GenericData.Fixed(schema, bytes);
        }
      case BINARY:
        return ((ByteBuffer) v).duplicate();
      case DECIMAL:
        return new GenericData.Fixed(
            schema, Values.decimalToFixed((BigDecimal) v, schema.getFixedSize()));
      default:
        return v;
    }
  }

  /**
   * A partition tuple read from a manifest as a row. Values are converted by their Avro types
   * (strings, bytes and fixed become String and ByteBuffer; logical dates and timestamps become
   * java.time values).
   */
  public static Row partitionRow(GenericRecord partition) {
    Schema schema = partition.getSchema();
    List<Types.NestedField> fields = new ArrayList<>();
    Object[] values = new Object[schema.getFields().size()];
    for (Schema.Field f : schema.getFields()) {
      Schema s = ManifestIO.unwrap(f.schema());
      Object id = f.getObjectProp("field-id");
      Type type = icebergType(s);
      fields.add(
          Types.NestedField.optional(
              id instanceof Number ? ((Number) id).intValue() : 1000 + f.pos(), f.name(), type));
      values[f.pos()] = fromAvro(type, partition.get(f.pos()));
    }
    return Row.of(Types.struct(fields), values);
  }

  private static Type icebergType(Schema s) {
    String logical =
        s.getLogicalType() == null ? s.getProp("logicalType") : s.getLogicalType().getName();
    switch (s.getType()) {
      case BOOLEAN:
        return Types.BOOLEAN;
      case INT:
        return "date".equals(logical) ? Types.DATE : Types.INT;
      case LONG:
        if ("time-micros".equals(logical)) {
          return Types.TIME;
        }
        if ("timestamp-micros".equals(logical)) {
          Object utc = s.getObjectProp("adjust-to-utc");
          return Boolean.TRUE.equals(utc) ? Types.TIMESTAMPTZ : Types.TIMESTAMP;
        }
        return Types.LONG;
      case FLOAT:
        return Types.FLOAT;
      case DOUBLE:
        return Types.DOUBLE;
      case STRING:
        return Types.STRING;
      case BYTES:
        return Types.BINARY;
      case FIXED:
        if ("uuid".equals(logical)) {
          return Types.UUID;
        }
        if (s.getLogicalType() instanceof LogicalTypes.Decimal) {
          LogicalTypes.Decimal d = (LogicalTypes.Decimal) s.getLogicalType();
          return Types.decimal(d.getPrecision(), d.getScale());
        }
        return Types.fixed(s.getFixedSize());
      default:
        return Types.STRING;
    }
  }

  private static Object fromAvro(Type type, Object v) {
    if (v == null) {
      return null;
    }
    switch (type.typeId()) {
      case STRING:
        return v instanceof Utf8 ? v.toString() : String.valueOf(v);
      case DATE:
        return LocalDate.ofEpochDay(((Number) v).longValue());
      case TIME:
        return LocalTime.ofNanoOfDay(((Number) v).longValue() * 1000);
      case TIMESTAMP:
        return EPOCH.plus(((Number) v).longValue(), ChronoUnit.MICROS);
      case TIMESTAMPTZ:
        return EPOCH_TZ.plus(((Number) v).longValue(), ChronoUnit.MICROS);
      case UUID:
        {
          ByteBuffer b = ByteBuffer.wrap(((GenericFixed) v).bytes());
          return new UUID(b.getLong(), b.getLong());
        }
      case DECIMAL:
        return new BigDecimal(
            new BigInteger(((GenericFixed) v).bytes()), ((Types.DecimalType) type).scale());
      case FIXED:
        return ByteBuffer.wrap(((GenericFixed) v).bytes().clone()).asReadOnlyBuffer();
      case BINARY:
        return ((ByteBuffer) v).asReadOnlyBuffer();
      default:
        return v;
    }
  }
}
