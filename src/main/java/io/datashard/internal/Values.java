package io.datashard.internal;

import io.datashard.Type;
import io.datashard.Types;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/**
 * Iceberg's single-value binary serialization (used for bounds in manifests) and the ordering of
 * values of one primitive type.
 */
public final class Values {
  private Values() {}

  private static final LocalDateTime EPOCH = LocalDateTime.of(1970, 1, 1, 0, 0);

  /** The value in Iceberg's single-value binary form. */
  public static ByteBuffer toBytes(Type type, Object v) {
    switch (type.typeId()) {
      case BOOLEAN:
        return ByteBuffer.wrap(new byte[] {(byte) (((Boolean) v) ? 1 : 0)});
      case INTEGER:
        return le(4).putInt(0, (Integer) v);
      case DATE:
        return le(4).putInt(0, (int) ((LocalDate) v).toEpochDay());
      case LONG:
        return le(8).putLong(0, (Long) v);
      case TIME:
        return le(8).putLong(0, ((LocalTime) v).toNanoOfDay() / 1000);
      case TIMESTAMP:
        return le(8).putLong(0, ChronoUnit.MICROS.between(EPOCH, (LocalDateTime) v));
      case TIMESTAMPTZ:
        return le(8)
            .putLong(
                0, ChronoUnit.MICROS.between(EPOCH.atOffset(ZoneOffset.UTC), (OffsetDateTime) v));
      case FLOAT:
        return le(4).putFloat(0, (Float) v);
      case DOUBLE:
        return le(8).putDouble(0, (Double) v);
      case STRING:
        return ByteBuffer.wrap(((String) v).getBytes(StandardCharsets.UTF_8));
      case UUID:
        {
          UUID u = (UUID) v;
          ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN);
          b.putLong(0, u.getMostSignificantBits()).putLong(8, u.getLeastSignificantBits());
          return b;
        }
      case FIXED:
      case BINARY:
        return ((ByteBuffer) v).duplicate();
      case DECIMAL:
        return ByteBuffer.wrap(((BigDecimal) v).unscaledValue().toByteArray());
      default:
        throw new IllegalArgumentException("No single-value serialization for " + type);
    }
  }

  /**
   * The value of Iceberg's single-value binary form, as the Java type {@link io.datashard.Row}
   * documents. Bounds written before an int-to-long or float-to-double promotion (4 bytes) are
   * widened. The buffer's position is not changed.
   *
   * @throws IllegalArgumentException if the bytes cannot be a value of this type
   */
  public static Object fromBytes(Type type, ByteBuffer bytes) {
    ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int p = b.position();
    int n = b.remaining();
    switch (type.typeId()) {
      case BOOLEAN:
        need(type, n == 1, n);
        return b.get(p) != 0;
      case INTEGER:
        need(type, n == 4, n);
        return b.getInt(p);
      case DATE:
        need(type, n == 4, n);
        return LocalDate.ofEpochDay(b.getInt(p));
      case LONG:
        need(type, n == 8 || n == 4, n);
        return n == 4 ? (long) b.getInt(p) : b.getLong(p);
      case TIME:
        need(type, n == 8, n);
        return LocalTime.ofNanoOfDay(b.getLong(p) * 1000);
      case TIMESTAMP:
        need(type, n == 8, n);
        return EPOCH.plus(b.getLong(p), ChronoUnit.MICROS);
      case TIMESTAMPTZ:
        need(type, n == 8, n);
        return EPOCH.atOffset(ZoneOffset.UTC).plus(b.getLong(p), ChronoUnit.MICROS);
      case FLOAT:
        need(type, n == 4, n);
        return b.getFloat(p);
      case DOUBLE:
        need(type, n == 8 || n == 4, n);
        return n == 4 ? (double) b.getFloat(p) : b.getDouble(p);
      case STRING:
        return StandardCharsets.UTF_8.decode(b).toString();
      case UUID:
        {
          need(type, n == 16, n);
          ByteBuffer be = b.order(ByteOrder.BIG_ENDIAN);
          return new UUID(be.getLong(p), be.getLong(p + 8));
        }
      case FIXED:
      case BINARY:
        {
          ByteBuffer copy = ByteBuffer.allocate(n);
          copy.put(b).flip();
          return copy;
        }
      case DECIMAL:
        {
          need(type, n > 0, n);
          byte[] unscaled = new byte[n];
          b.get(unscaled);
          return new BigDecimal(new BigInteger(unscaled), ((Types.DecimalType) type).scale());
        }
      default:
        throw new IllegalArgumentException("No single-value serialization for " + type);
    }
  }

  private static void need(Type type, boolean ok, int length) {
    if (!ok) {
      throw new IllegalArgumentException(
          "Invalid single-value serialization of " + type + ": " + length + " bytes");
    }
  }

  private static ByteBuffer le(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Compares two non-null values of one type the way Iceberg orders them. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static int compare(Type type, Object a, Object b) {
    switch (type.typeId()) {
      case STRING:
        return compareCodePoints((String) a, (String) b);
      case FIXED:
      case BINARY:
        return compareUnsigned((ByteBuffer) a, (ByteBuffer) b);
      case UUID:
        {
          UUID x = (UUID) a;
          UUID y = (UUID) b;
          int c = Long.compareUnsigned(x.getMostSignificantBits(), y.getMostSignificantBits());
          return c != 0
              ? c
              : Long.compareUnsigned(x.getLeastSignificantBits(), y.getLeastSignificantBits());
        }
      default:
        return ((Comparable) a).compareTo(b);
    }
  }

  /**
   * Strings in Unicode code point order, which is the unsigned byte order of their UTF-8 forms (the
   * order Iceberg's bounds use), without encoding them.
   */
  public static int compareCodePoints(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char x = a.charAt(i);
      char y = b.charAt(i);
      if (x != y) {
        if (Character.isSurrogate(x) || Character.isSurrogate(y)) {
          return Integer.compare(a.codePointAt(i), b.codePointAt(i));
        }
        return Character.compare(x, y);
      }
    }
    return Integer.compare(a.length(), b.length());
  }

  /**
   * The unscaled value of a decimal as {@code size} big-endian two's-complement bytes,
   * sign-extended (how Parquet and Avro store decimals in a fixed-length field). The caller has
   * checked that the precision fits.
   */
  public static byte[] decimalToFixed(BigDecimal d, int size) {
    byte[] unscaled = d.unscaledValue().toByteArray();
    byte[] fixed = new byte[size];
    byte pad = (byte) (unscaled[0] < 0 ? 0xff : 0);
    int offset = size - unscaled.length;
    for (int i = 0; i < size; i++) {
      fixed[i] = i < offset ? pad : unscaled[i - offset];
    }
    return fixed;
  }

  /** Unsigned lexicographic order of the remaining bytes. */
  public static int compareUnsigned(ByteBuffer a, ByteBuffer b) {
    int n = Math.min(a.remaining(), b.remaining());
    for (int i = 0; i < n; i++) {
      int c = Integer.compare(a.get(a.position() + i) & 0xff, b.get(b.position() + i) & 0xff);
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.remaining(), b.remaining());
  }
}
