package io.datashard.internal.parquet;

import io.datashard.Schema;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.internal.expr.ColumnStats;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;

/**
 * The footer statistics of one Parquet row group as {@link ColumnStats}, for columns that are not
 * inside a list or map and carry an Iceberg field id. Min and max are used only where their meaning
 * is plain: booleans, ints, longs, floats, doubles, dates, timestamps in microseconds and UTF-8
 * strings; others are unknown. NaN counts are unknown (Parquet footers of this version do not carry
 * them).
 */
public final class RowGroupStats implements ColumnStats {
  private static final LocalDateTime EPOCH = LocalDateTime.of(1970, 1, 1, 0, 0);

  private record Column(ColumnChunkMetaData chunk, PrimitiveType fileType, Type tableType) {}

  private final long rows;
  private final Map<Integer, Column> columns = new HashMap<>();

  public RowGroupStats(MessageType fileSchema, BlockMetaData block, Schema tableSchema) {
    this.rows = block.getRowCount();
    for (ColumnChunkMetaData chunk : block.getColumns()) {
      String[] path = chunk.getPath().toArray();
      boolean flat = true;
      org.apache.parquet.schema.Type t = null;
      GroupType g = fileSchema;
      for (int i = 0; i < path.length; i++) {
        if (!g.containsField(path[i])) {
          flat = false;
          break;
        }
        t = g.getType(path[i]);
        if (t.isRepetition(org.apache.parquet.schema.Type.Repetition.REPEATED)) {
          flat = false;
          break;
        }
        if (i < path.length - 1) {
          if (t.isPrimitive()) {
            flat = false;
            break;
          }
          g = t.asGroupType();
        }
      }
      if (!flat || t == null || !t.isPrimitive() || t.getId() == null) {
        continue;
      }
      Types.NestedField f = tableSchema.findField(t.getId().intValue());
      if (f == null || !f.type().isPrimitive()) {
        continue;
      }
      columns.put(f.id(), new Column(chunk, t.asPrimitiveType(), f.type()));
    }
  }

  @Override
  public long rowCount() {
    return rows;
  }

  @Override
  public Long valueCount(int fieldId) {
    Column c = columns.get(fieldId);
    return c == null ? null : c.chunk.getValueCount();
  }

  @Override
  public Long nullCount(int fieldId) {
    Statistics<?> s = stats(fieldId);
    return s == null || !s.isNumNullsSet() ? null : s.getNumNulls();
  }

  @Override
  public Long nanCount(int fieldId) {
    return null;
  }

  @Override
  public Object lower(int fieldId) {
    Statistics<?> s = stats(fieldId);
    return s == null || !s.hasNonNullValue()
        ? null
        : convert(columns.get(fieldId), s.genericGetMin());
  }

  @Override
  public Object upper(int fieldId) {
    Statistics<?> s = stats(fieldId);
    return s == null || !s.hasNonNullValue()
        ? null
        : convert(columns.get(fieldId), s.genericGetMax());
  }

  private Statistics<?> stats(int fieldId) {
    Column c = columns.get(fieldId);
    if (c == null) {
      return null;
    }
    Statistics<?> s = c.chunk.getStatistics();
    return s == null || s.isEmpty() ? null : s;
  }

  private static Object convert(Column c, Object v) {
    PrimitiveType.PrimitiveTypeName physical = c.fileType.getPrimitiveTypeName();
    LogicalTypeAnnotation logical = c.fileType.getLogicalTypeAnnotation();
    switch (c.tableType.typeId()) {
      case BOOLEAN:
        return physical == PrimitiveType.PrimitiveTypeName.BOOLEAN ? v : null;
      case INTEGER:
        return physical == PrimitiveType.PrimitiveTypeName.INT32 && plainInt(logical) ? v : null;
      case LONG:
        if (physical == PrimitiveType.PrimitiveTypeName.INT32 && plainInt(logical)) {
          return ((Integer) v).longValue();
        }
        return physical == PrimitiveType.PrimitiveTypeName.INT64 && plainInt(logical) ? v : null;
      case FLOAT:
        return physical == PrimitiveType.PrimitiveTypeName.FLOAT ? v : null;
      case DOUBLE:
        if (physical == PrimitiveType.PrimitiveTypeName.FLOAT) {
          return ((Float) v).doubleValue();
        }
        return physical == PrimitiveType.PrimitiveTypeName.DOUBLE ? v : null;
      case DATE:
        return physical == PrimitiveType.PrimitiveTypeName.INT32
                && logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation
            ? LocalDate.ofEpochDay((Integer) v)
            : null;
      case TIMESTAMP:
      case TIMESTAMPTZ:
        {
          if (physical != PrimitiveType.PrimitiveTypeName.INT64
              || !(logical instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation)
              || ((LogicalTypeAnnotation.TimestampLogicalTypeAnnotation) logical).getUnit()
                  != LogicalTypeAnnotation.TimeUnit.MICROS) {
            return null;
          }
          LocalDateTime t = EPOCH.plus((Long) v, ChronoUnit.MICROS);
          return c.tableType.typeId() == Type.TypeId.TIMESTAMP ? t : t.atOffset(ZoneOffset.UTC);
        }
      case STRING:
        {
          if (physical != PrimitiveType.PrimitiveTypeName.BINARY) {
            return null;
          }
          ByteBuffer b = ((Binary) v).toByteBuffer();
          try {
            return StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(b)
                .toString();
          } catch (CharacterCodingException e) {
            return null;
          }
        }
      default:
        return null;
    }
  }

  private static boolean plainInt(LogicalTypeAnnotation logical) {
    return logical == null
        || logical instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation
            && ((LogicalTypeAnnotation.IntLogicalTypeAnnotation) logical).isSigned();
  }
}
