package io.datashard;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The Apache Iceberg types: constants for the primitives and factories for the others.
 *
 * <pre>{@code
 * Type emb = Types.list(Types.FLOAT);          // list<float>, ids assigned by Schema.builder()
 * Type price = Types.decimal(9, 2);
 * }</pre>
 */
public final class Types {
  private Types() {}

  /** A primitive type without parameters. */
  public static final class PrimitiveType implements Type {
    private final TypeId id;
    private final String name;

    private PrimitiveType(TypeId id, String name) {
      this.id = id;
      this.name = name;
    }

    @Override
    public TypeId typeId() {
      return id;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** true or false. */
  public static final PrimitiveType BOOLEAN = new PrimitiveType(Type.TypeId.BOOLEAN, "boolean");

  /** 32-bit signed integer (Java Integer). */
  public static final PrimitiveType INT = new PrimitiveType(Type.TypeId.INTEGER, "int");

  /** 64-bit signed integer (Java Long). */
  public static final PrimitiveType LONG = new PrimitiveType(Type.TypeId.LONG, "long");

  /** 32-bit IEEE 754 floating point (Java Float). */
  public static final PrimitiveType FLOAT = new PrimitiveType(Type.TypeId.FLOAT, "float");

  /** 64-bit IEEE 754 floating point (Java Double). */
  public static final PrimitiveType DOUBLE = new PrimitiveType(Type.TypeId.DOUBLE, "double");

  /** Calendar date without time or zone (Java LocalDate). */
  public static final PrimitiveType DATE = new PrimitiveType(Type.TypeId.DATE, "date");

  /** Time of day in microseconds, without date or zone (Java LocalTime). */
  public static final PrimitiveType TIME = new PrimitiveType(Type.TypeId.TIME, "time");

  /** Timestamp without time zone, microsecond precision. */
  public static final PrimitiveType TIMESTAMP =
      new PrimitiveType(Type.TypeId.TIMESTAMP, "timestamp");

  /** Timestamp with time zone (stored as UTC), microsecond precision. */
  public static final PrimitiveType TIMESTAMPTZ =
      new PrimitiveType(Type.TypeId.TIMESTAMPTZ, "timestamptz");

  /** UTF-8 text (Java String). */
  public static final PrimitiveType STRING = new PrimitiveType(Type.TypeId.STRING, "string");

  /** Universally unique identifier (Java UUID). */
  public static final PrimitiveType UUID = new PrimitiveType(Type.TypeId.UUID, "uuid");

  /** Bytes of any length (Java ByteBuffer). */
  public static final PrimitiveType BINARY = new PrimitiveType(Type.TypeId.BINARY, "binary");

  /** A decimal with a fixed precision (1..38) and scale. */
  public static final class DecimalType implements Type {
    private final int precision;
    private final int scale;

    private DecimalType(int precision, int scale) {
      if (precision < 1 || precision > 38) {
        throw new IllegalArgumentException(
            "Invalid decimal precision " + precision + ": it must be between 1 and 38");
      }
      if (scale < 0 || scale > precision) {
        throw new IllegalArgumentException(
            "Invalid decimal scale "
                + scale
                + ": it must be between 0 and the precision "
                + precision);
      }
      this.precision = precision;
      this.scale = scale;
    }

    /** The total number of digits. */
    public int precision() {
      return precision;
    }

    /** The number of digits after the decimal point. */
    public int scale() {
      return scale;
    }

    @Override
    public TypeId typeId() {
      return TypeId.DECIMAL;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof DecimalType
          && ((DecimalType) o).precision == precision
          && ((DecimalType) o).scale == scale;
    }

    @Override
    public int hashCode() {
      return Objects.hash(precision, scale);
    }

    @Override
    public String toString() {
      return "decimal(" + precision + "," + scale + ")";
    }
  }

  /** Fixed-length bytes. */
  public static final class FixedType implements Type {
    private final int length;

    private FixedType(int length) {
      if (length < 1) {
        throw new IllegalArgumentException(
            "Invalid fixed length " + length + ": it must be positive");
      }
      this.length = length;
    }

    /** The number of bytes of every value. */
    public int length() {
      return length;
    }

    @Override
    public TypeId typeId() {
      return TypeId.FIXED;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof FixedType && ((FixedType) o).length == length;
    }

    @Override
    public int hashCode() {
      return length;
    }

    @Override
    public String toString() {
      return "fixed[" + length + "]";
    }
  }

  /** A named, numbered field of a struct. */
  public static final class NestedField {
    private final int id;
    private final String name;
    private final boolean required;
    private final Type type;
    private final String doc;

    private NestedField(int id, String name, boolean required, Type type, String doc) {
      Objects.requireNonNull(name, "field name");
      Objects.requireNonNull(type, "field type");
      if (name.isEmpty()) {
        throw new IllegalArgumentException("A field name must not be empty");
      }
      this.id = id;
      this.name = name;
      this.required = required;
      this.type = type;
      this.doc = doc;
    }

    /** A required (not null) field. */
    public static NestedField required(int id, String name, Type type) {
      return new NestedField(id, name, true, type, null);
    }

    /** An optional (nullable) field. */
    public static NestedField optional(int id, String name, Type type) {
      return new NestedField(id, name, false, type, null);
    }

    /** A field with a documentation string (may be null). */
    public static NestedField of(int id, String name, boolean required, Type type, String doc) {
      return new NestedField(id, name, required, type, doc);
    }

    /** The field id, unique in the schema; files map columns by it. */
    public int id() {
      return id;
    }

    /** The field name. */
    public String name() {
      return name;
    }

    /** True if the field may not be null. */
    public boolean isRequired() {
      return required;
    }

    /** True if the field may be null. */
    public boolean isOptional() {
      return !required;
    }

    /** The field type. */
    public Type type() {
      return type;
    }

    /** The field's documentation, or null. */
    public String doc() {
      return doc;
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof NestedField)) {
        return false;
      }
      NestedField f = (NestedField) o;
      return id == f.id
          && required == f.required
          && name.equals(f.name)
          && type.equals(f.type)
          && Objects.equals(doc, f.doc);
    }

