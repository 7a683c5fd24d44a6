package io.datashard.internal.expr;

import io.datashard.DataFile;
import io.datashard.Schema;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.internal.Values;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The column statistics a manifest records for a data file, decoded with the table schema's types.
 */
public final class FileStats implements ColumnStats {
  private final DataFile file;
  private final Schema schema;

  public FileStats(DataFile file, Schema schema) {
    this.file = file;
    this.schema = schema;
  }

  @Override
  public long rowCount() {
    return file.recordCount();
  }

  @Override
  public Long valueCount(int fieldId) {
    return get(file.valueCounts(), fieldId);
  }

  @Override
  public Long nullCount(int fieldId) {
    return get(file.nullValueCounts(), fieldId);
  }

  @Override
  public Long nanCount(int fieldId) {
    return get(file.nanValueCounts(), fieldId);
  }

  @Override
  public Object lower(int fieldId) {
    return decode(fieldId, file.lowerBounds());
  }

  @Override
  public Object upper(int fieldId) {
    return decode(fieldId, file.upperBounds());
  }

  private static Long get(Map<Integer, Long> m, int id) {
    return m == null ? null : m.get(id);
  }

  private Object decode(int id, Map<Integer, ByteBuffer> bounds) {
    if (bounds == null) {
      return null;
    }
    ByteBuffer b = bounds.get(id);
    Types.NestedField f = schema.findField(id);
    if (b == null || f == null || !f.type().isPrimitive()) {
      return null;
    }
    return decode(f.type(), b);
  }

  /**
   * The bound as a value of the type, or null when the bytes are not a valid value (then it is not
   * used).
   */
  static Object decode(Type type, ByteBuffer b) {
    try {
      if (type.typeId() == Type.TypeId.STRING) {
        // strictly: a replacement character would raise a lower bound above the real values
        return StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(b.duplicate())
            .toString();
      }
      return Values.fromBytes(type, b);
    } catch (CharacterCodingException | RuntimeException e) {
      return null;
    }
  }
}
