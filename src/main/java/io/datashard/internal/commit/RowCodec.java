package io.datashard.internal.commit;

import io.datashard.Row;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.internal.Rows;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A compact binary form of converted rows (values already of the Java types {@link Row} documents),
 * guided by the struct type, for handing rows from one process to another (group commit requests).
 * Not a storage format: both sides must use the same schema, which the caller checks. Readers must
 * read from a fully buffered stream ({@code available()} bounds every declared length).
 */
final class RowCodec {
  private RowCodec() {}

  static void write(DataOutputStream out, Types.StructType type, Row row) throws IOException {
    List<Types.NestedField> fields = type.fields();
    for (int i = 0; i < fields.size(); i++) {
      writeValue(out, fields.get(i).type(), row.get(i));
    }
  }

  static Row read(DataInputStream in, Types.StructType type) throws IOException {
    List<Types.NestedField> fields = type.fields();
    Object[] values = new Object[fields.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = readValue(in, fields.get(i).type());
    }
    return Rows.wrap(type, values);
  }

  private static void writeValue(DataOutputStream out, Type type, Object v) throws IOException {
    if (v == null) {
      out.writeByte(0);
      return;
    }
    out.writeByte(1);
    switch (type.typeId()) {
      case BOOLEAN:
        out.writeBoolean((Boolean) v);
        break;
      case INTEGER:
        out.writeInt((Integer) v);
        break;
      case LONG:
        out.writeLong((Long) v);
        break;
      case FLOAT:
        out.writeFloat((Float) v);
        break;
      case DOUBLE:
        out.writeDouble((Double) v);
        break;
      case DECIMAL:
        {
          BigDecimal d = (BigDecimal) v;
          out.writeInt(d.scale());
          writeBytes(out, d.unscaledValue().toByteArray());
          break;
        }
      case DATE:
        out.writeLong(((LocalDate) v).toEpochDay());
        break;
      case TIME:
        out.writeLong(((LocalTime) v).toNanoOfDay());
        break;
      case TIMESTAMP:
        {
          Instant t = ((LocalDateTime) v).toInstant(ZoneOffset.UTC);
          out.writeLong(t.getEpochSecond());
          out.writeInt(t.getNano());
          break;
        }
      case TIMESTAMPTZ:
        {
          Instant t = ((OffsetDateTime) v).toInstant();
          out.writeLong(t.getEpochSecond());
          out.writeInt(t.getNano());
          break;
        }
      case STRING:
        writeBytes(out, ((String) v).getBytes(StandardCharsets.UTF_8));
        break;
      case UUID:
        {
          UUID u = (UUID) v;
          out.writeLong(u.getMostSignificantBits());
          out.writeLong(u.getLeastSignificantBits());
          break;
        }
      case FIXED:
      case BINARY:
        {
          ByteBuffer b = ((ByteBuffer) v).duplicate();
          byte[] bytes = new byte[b.remaining()];
          b.get(bytes);
          writeBytes(out, bytes);
          break;
        }
      case STRUCT:
        write(out, type.asStruct(), (Row) v);
        break;
      case LIST:
        {
          List<?> list = (List<?>) v;
          out.writeInt(list.size());
          Type element = type.asList().elementType();
          for (Object e : list) {
            writeValue(out, element, e);
          }
          break;
        }
      case MAP:
        {
          Map<?, ?> map = (Map<?, ?>) v;
          out.writeInt(map.size());
          Types.MapType mt = type.asMap();
          for (Map.Entry<?, ?> e : map.entrySet()) {
            writeValue(out, mt.keyType(), e.getKey());
            writeValue(out, mt.valueType(), e.getValue());
          }
          break;
        }
      default:
        throw new IllegalStateException("unknown type " + type);
    }
  }

  private static Object readValue(DataInputStream in, Type type) throws IOException {
    int present = in.readByte();
    if (present == 0) {
      return null;
    }
    if (present != 1) {
      throw new IOException("bad value marker " + present);
    }
    switch (type.typeId()) {
      case BOOLEAN:
        return in.readBoolean();
      case INTEGER:
        return in.readInt();
      case LONG:
        return in.readLong();
      case FLOAT:
        return in.readFloat();
      case DOUBLE:
        return in.readDouble();
      case DECIMAL:
        {
          int scale = in.readInt();
          return new BigDecimal(new BigInteger(readBytes(in)), scale);
        }
      case DATE:
        return LocalDate.ofEpochDay(in.readLong());
      case TIME:
        return LocalTime.ofNanoOfDay(in.readLong());
      case TIMESTAMP:
        {
          long s = in.readLong();
          return LocalDateTime.ofEpochSecond(s, in.readInt(), ZoneOffset.UTC);
        }
      case TIMESTAMPTZ:
        {
          long s = in.readLong();
          return OffsetDateTime.ofInstant(Instant.ofEpochSecond(s, in.readInt()), ZoneOffset.UTC);
        }
      case STRING:
        return new String(readBytes(in), StandardCharsets.UTF_8);
      case UUID:
        return new UUID(in.readLong(), in.readLong());
      case FIXED:
      case BINARY:
        return ByteBuffer.wrap(readBytes(in));
      case STRUCT:
        return read(in, type.asStruct());
      case LIST:
        {
          int n = readCount(in);
          List<Object> list = new ArrayList<>(Math.min(n, 1024));
          Type element = type.asList().elementType();
          for (int i = 0; i < n; i++) {
            list.add(readValue(in, element));
          }
          return list;
        }
      case MAP:
        {
          int n = readCount(in);
          Map<Object, Object> map = new LinkedHashMap<>();
          Types.MapType mt = type.asMap();
          for (int i = 0; i < n; i++) {
            Object k = readValue(in, mt.keyType());
            map.put(k, readValue(in, mt.valueType()));
          }
          return map;
        }
      default:
        throw new IllegalStateException("unknown type " + type);
    }
  }

  private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    int n = readCount(in);
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

  private static int readCount(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new IOException("bad length " + n);
    }
    return n;
  }
}
