package io.datashard.internal.orc;

import io.datashard.Schema;
import io.datashard.Type;
import io.datashard.Types;
import org.apache.orc.TypeDescription;

/**
 * The ORC type of an Iceberg schema, with the attributes Iceberg readers map columns by: {@code
 * iceberg.id} and {@code iceberg.required} on every type, {@code iceberg.long-type} on longs (TIME
 * or LONG), {@code iceberg.binary-type} on binaries (UUID, FIXED or BINARY) and {@code
 * iceberg.length} on fixed. Timestamps with zone are ORC's timestamp with local time zone.
 */
final class OrcSchemas {
  private OrcSchemas() {}

  static final String ID = "iceberg.id";
  static final String REQUIRED = "iceberg.required";
  static final String LONG_TYPE = "iceberg.long-type";
  static final String BINARY_TYPE = "iceberg.binary-type";
  static final String LENGTH = "iceberg.length";

  static TypeDescription toOrc(Schema schema) {
    TypeDescription root = TypeDescription.createStruct();
    for (Types.NestedField f : schema.columns()) {
      root.addField(f.name(), type(f.type(), f.id(), f.isRequired()));
    }
    return root;
  }

  private static TypeDescription type(Type type, int id, boolean required) {
    TypeDescription t;
    switch (type.typeId()) {
      case BOOLEAN:
        t = TypeDescription.createBoolean();
        break;
      case INTEGER:
        t = TypeDescription.createInt();
        break;
      case LONG:
        t = TypeDescription.createLong().setAttribute(LONG_TYPE, "LONG");
        break;
      case TIME:
        t = TypeDescription.createLong().setAttribute(LONG_TYPE, "TIME");
        break;
      case FLOAT:
        t = TypeDescription.createFloat();
        break;
      case DOUBLE:
        t = TypeDescription.createDouble();
        break;
      case DATE:
        t = TypeDescription.createDate();
        break;
      case TIMESTAMP:
        t = TypeDescription.createTimestamp();
        break;
      case TIMESTAMPTZ:
        t = TypeDescription.createTimestampInstant();
        break;
      case STRING:
        t = TypeDescription.createString();
        break;
      case UUID:
        t = TypeDescription.createBinary().setAttribute(BINARY_TYPE, "UUID");
        break;
      case FIXED:
        t =
            TypeDescription.createBinary()
                .setAttribute(BINARY_TYPE, "FIXED")
                .setAttribute(LENGTH, Integer.toString(((Types.FixedType) type).length()));
        break;
      case BINARY:
        t = TypeDescription.createBinary().setAttribute(BINARY_TYPE, "BINARY");
        break;
      case DECIMAL:
        {
          Types.DecimalType d = (Types.DecimalType) type;
          t = TypeDescription.createDecimal().withScale(d.scale()).withPrecision(d.precision());
          break;
        }
      case STRUCT:
        t = TypeDescription.createStruct();
        for (Types.NestedField f : type.asStruct().fields()) {
          t.addField(f.name(), type(f.type(), f.id(), f.isRequired()));
        }
        break;
      case LIST:
        {
          Types.ListType l = type.asList();
          t =
              TypeDescription.createList(
                  type(l.elementType(), l.elementId(), l.isElementRequired()));
          break;
        }
      case MAP:
        {
          Types.MapType m = type.asMap();
          t =
              TypeDescription.createMap(
                  type(m.keyType(), m.keyId(), true),
                  type(m.valueType(), m.valueId(), m.isValueRequired()));
          break;
        }
      default:
        throw new IllegalArgumentException("No ORC type for " + type);
    }
    t.setAttribute(ID, Integer.toString(id));
    t.setAttribute(REQUIRED, Boolean.toString(required));
    return t;
  }

  static Integer id(TypeDescription t) {
    String v = t.getAttributeValue(ID);
    if (v == null) {
      return null;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