    @Override
    public int hashCode() {
      return Objects.hash(id, name, required, type);
    }

    @Override
    public String toString() {
      return id + ": " + name + ": " + (required ? "required " : "optional ") + type;
    }
  }

  /** A struct: an ordered list of fields with unique names and ids. */
  public static final class StructType implements Type {
    private final List<NestedField> fields;
    private final Map<String, Integer> positionByName;

    private StructType(List<NestedField> fields) {
      this.fields = Collections.unmodifiableList(new ArrayList<>(fields));
      Map<String, Integer> byName = new HashMap<>();
      for (int i = 0; i < this.fields.size(); i++) {
        NestedField f = this.fields.get(i);
        if (byName.put(f.name(), i) != null) {
          throw new IllegalArgumentException("Duplicate field name '" + f.name() + "' in a struct");
        }
      }
      this.positionByName = byName;
    }

    /** The fields, in order. */
    public List<NestedField> fields() {
      return fields;
    }

    /** The field with this name, or null. */
    public NestedField field(String name) {
      Integer pos = positionByName.get(name);
      return pos == null ? null : fields.get(pos);
    }

    /** The position of the field with this name, or -1. */
    public int position(String name) {
      Integer pos = positionByName.get(name);
      return pos == null ? -1 : pos;
    }

    /** The field with this id among this struct's direct fields, or null. */
    public NestedField fieldById(int id) {
      for (NestedField f : fields) {
        if (f.id() == id) {
          return f;
        }
      }
      return null;
    }

    @Override
    public TypeId typeId() {
      return TypeId.STRUCT;
    }

    @Override
    public StructType asStruct() {
      return this;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof StructType && ((StructType) o).fields.equals(fields);
    }

