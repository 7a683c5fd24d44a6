package io.datashard.internal.meta;

import io.datashard.Schema;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.ValidationException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A partition spec as recorded in table metadata: an id and a list of transform fields. */
public final class PartitionSpec {
  /** One partition field: a transform of a source column. */
  public static final class Field {
    private final String name;
    private final String transform;
    private final int sourceId;
    private final int fieldId;

    public Field(String name, String transform, int sourceId, int fieldId) {
      this.name = name;
      this.transform = transform;
      this.sourceId = sourceId;
      this.fieldId = fieldId;
    }

    public String name() {
      return name;
    }

    public String transform() {
      return transform;
    }

    public int sourceId() {
      return sourceId;
    }

    public int fieldId() {
      return fieldId;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Field
          && ((Field) o).name.equals(name)
          && ((Field) o).transform.equals(transform)
          && ((Field) o).sourceId == sourceId
          && ((Field) o).fieldId == fieldId;
    }

    @Override
    public int hashCode() {
      return name.hashCode() * 31 + fieldId;
    }
  }

  /** The id Iceberg gives the first partition field. */
  public static final int FIRST_FIELD_ID = 1000;

  private final int specId;
  private final List<Field> fields;

  public PartitionSpec(int specId, List<Field> fields) {
    this.specId = specId;
    this.fields = List.copyOf(fields);
  }

  /** The spec of an unpartitioned table. */
  public static PartitionSpec unpartitioned() {
    return new PartitionSpec(0, List.of());
  }

  public int specId() {
    return specId;
  }

  public List<Field> fields() {
    return fields;
  }

  public boolean isUnpartitioned() {
    return fields.isEmpty() || fields.stream().allMatch(f -> f.transform().equals("void"));
  }

  /** The highest partition field id, or {@code FIRST_FIELD_ID - 1} if there are none. */
  public int lastAssignedFieldId() {
    int max = FIRST_FIELD_ID - 1;
    for (Field f : fields) {
      max = Math.max(max, f.fieldId());
    }
    return max;
  }

  /** The struct type of partition values for data files written under this spec. */
  public Types.StructType partitionType(Schema schema) {
    List<Types.NestedField> out = new ArrayList<>();
    for (Field f : fields) {
      Types.NestedField source = schema.findField(f.sourceId());
      if (source == null) {
        throw new ValidationException(
            "Partition field '"
                + f.name()
                + "' refers to column id "
                + f.sourceId()
                + ", which is not in the schema");
      }
      out.add(
          Types.NestedField.optional(
              f.fieldId(), f.name(), resultType(f.transform(), source.type())));
    }
    return Types.struct(out);
  }

  static Type resultType(String transform, Type source) {
    String t = transform.toLowerCase(Locale.ROOT);
    if (t.equals("identity") || t.equals("void") || t.startsWith("truncate")) {
      return source;
    }
    if (t.startsWith("bucket") || t.equals("year") || t.equals("month") || t.equals("hour")) {
      return Types.INT;
    }
    if (t.equals("day")) {
      return Types.DATE;
    }
    throw new ValidationException("Unsupported partition transform '" + transform + "'");
  }

  /** Same fields (ignoring the spec id). */
  public boolean compatibleWith(PartitionSpec other) {
    return fields.equals(other.fields);
  }
}
