package io.datashard.internal.parquet;

import io.datashard.CorruptTableException;
import io.datashard.Types;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * Which columns of a Parquet file to read for a target struct: the file's fields whose Iceberg field
 * id is in the target (by name when the file has no ids). Lists and maps are read whole.
 */
final class Projection {
  private final MessageType requested;

  private Projection(MessageType requested) {
    this.requested = requested;
  }

  MessageType requested() {
    return requested;
  }

  static Projection of(Types.StructType target, MessageType file, String location) {
    List<Type> fields = select(target, file, location);
    return new Projection(new MessageType(file.getName(), fields));
  }

  private static List<Type> select(Types.StructType target, GroupType group, String location) {
    List<Type> out = new ArrayList<>();
    for (Type f : group.getFields()) {
      Types.NestedField t = match(target, f);
      if (t == null) {
        continue;
      }
      if (t.type().typeId() == io.datashard.Type.TypeId.STRUCT) {
        if (f.isPrimitive()) {
          throw new CorruptTableException("Data file " + location + " stores column '" + t.name() + "' as "
              + f.asPrimitiveType().getPrimitiveTypeName() + ", but the table says it is a struct");
        }
        List<Type> children = select(t.type().asStruct(), f.asGroupType(), location);
        if (children.isEmpty()) {
          continue; // none of the wanted nested fields are in this file: the struct reads as null
        }
        out.add(f.asGroupType().withNewFields(children));
      } else {
        out.add(f);
      }
    }
    return out;
  }

  /** The target field a file field maps to: by field id, or by name when the file has no ids. */
  static Types.NestedField match(Types.StructType target, Type fileField) {
    if (fileField.getId() != null) {
      return target.fieldById(fileField.getId().intValue());
    }
    return target.field(fileField.getName());
  }
}