    @Override
    public int hashCode() {
      return fields.hashCode();
    }

    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder("struct<");
      for (int i = 0; i < fields.size(); i++) {
        NestedField f = fields.get(i);
        if (i > 0) {
          sb.append(", ");
        }
        sb.append(f.name()).append(": ").append(f.type());
        if (f.isRequired()) {
          sb.append(" not null");
        }
      }
      return sb.append('>').toString();
    }
  }

  /** A list of elements of one type. */
  public static final class ListType implements Type {
    private final NestedField element;

    private ListType(NestedField element) {
      this.element = element;
    }

    /** The element as a field (its id, type and whether it is required). */
    public NestedField elementField() {
      return element;
    }

    /** The field id of the elements. */
    public int elementId() {
      return element.id();
    }

    /** The type of the elements. */
    public Type elementType() {
      return element.type();
    }

    /** True if elements may not be null. */
    public boolean isElementRequired() {
      return element.isRequired();
    }

    @Override
    public TypeId typeId() {
      return TypeId.LIST;
    }

    @Override
    public ListType asList() {
      return this;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof ListType && ((ListType) o).element.equals(element);
    }

    @Override
    public int hashCode() {
      return element.hashCode() * 31 + 7;
    }

    @Override
    public String toString() {
      return "list<" + element.type() + ">";
    }
  }

  /** A map from keys of one type to values of another. Keys are never null. */
  public static final class MapType implements Type {
    private final NestedField key;
    private final NestedField value;

    private MapType(NestedField key, NestedField value) {
      this.key = key;
      this.value = value;
    }

    /** The key as a field. */
    public NestedField keyField() {
      return key;
    }

    /** The value as a field. */
    public NestedField valueField() {
      return value;
    }

    /** The field id of the keys. */
    public int keyId() {
      return key.id();
    }

    /** The field id of the values. */
    public int valueId() {
      return value.id();
    }

    /** The type of the keys (never null). */
    public Type keyType() {
      return key.type();
    }

    /** The type of the values. */
    public Type valueType() {
      return value.type();
    }

    /** True if values may not be null. */
    public boolean isValueRequired() {
      return value.isRequired();
    }

    @Override
    public TypeId typeId() {
      return TypeId.MAP;
    }

    @Override
    public MapType asMap() {
      return this;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof MapType
          && ((MapType) o).key.equals(key)
          && ((MapType) o).value.equals(value);
    }

    @Override
    public int hashCode() {
      return Objects.hash(key, value);
    }

    @Override
    public String toString() {
      return "map<" + key.type() + ", " + value.type() + ">";
    }
  }

  /** A decimal type. */
  public static DecimalType decimal(int precision, int scale) {
    return new DecimalType(precision, scale);
  }

  /** A fixed-length binary type. */
  public static FixedType fixed(int length) {
    return new FixedType(length);
  }

  /** A struct with fields whose ids are already assigned. */
  public static StructType struct(List<NestedField> fields) {
    return new StructType(fields);
  }

  /** A struct with fields whose ids are already assigned. */
  public static StructType struct(NestedField... fields) {
    return new StructType(List.of(fields));
  }

  /** A list with an explicit element id. */
  public static ListType list(int elementId, boolean elementRequired, Type elementType) {
    return new ListType(NestedField.of(elementId, "element", elementRequired, elementType, null));
  }

  /**
   * A list of optional elements whose element id is assigned later, by {@link Schema#builder()} or
   * the schema parser (the id given here is 0, a placeholder).
   */
  public static ListType list(Type elementType) {
    return list(0, false, elementType);
  }

  /** A map with explicit key and value ids. */
  public static MapType map(
      int keyId, Type keyType, int valueId, boolean valueRequired, Type valueType) {
    return new MapType(
        NestedField.of(keyId, "key", true, keyType, null),
        NestedField.of(valueId, "value", valueRequired, valueType, null));
  }

  /** A map with optional values whose ids are assigned later (placeholders of 0). */
  public static MapType map(Type keyType, Type valueType) {
    return map(0, keyType, 0, false, valueType);
  }

  /**
   * The primitive type named as in Iceberg metadata JSON: {@code boolean, int, long, float, double,
   * date, time, timestamp, timestamptz, string, uuid, binary, decimal(P,S), fixed[L]}.
   *
   * @throws IllegalArgumentException naming the unknown type
   */
  public static Type primitive(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    switch (n) {
      case "boolean":
      case "bool":
        return BOOLEAN;
      case "int":
      case "integer":
        return INT;
      case "long":
      case "bigint":
        return LONG;
      case "float":
        return FLOAT;
      case "double":
        return DOUBLE;
      case "date":
        return DATE;
      case "time":
        return TIME;
      case "timestamp":
        return TIMESTAMP;
      case "timestamptz":
        return TIMESTAMPTZ;
      case "string":
        return STRING;
      case "uuid":
        return UUID;
      case "binary":
        return BINARY;
      default:
        break;
    }
    if (n.startsWith("decimal(") && n.endsWith(")")) {
      String[] parts = n.substring(8, n.length() - 1).split(",");
      if (parts.length == 2) {
        try {
          return decimal(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
        } catch (NumberFormatException e) {
          // fall through to the error below
        }
      }
    }
    if (n.startsWith("fixed[") && n.endsWith("]")) {
      try {
        return fixed(Integer.parseInt(n.substring(6, n.length() - 1).trim()));
      } catch (NumberFormatException e) {
        // fall through
      }
    }
    throw new IllegalArgumentException(
        "Unknown type '"
            + name
            + "': expected one of boolean, int, long, "
            + "float, double, decimal(P,S), date, time, timestamp, timestamptz, string, uuid, fixed[L], "
            + "binary, list<T>, map<K,V>, struct<name: T, ...>");
  }
}
