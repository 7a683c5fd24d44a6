package io.datashard;

import io.datashard.internal.RecordConverter;
import io.datashard.internal.SchemaInference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A table schema: a struct of named, numbered columns, and the id the table gave it.
 *
 * <p>Field ids are what Apache Iceberg uses to match columns across files and schema versions.
 * Build a schema with {@link #builder()} (ids assigned for you) or parse a compact definition:
 *
 * <pre>{@code
 * Schema s = Schema.parse("id long not null, name string, emb list<float>, ts timestamptz");
 * Schema t = Schema.builder()
 *     .required("id", Types.LONG)
 *     .optional("emb", Types.list(Types.FLOAT))
 *     .build();
 * }</pre>
 */
public final class Schema {
  private final int schemaId;
  private final Types.StructType struct;
  private final List<Integer> identifierFieldIds;
  private final Map<Integer, Types.NestedField> byId;
  private final Map<Integer, Integer> parentById;
  private final int highestFieldId;

  /** A schema with the given id and columns (field ids already assigned). */
  public Schema(int schemaId, List<Types.NestedField> columns) {
    this(schemaId, Types.struct(columns), List.of());
  }

  /** A schema with the given id, columns and identifier field ids. */
  public Schema(int schemaId, Types.StructType struct, List<Integer> identifierFieldIds) {
    this.schemaId = schemaId;
    this.struct = Objects.requireNonNull(struct, "struct");
    this.identifierFieldIds = List.copyOf(identifierFieldIds);
    this.byId = new HashMap<>();
    this.parentById = new HashMap<>();
    index(struct, -1);
    int max = 0;
    for (int id : byId.keySet()) {
      max = Math.max(max, id);
    }
    this.highestFieldId = max;
  }

  private void index(Type type, int parentId) {
    switch (type.typeId()) {
      case STRUCT:
        for (Types.NestedField f : type.asStruct().fields()) {
          put(f, parentId);
          index(f.type(), f.id());
        }
        break;
      case LIST:
        put(type.asList().elementField(), parentId);
        index(type.asList().elementType(), type.asList().elementId());
        break;
      case MAP:
        put(type.asMap().keyField(), parentId);
        put(type.asMap().valueField(), parentId);
        index(type.asMap().keyType(), type.asMap().keyId());
        index(type.asMap().valueType(), type.asMap().valueId());
        break;
      default:
        break;
    }
  }

  private void put(Types.NestedField f, int parentId) {
    if (byId.put(f.id(), f) != null) {
      throw new IllegalArgumentException(
          "Duplicate field id "
              + f.id()
              + " in schema (field '"
              + f.name()
              + "'): every field, including list elements and map keys and values, needs a unique id");
    }
    parentById.put(f.id(), parentId);
  }

  /** Parses a compact schema definition such as {@code "id long not null, emb list<float>"}. */
  public static Schema parse(String definition) {
    return SchemaParser.parse(definition);
  }

  /** A builder that assigns field ids in order, starting at 1. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The schema DataShard infers from records (as for the first append to a table created without
   * one): integers widen to long, other numbers to double, every column optional.
   *
   * @throws ValidationException if there are no records, or a column's type cannot be inferred
   */
  public static Schema infer(List<?> records) {
    return SchemaInference.infer(records);
  }

  /**
   * A record (a {@code Map}, a Java record or a {@link Row}) as a row of this schema, each value
   * checked and converted as an append converts it.
   *
   * @throws ValidationException naming the column and the value that does not fit
   */
  public Row toRow(Object record) {
    return RecordConverter.toRow(asStruct(), record, 0);
  }

  /** The id of this schema within its table. */
  public int schemaId() {
    return schemaId;
  }

  /** The top-level columns as a struct. */
  public Types.StructType asStruct() {
    return struct;
  }

  /** The top-level columns. */
  public List<Types.NestedField> columns() {
    return struct.fields();
  }

  /** Ids of the fields that identify a row (may be empty). */
  public List<Integer> identifierFieldIds() {
    return identifierFieldIds;
  }

  /** The top-level column with this name, or null. */
  public Types.NestedField findField(String name) {
    Types.StructType s = struct;
    String[] parts = name.split("\\.");
    Types.NestedField f = null;
    for (String p : parts) {
      if (s == null) {
        return null;
      }
      f = s.field(p);
      if (f == null) {
        return null;
      }
      s = f.type().typeId() == Type.TypeId.STRUCT ? f.type().asStruct() : null;
    }
    return f;
  }

  /** The field (at any depth) with this id, or null. */
  public Types.NestedField findField(int id) {
    return byId.get(id);
  }

  /** The id of the field containing field {@code id}, or -1 for a top-level column. */
  public int parentId(int id) {
    Integer p = parentById.get(id);
    return p == null ? -1 : p;
  }

  /** The highest field id used anywhere in this schema (0 when there are no columns). */
  public int highestFieldId() {
    return highestFieldId;
  }

  /** This schema with another schema id. */
  public Schema withSchemaId(int newId) {
    return new Schema(newId, struct, identifierFieldIds);
  }

  /**
   * True if both schemas have the same columns, field ids and identifier fields (ids of schemas
   * aside).
   */
  public boolean sameColumns(Schema other) {
    return struct.equals(other.struct) && identifierFieldIds.equals(other.identifierFieldIds);
  }

  /** A new schema with only the named top-level columns, in the order given. */
  public Schema select(List<String> names) {
    List<Types.NestedField> selected = new ArrayList<>();
    for (String n : names) {
      Types.NestedField f = struct.field(n);
      if (f == null) {
        throw new ValidationException(
            "Unknown column '"
                + n
                + "': the table's columns are "
                + columnNames()
                + ". Check the spelling of the column list.");
      }
      selected.add(f);
    }
    return new Schema(schemaId, selected);
  }

  /** The names of the top-level columns, in order. */
  public List<String> columnNames() {
    List<String> names = new ArrayList<>();
    for (Types.NestedField f : struct.fields()) {
      names.add(f.name());
    }
    return names;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Schema && ((Schema) o).schemaId == schemaId && sameColumns((Schema) o);
  }

  @Override
  public int hashCode() {
    return Objects.hash(schemaId, struct);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("table {\n");
    for (Types.NestedField f : struct.fields()) {
      sb.append("  ").append(f).append('\n');
    }
    return sb.append('}').toString();
  }

  /**
   * Builds a schema, assigning fresh field ids: top-level columns first, 1..n, then nested fields
   * in order. Ids given inside nested types (placeholders) are replaced.
   */
  public static final class Builder {
    private final List<String> names = new ArrayList<>();
    private final List<Boolean> required = new ArrayList<>();
    private final List<Type> types = new ArrayList<>();
    private final List<String> docs = new ArrayList<>();

    private Builder() {}

    /** Adds a column that must not be null. */
    public Builder required(String name, Type type) {
      return column(name, true, type, null);
    }

    /** Adds a column that may be null. */
    public Builder optional(String name, Type type) {
      return column(name, false, type, null);
    }

    /** Adds a column. */
    public Builder column(String name, boolean isRequired, Type type, String doc) {
      names.add(Objects.requireNonNull(name, "name"));
      required.add(isRequired);
      types.add(Objects.requireNonNull(type, "type"));
      docs.add(doc);
      return this;
    }

    /** The schema, with id 0. */
    public Schema build() {
      List<Types.NestedField> fields = new ArrayList<>();
      for (int i = 0; i < names.size(); i++) {
        fields.add(
            Types.NestedField.of(0, names.get(i), required.get(i), types.get(i), docs.get(i)));
      }
      return new Schema(0, assignFreshIds(Types.struct(fields), new int[] {0}).fields());
    }
  }

  /**
   * Returns a copy of {@code struct} with ids assigned from {@code next[0] + 1} on: the struct's
   * own fields first, then the fields nested inside each, depth first.
   */
  static Types.StructType assignFreshIds(Types.StructType struct, int[] next) {
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < struct.fields().size(); i++) {
      ids.add(++next[0]);
    }
    List<Types.NestedField> out = new ArrayList<>();
    for (int i = 0; i < struct.fields().size(); i++) {
      Types.NestedField f = struct.fields().get(i);
      out.add(
          Types.NestedField.of(
              ids.get(i), f.name(), f.isRequired(), assignFreshIds(f.type(), next), f.doc()));
    }
    return Types.struct(out);
  }

  private static Type assignFreshIds(Type type, int[] next) {
    switch (type.typeId()) {
      case STRUCT:
        return assignFreshIds(type.asStruct(), next);
      case LIST:
        {
          Types.ListType l = type.asList();
          int id = ++next[0];
          return Types.list(id, l.isElementRequired(), assignFreshIds(l.elementType(), next));
        }
      case MAP:
        {
          Types.MapType m = type.asMap();
          int k = ++next[0];
          int v = ++next[0];
          return Types.map(
              k,
              assignFreshIds(m.keyType(), next),
              v,
              m.isValueRequired(),
              assignFreshIds(m.valueType(), next));
        }
      default:
        return type;
    }
  }

  /** Column names by position, for messages. */
  Map<String, Type> columnTypes() {
    Map<String, Type> m = new LinkedHashMap<>();
    for (Types.NestedField f : struct.fields()) {
      m.put(f.name(), f.type());
    }
    return Collections.unmodifiableMap(m);
  }
}
