package io.datashard.internal.parquet;

import io.datashard.Schema;
import io.datashard.Type;
import io.datashard.Types;
import java.math.BigInteger;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * Maps Iceberg schemas to Parquet schemas the way the Iceberg spec prescribes (appendix "Parquet"):
 * every node carries its Iceberg field id, lists use the three-level LIST structure and maps the
 * MAP/key_value structure.
 */
final class ParquetSchemas {
  private ParquetSchemas() {}

  static MessageType toParquet(Schema schema) {
    org.apache.parquet.schema.Types.MessageTypeBuilder b =
        org.apache.parquet.schema.Types.buildMessage();
    for (Types.NestedField f : schema.columns()) {
      b.addField(field(f.id(), f.name(), f.isRequired(), f.type()));
    }
    return b.named("table");
  }

  static org.apache.parquet.schema.Type field(int id, String name, boolean required, Type type) {
    org.apache.parquet.schema.Type.Repetition rep =
        required
            ? org.apache.parquet.schema.Type.Repetition.REQUIRED
            : org.apache.parquet.schema.Type.Repetition.OPTIONAL;
    switch (type.typeId()) {
      case STRUCT:
        {
          org.apache.parquet.schema.Types.GroupBuilder<GroupType> g =
              org.apache.parquet.schema.Types.buildGroup(rep);
          for (Types.NestedField f : type.asStruct().fields()) {
            g.addField(field(f.id(), f.name(), f.isRequired(), f.type()));
          }
          return g.id(id).named(name);
        }
      case LIST:
        {
          Types.ListType l = type.asList();
          org.apache.parquet.schema.Type element =
              field(l.elementId(), "element", l.isElementRequired(), l.elementType());
          return org.apache.parquet.schema.Types.buildGroup(rep)
              .as(LogicalTypeAnnotation.listType())
              .addField(
                  org.apache.parquet.schema.Types.repeatedGroup().addField(element).named("list"))
              .id(id)
              .named(name);
        }
      case MAP:
        {
          Types.MapType m = type.asMap();
          org.apache.parquet.schema.Type key = field(m.keyId(), "key", true, m.keyType());
          org.apache.parquet.schema.Type value =
              field(m.valueId(), "value", m.isValueRequired(), m.valueType());
          return org.apache.parquet.schema.Types.buildGroup(rep)
              .as(LogicalTypeAnnotation.mapType())
              .addField(
                  org.apache.parquet.schema.Types.repeatedGroup()
                      .addField(key)
                      .addField(value)
                      .named("key_value"))
              .id(id)
              .named(name);
        }
      default:
        return primitive(id, name, rep, type);
    }
  }

  private static org.apache.parquet.schema.Type primitive(
      int id, String name, org.apache.parquet.schema.Type.Repetition rep, Type type) {
    switch (type.typeId()) {
      case BOOLEAN:
        return org.apache.parquet.schema.Types.primitive(PrimitiveTypeName.BOOLEAN, rep)
            .id(id)
            .named(name);
      case INTEGER:
        return org.apache.parquet.schema.Types.primitive(PrimitiveTypeName.INT32, rep)
            .id(id)
            .named(name);
      case LONG:
        return org.apache.parquet.schema.Types.primitive(PrimitiveTypeName.INT64, rep)
            .id(id)
            .named(name);
      case FLOAT:
        return org.apache.parquet.schema.Types.primitive(PrimitiveTypeName.FLOAT, rep)
            .id(id)
            .named(name);
      case DOUBLE:
        return org.apache.parquet.schema.Types.primitive(PrimitiveTypeName.DOUBLE, rep)
            .id(id)
            .named(name);
      case DATE:
        return org.apache.parquet.schema.Types.primitive(PrimitiveTypeName.INT32, rep)
            .as(LogicalTypeAnnotation.dateType())
            .id(id)
            .named(name);
      case TIME:
        return org.apache.parquet.schema.Types.primitive(PrimitiveTypeName.INT64, rep)
            .as(LogicalTypeAnnotation.timeType(false, TimeUnit.MICROS))
            .id(id)
            .named(name);
      case TIMESTAMP:
        return org.apache.parquet.schema.Types.primitive(PrimitiveTypeName.INT64, rep)
            .as(LogicalTypeAnnotation.timestampType(false, TimeUnit.MICROS))
            .id(id)
            .named(name);
      case TIMESTAMPTZ:
        return org.apache.parquet.schema.Types.primitive(PrimitiveTypeName.INT64, rep)
            .as(LogicalTypeAnnotation.timestampType(true, TimeUnit.MICROS))
            .id(id)
            .named(name);
      case STRING:
        return org.apache.parquet.schema.Types.primitive(PrimitiveTypeName.BINARY, rep)
            .as(LogicalTypeAnnotation.stringType())
            .id(id)
            .named(name);
      case UUID:
        return org.apache.parquet.schema.Types.primitive(
                PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY, rep)
            .length(16)
            .as(LogicalTypeAnnotation.uuidType())
            .id(id)
            .named(name);
      case FIXED:
        return org.apache.parquet.schema.Types.primitive(
                PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY, rep)
            .length(((Types.FixedType) type).length())
            .id(id)
            .named(name);
      case BINARY:
        return org.apache.parquet.schema.Types.primitive(PrimitiveTypeName.BINARY, rep)
            .id(id)
            .named(name);
      case DECIMAL:
        {
          Types.DecimalType d = (Types.DecimalType) type;
          LogicalTypeAnnotation dec = LogicalTypeAnnotation.decimalType(d.scale(), d.precision());
          if (d.precision() <= 9) {
            return org.apache.parquet.schema.Types.primitive(PrimitiveTypeName.INT32, rep)
                .as(dec)
                .id(id)
                .named(name);
          }
          if (d.precision() <= 18) {
            return org.apache.parquet.schema.Types.primitive(PrimitiveTypeName.INT64, rep)
                .as(dec)
                .id(id)
                .named(name);
          }
          return org.apache.parquet.schema.Types.primitive(
                  PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY, rep)
              .length(decimalBytes(d.precision()))
              .as(dec)
              .id(id)
              .named(name);
        }
      default:
        throw new IllegalArgumentException("Not a primitive type: " + type);
    }
  }

  /** The fewest bytes holding any unscaled decimal of this precision, in two's complement. */
  static int decimalBytes(int precision) {
    BigInteger max = BigInteger.TEN.pow(precision).subtract(BigInteger.ONE);
    return (max.bitLength() + 1 + 7) / 8;
  }
}
