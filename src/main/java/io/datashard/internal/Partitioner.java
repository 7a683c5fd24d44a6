package io.datashard.internal;

import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.ValidationException;
import io.datashard.internal.meta.PartitionSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Splits rows by the partition values a spec gives them. */
public final class Partitioner {
  private Partitioner() {}

  /** The rows grouped by partition (as rows of the spec's partition type), in first-seen order. */
  public static Map<Row, List<Row>> split(PartitionSpec spec, Schema schema, List<Row> rows) {
    Map<Row, List<Row>> out = new LinkedHashMap<>();
    if (spec.isUnpartitioned()) {
      out.put(Row.of(Types.struct(List.of())), rows);
      return out;
    }
    Types.StructType partitionType = spec.partitionType(schema);
    List<int[]> paths = new ArrayList<>();
    List<Type> sourceTypes = new ArrayList<>();
    for (PartitionSpec.Field f : spec.fields()) {
      paths.add(positions(schema, f.sourceId()));
      sourceTypes.add(schema.findField(f.sourceId()).type());
    }
    for (Row row : rows) {
      Object[] values = new Object[spec.fields().size()];
      for (int i = 0; i < values.length; i++) {
        values[i] =
            Transforms.apply(
                spec.fields().get(i).transform(), sourceTypes.get(i), value(row, paths.get(i)));
      }
      out.computeIfAbsent(Row.of(partitionType, values), k -> new ArrayList<>()).add(row);
    }
    return out;
  }

  /** The relative directory for a partition: {@code /name=value/...}, empty when unpartitioned. */
  public static String directory(PartitionSpec spec, Schema schema, Row partition) {
    if (spec.isUnpartitioned()) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < spec.fields().size(); i++) {
      b.append('/')
          .append(Transforms.pathValue(spec.fields().get(i).name()))
          .append('=')
          .append(Transforms.pathValue(partition.get(i)));
    }
    return b.toString();
  }

  /** Positions from the top-level row down to the field with this id (through structs only). */
  private static int[] positions(Schema schema, int fieldId) {
    List<Integer> out = new ArrayList<>();
    for (int id = fieldId; id >= 0; id = schema.parentId(id)) {
      int parent = schema.parentId(id);
      Types.StructType struct = parent < 0 ? schema.asStruct() : structOf(schema, parent, fieldId);
      int pos = -1;
      for (int i = 0; i < struct.fields().size(); i++) {
        if (struct.fields().get(i).id() == id) {
          pos = i;
        }
      }
      out.add(0, pos);
    }
    int[] p = new int[out.size()];
    for (int i = 0; i < p.length; i++) {
      p[i] = out.get(i);
    }
    return p;
  }

  private static Types.StructType structOf(Schema schema, int parentId, int sourceId) {
    Type t = schema.findField(parentId).type();
    if (t.typeId() != Type.TypeId.STRUCT) {
      throw new ValidationException(
          "Partition source field "
              + sourceId
              + " is inside a list or map; only "
              + "top-level columns and fields of structs can be partition sources.");
    }
    return t.asStruct();
  }

  private static Object value(Row row, int[] path) {
    Object v = row;
    for (int pos : path) {
      if (v == null) {
        return null;
      }
      v = ((Row) v).get(pos);
    }
    return v;
  }
}
