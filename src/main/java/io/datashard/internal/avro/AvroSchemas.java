package io.datashard.internal.avro;

import io.datashard.Type;
import io.datashard.Types;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * The Avro schema of an Iceberg schema, as the Iceberg spec's Avro section maps it: every record
 * field carries its Iceberg {@code field-id}, arrays their {@code element-id}, maps their {@code
 * key-id} and {@code value-id}; optional values are unions with null (null first, default null);
 * maps with non-string keys are arrays of key/value records with logical type {@code map}.
 */
public final class AvroSchemas {
  private AvroSchemas() {}

  static final String FIELD_ID = "field-id";
  static final String ELEMENT_ID = "element-id";
  static final String KEY_ID = "key-id";
  static final String VALUE_ID = "value-id";

  static Schema toAvro(io.datashard.Schema schema) {
    return record(schema.asStruct(), "table");
  }

  private static Schema record(Types.StructType struct, String name) {
    List<Schema.Field> fields = new ArrayList<>();
    for (Types.NestedField f : struct.fields()) {
      Schema type = type(f.type(), f.id());
      Schema.Field field;
      if (f.isOptional()) {
        field = new Schema.Field(f.name(), optional(type), f.doc(), JsonProperties.NULL_VALUE);
      } else {
        field = new Schema.Field(f.name(), type, f.doc(), (Object) null);
      }
      field.addProp(FIELD_ID, f.id());
      fields.add(field);
    }
    return Schema.createRecord(name, null, null, false, fields);
  }

  private static Schema optional(Schema s) {
    return Schema.createUnion(Schema.create(Schema.Type.NULL), s);
  }

  /**
   * The Avro schema of an Iceberg type whose field id is {@code id}, as the Iceberg spec maps them
   * (named types are named after the id, so two of them never clash in one record).
   */
  public static Schema type(Type type, int id) {
    switch (type.typeId()) {
      case BOOLEAN:
        return Schema.create(Schema.Type.BOOLEAN);
      case INTEGER:
        return Schema.create(Schema.Type.INT);
      case LONG:
        return Schema.create(Schema.Type.LONG);
      case FLOAT:
        return Schema.create(Schema.Type.FLOAT);
      case DOUBLE:
        return Schema.create(Schema.Type.DOUBLE);
      case DATE:
        return LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT));
      case TIME:
        return LogicalTypes.timeMicros().addToSchema(Schema.create(Schema.Type.LONG));
      case TIMESTAMP:
        {
          Schema s = LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
          s.addProp("adjust-to-utc", false);
          return s;
        }
      case TIMESTAMPTZ:
        {
          Schema s = LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
          s.addProp("adjust-to-utc", true);
          return s;
        }
      case STRING:
        return Schema.create(Schema.Type.STRING);
      case UUID:
        return LogicalTypes.uuid()
            .addToSchema(Schema.createFixed("uuid_fixed_" + id, null, null, 16));
      case FIXED:
        return Schema.createFixed("fixed_" + id, null, null, ((Types.FixedType) type).length());
      case BINARY:
        return Schema.create(Schema.Type.BYTES);
      case DECIMAL:
        {
          Types.DecimalType d = (Types.DecimalType) type;
          return LogicalTypes.decimal(d.precision(), d.scale())
              .addToSchema(
                  Schema.createFixed("decimal_" + id, null, null, decimalBytes(d.precision())));
        }
      case STRUCT:
        return record(type.asStruct(), "r" + id);
      case LIST:
        {
          Types.ListType l = type.asList();
          Schema element = type(l.elementType(), l.elementId());
          Schema array = Schema.createArray(l.isElementRequired() ? element : optional(element));
          array.addProp(ELEMENT_ID, l.elementId());
          return array;
        }
      case MAP:
        {
          Types.MapType m = type.asMap();
          Schema value = type(m.valueType(), m.valueId());
          Schema valueSchema = m.isValueRequired() ? value : optional(value);
          if (m.keyType().typeId() == Type.TypeId.STRING) {
            Schema map = Schema.createMap(valueSchema);
            map.addProp(KEY_ID, m.keyId());
            map.addProp(VALUE_ID, m.valueId());
            return map;
          }
          Schema.Field key =
              new Schema.Field("key", type(m.keyType(), m.keyId()), null, (Object) null);
          key.addProp(FIELD_ID, m.keyId());
          Schema.Field val =
              new Schema.Field(
                  "value",
                  valueSchema,
                  null,
                  m.isValueRequired() ? null : JsonProperties.NULL_VALUE);
          val.addProp(FIELD_ID, m.valueId());
          Schema entry =
              Schema.createRecord(
                  "k" + m.keyId() + "_v" + m.valueId(), null, null, false, List.of(key, val));
          Schema array = Schema.createArray(entry);
          new LogicalType("map").addToSchema(array);
          return array;
        }
      default:
        throw new IllegalArgumentException("No Avro type for " + type);
    }
  }

  /** Bytes of a fixed holding the unscaled value of a decimal of this precision. */
  static int decimalBytes(int precision) {
    int bytes = 1;
    while (Math.pow(2, 8 * bytes - 1) < Math.pow(10, precision)) {
      bytes++;
    }
    return bytes;
  }

  /** The non-null branch of an optional union, or the schema itself. */
  static Schema nonNull(Schema s) {
    if (s.getType() != Schema.Type.UNION) {
      return s;
    }
    for (Schema b : s.getTypes()) {
      if (b.getType() != Schema.Type.NULL) {
        return b;
      }
    }
    return s;
  }

  /** An integer property (ids are written as numbers, some writers use strings), or null. */
  static Integer intProp(Object p) {
    if (p instanceof Number) {
      return ((Number) p).intValue();
    }
    if (p instanceof String) {
      try {
        return Integer.parseInt((String) p);
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }
}
