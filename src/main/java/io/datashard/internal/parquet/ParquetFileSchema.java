package io.datashard.internal.parquet;

import io.datashard.Schema;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.ValidationException;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.DataShardReadOptions;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;

/**
 * The Iceberg schema of any Parquet file (one written by pandas, Spark, DuckDB...), for importing
 * it: field ids the file carries are kept, fields without one get fresh ids above the file's
 * highest, so the file reads back through {@link ParquetFiles#read} (by id where the file has ids,
 * else by name). Lists (three-level and legacy two-level), maps, structs and the primitive types
 * Iceberg has are converted; anything else (unsigned 64-bit integers, intervals...) is refused with
 * the column's name.
 */
public final class ParquetFileSchema {
  private final String location;
  private int nextId;

  private ParquetFileSchema(String location, int maxId) {
    this.location = location;
    this.nextId = maxId;
  }

  /**
   * Reads the footer of the Parquet file at {@code location} and converts its schema.
   *
   * @throws ValidationException if a column has a type Iceberg cannot hold
   * @throws IOException if the file cannot be read
   */
  public static Schema of(Storage storage, String location) throws IOException {
    MessageType type;
    Codecs codecs = new Codecs();
    try (Storage.InputFile file = storage.open(location);
        ParquetFileReader reader =
            new ParquetFileReader(StorageFiles.input(file), DataShardReadOptions.create(codecs))) {
      type = reader.getFooter().getFileMetaData().getSchema();
    } finally {
      codecs.release();
    }
    return convert(type, location);
  }

  /** Converts a Parquet message type (exposed for tests). */
  static Schema convert(MessageType type, String location) {
    ParquetFileSchema c = new ParquetFileSchema(location, maxId(type));
    return new Schema(0, c.struct(type, "").fields());
  }

  private static int maxId(org.apache.parquet.schema.Type t) {
    int max = t.getId() == null ? 0 : t.getId().intValue();
    if (!t.isPrimitive()) {
      for (org.apache.parquet.schema.Type f : t.asGroupType().getFields()) {
        max = Math.max(max, maxId(f));
      }
    }
    return max;
  }

  private int id(org.apache.parquet.schema.Type t) {
    return t.getId() != null ? t.getId().intValue() : ++nextId;
  }

  private Types.StructType struct(GroupType group, String prefix) {
    List<Types.NestedField> fields = new ArrayList<>();
    for (org.apache.parquet.schema.Type f : group.getFields()) {
      String name = prefix + f.getName();
      int id = id(f);
      if (f.isRepetition(org.apache.parquet.schema.Type.Repetition.REPEATED)) {
        // a repeated field outside a LIST annotation: a list of required elements
        fields.add(
            Types.NestedField.of(
                id, f.getName(), true, Types.list(++nextId, true, type(f, name)), null));
      } else {
        fields.add(
            Types.NestedField.of(
                id,
                f.getName(),
                f.isRepetition(org.apache.parquet.schema.Type.Repetition.REQUIRED),
                type(f, name),
                null));
      }
    }
    return Types.struct(fields);
  }

  private Type type(org.apache.parquet.schema.Type f, String name) {
    if (f.isPrimitive()) {
      return primitive(f.asPrimitiveType(), name);
    }
    GroupType g = f.asGroupType();
    LogicalTypeAnnotation a = g.getLogicalTypeAnnotation();
    if (a instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation
        && g.getFieldCount() == 1
        && g.getType(0).isRepetition(org.apache.parquet.schema.Type.Repetition.REPEATED)) {
      org.apache.parquet.schema.Type repeated = g.getType(0);
      if (!repeated.isPrimitive()
          && repeated.asGroupType().getFieldCount() == 1
          && !repeated.getName().equals("array")
          && !repeated.getName().equals(g.getName() + "_tuple")) {
        org.apache.parquet.schema.Type element = repeated.asGroupType().getType(0);
        return Types.list(
            id(element),
            element.isRepetition(org.apache.parquet.schema.Type.Repetition.REQUIRED),
            type(element, name + ".element"));
      }
      return Types.list(id(repeated), true, type(repeated, name + ".element"));
    }
    if ((a instanceof LogicalTypeAnnotation.MapLogicalTypeAnnotation
            || a instanceof LogicalTypeAnnotation.MapKeyValueTypeAnnotation)
        && g.getFieldCount() == 1
        && !g.getType(0).isPrimitive()
        && g.getType(0).asGroupType().getFieldCount() == 2) {
      GroupType kv = g.getType(0).asGroupType();
      org.apache.parquet.schema.Type key = kv.getType(0);
      org.apache.parquet.schema.Type value = kv.getType(1);
      return Types.map(
          id(key),
          type(key, name + ".key"),
          id(value),
          value.isRepetition(org.apache.parquet.schema.Type.Repetition.REQUIRED),
          type(value, name + ".value"));
    }
    return struct(g, name + ".");
  }

  private Type primitive(PrimitiveType p, String name) {
    LogicalTypeAnnotation a = p.getLogicalTypeAnnotation();
    if (a instanceof LogicalTypeAnnotation.DecimalLogicalTypeAnnotation) {
      LogicalTypeAnnotation.DecimalLogicalTypeAnnotation d =
          (LogicalTypeAnnotation.DecimalLogicalTypeAnnotation) a;
      return Types.decimal(d.getPrecision(), d.getScale());
    }
    switch (p.getPrimitiveTypeName()) {
      case BOOLEAN:
        return Types.BOOLEAN;
      case INT32:
        if (a == null) {
          return Types.INT;
        }
        if (a instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation) {
          LogicalTypeAnnotation.IntLogicalTypeAnnotation i =
              (LogicalTypeAnnotation.IntLogicalTypeAnnotation) a;
          if (i.isSigned() || i.getBitWidth() < 32) {
            return Types.INT;
          }
        }
        if (a instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation) {
          return Types.DATE;
        }
        if (a instanceof LogicalTypeAnnotation.TimeLogicalTypeAnnotation) {
          return Types.TIME;
        }
        break;
      case INT64:
        if (a == null) {
          return Types.LONG;
        }
        if (a instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation
            && ((LogicalTypeAnnotation.IntLogicalTypeAnnotation) a).isSigned()) {
          return Types.LONG;
        }
        if (a instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation) {
          return ((LogicalTypeAnnotation.TimestampLogicalTypeAnnotation) a).isAdjustedToUTC()
              ? Types.TIMESTAMPTZ
              : Types.TIMESTAMP;
        }
        if (a instanceof LogicalTypeAnnotation.TimeLogicalTypeAnnotation) {
          return Types.TIME;
        }
        break;
      case INT96:
        return Types.TIMESTAMPTZ;
      case FLOAT:
        return Types.FLOAT;
      case DOUBLE:
        return Types.DOUBLE;
      case BINARY:
        if (a == null) {
          return Types.BINARY;
        }
        if (a instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
            || a instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation
            || a instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation) {
          return Types.STRING;
        }
        break;
      case FIXED_LEN_BYTE_ARRAY:
        if (a == null) {
          return Types.fixed(p.getTypeLength());
        }
        if (a instanceof LogicalTypeAnnotation.UUIDLogicalTypeAnnotation) {
          return Types.UUID;
        }
        break;
      default:
        break;
    }
    throw new ValidationException(
        "Column '"
            + name
            + "' of Parquet file "
            + location
            + " has type "
            + p.getPrimitiveTypeName()
            + (a == null ? "" : " (" + a + ")")
            + ", which has no Apache Iceberg "
            + "equivalent. Convert the column (for example to a signed integer, string or timestamp) and import "
            + "again.");
  }
}
