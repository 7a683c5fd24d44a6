package io.datashard.internal.parquet;

import io.datashard.CorruptTableException;
import io.datashard.Types;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * Which columns of a Parquet file to read for a target struct: the file's fields whose Iceberg
 * field id is in the target (by name when the file has no ids), at any depth. Structs inside lists
 * and maps are pruned too, so the pages of columns the target does not ask for are never read.
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
      Type pruned = prune(t.type(), f, t.name(), location);
      if (pruned != null) {
        out.add(pruned);
      }
    }
    return out;
  }

  /**
   * The part of file field {@code f} needed for {@code target}; null when a struct has none of the
   * wanted fields (it then reads as null).
   */
  private static Type prune(io.datashard.Type target, Type f, String name, String location) {
    switch (target.typeId()) {
      case STRUCT:
        {
          if (f.isPrimitive()) {
            throw new CorruptTableException(
                "Data file "
                    + location
                    + " stores column '"
                    + name
                    + "' as "
                    + f.asPrimitiveType().getPrimitiveTypeName()
                    + ", but the table says it is a struct. The file does "
                    + "not belong to this table, or the table's schema was changed outside DataShard.");
          }
          List<Type> children = select(target.asStruct(), f.asGroupType(), location);
          return children.isEmpty() ? null : f.asGroupType().withNewFields(children);
        }
      case LIST:
        return pruneList(target.asList(), f, name, location);
      case MAP:
        return pruneMap(target.asMap(), f, name, location);
      default:
        return f;
    }
  }

  private static Type pruneList(Types.ListType target, Type f, String name, String location) {
    if (f.isPrimitive() || f.asGroupType().getFieldCount() != 1) {
      return f; // not a list layout we know: the reader reports it
    }
    GroupType list = f.asGroupType();
    Type repeated = list.getType(0);
    if (RowMaterializer.isTwoLevelList(list)) {
      return f; // legacy layout: read whole, as pruning could make it look like the three-level one
    }
    GroupType repeatedGroup = repeated.asGroupType();
    Type element = prune(target.elementType(), repeatedGroup.getType(0), name, location);
    // with none of an element struct's fields wanted, read it whole: the list's shape is still
    // needed
    return element == null ? f : list.withNewFields(repeatedGroup.withNewFields(element));
  }

  private static Type pruneMap(Types.MapType target, Type f, String name, String location) {
    if (f.isPrimitive()
        || f.asGroupType().getFieldCount() != 1
        || f.asGroupType().getType(0).isPrimitive()) {
      return f;
    }
    GroupType map = f.asGroupType();
    GroupType keyValue = map.getType(0).asGroupType();
    if (keyValue.getFieldCount() != 2) {
      return f;
    }
    Type value = prune(target.valueType(), keyValue.getType(1), name, location);
    return value == null
        ? f
        : map.withNewFields(keyValue.withNewFields(keyValue.getType(0), value));
  }

  /** The target field a file field maps to: by field id, or by name when the file has no ids. */
  static Types.NestedField match(Types.StructType target, Type fileField) {
    if (fileField.getId() != null) {
      return target.fieldById(fileField.getId().intValue());
    }
    return target.field(fileField.getName());
  }
}
