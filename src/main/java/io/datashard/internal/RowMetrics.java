package io.datashard.internal;

import io.datashard.DataFile;
import io.datashard.FileFormat;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.internal.parquet.ParquetFiles;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Column metrics computed from the rows of a file, for formats whose files carry none that Iceberg
 * can use (Avro) and for files registered from elsewhere: per leaf column (field id) the value
 * count (nulls included) and null count; for primitive columns not inside a list or map also the
 * NaN count and lower and upper bounds (strings and binary truncated as for Parquet).
 */
public final class RowMetrics {
  private final Schema schema;
  private final Map<Integer, long[]> counts = new LinkedHashMap<>(); // id -> {values, nulls}
  private final Map<Integer, Object> min = new HashMap<>();
  private final Map<Integer, Object> max = new HashMap<>();
  private final Map<Integer, Long> nans = new LinkedHashMap<>();
  private long rows;

  public RowMetrics(Schema schema) {
    this.schema = schema;
  }

  /** Adds one row of the schema. */
  public void add(Row row) {
    rows++;
    struct(schema.asStruct(), row, true);
  }

  /** Rows added so far. */
  public long rowCount() {
    return rows;
  }

  private void struct(Types.StructType type, Row row, boolean bounds) {
    List<Types.NestedField> fields = type.fields();
    for (int i = 0; i < fields.size(); i++) {
      Types.NestedField f = fields.get(i);
      value(f.type(), f.id(), row == null ? null : row.get(i), bounds);
    }
  }

  private void value(Type type, int id, Object v, boolean bounds) {
    switch (type.typeId()) {
      case STRUCT:
        struct(type.asStruct(), (Row) v, bounds);
        return;
      case LIST:
        if (v != null) {
          Types.ListType l = type.asList();
          for (Object e : (List<?>) v) {
            value(l.elementType(), l.elementId(), e, false);
          }
        }
        return;
      case MAP:
        if (v != null) {
          Types.MapType m = type.asMap();
          for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
            value(m.keyType(), m.keyId(), e.getKey(), false);
            value(m.valueType(), m.valueId(), e.getValue(), false);
          }
        }
        return;
      default:
        break;
    }
    long[] c = counts.computeIfAbsent(id, k -> new long[2]);
    c[0]++;
    if (v == null) {
      c[1]++;
      return;
    }
    if (!bounds) {
      return;
    }
    Type.TypeId t = type.typeId();
    if (t == Type.TypeId.FLOAT || t == Type.TypeId.DOUBLE) {
      nans.putIfAbsent(id, 0L);
      if (v instanceof Float && ((Float) v).isNaN()
          || v instanceof Double && ((Double) v).isNaN()) {
        nans.merge(id, 1L, Long::sum);
        return;
      }
    }
    Object lo = min.get(id);
    if (lo == null || Values.compare(type, v, lo) < 0) {
      min.put(id, v);
    }
    Object hi = max.get(id);
    if (hi == null || Values.compare(type, v, hi) > 0) {
      max.put(id, v);
    }
  }

  /** A data file builder with the record count and the metrics of the rows added. */
  public DataFile.Builder toDataFile(String location, FileFormat format, long length) {
    Map<Integer, Long> values = new LinkedHashMap<>();
    Map<Integer, Long> nulls = new LinkedHashMap<>();
    for (Map.Entry<Integer, long[]> e : counts.entrySet()) {
      values.put(e.getKey(), e.getValue()[0]);
      nulls.put(e.getKey(), e.getValue()[1]);
    }
    Map<Integer, ByteBuffer> lower = new LinkedHashMap<>();
    Map<Integer, ByteBuffer> upper = new LinkedHashMap<>();
    for (Map.Entry<Integer, Object> e : min.entrySet()) {
      Type type = schema.findField(e.getKey()).type();
      ByteBuffer lo = ParquetFiles.lowerBound(type, e.getValue());
      ByteBuffer hi = ParquetFiles.upperBound(type, max.get(e.getKey()));
      if (lo != null) {
        lower.put(e.getKey(), lo);
      }
      if (hi != null) {
        upper.put(e.getKey(), hi);
      }
    }
    return DataFile.builder()
        .path(location)
        .format(format)
        .recordCount(rows)
        .fileSizeInBytes(length)
        .valueCounts(values)
        .nullValueCounts(nulls)
        .nanValueCounts(new LinkedHashMap<>(nans))
        .lowerBounds(lower)
        .upperBounds(upper);
  }
}
