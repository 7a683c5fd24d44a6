package io.datashard.internal;

import io.datashard.Schema;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.ValidationException;
import io.datashard.internal.meta.PartitionSpec;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Iceberg's partition transforms (identity, year, month, day, hour, bucket[N], truncate[W], void),
 * computed exactly as the table spec defines them, so that partition values written here are the
 * ones other engines compute and prune with: bucket is a 32-bit Murmur3 hash (x86 variant, seed 0)
 * of the value's hash bytes, masked to a non-negative int, modulo N; truncate rounds numbers down
 * to a multiple of W and cuts strings to W code points and binary to W bytes; the time transforms
 * count whole years, months, days or hours since 1970-01-01 (00:00 UTC), rounding down.
 */
public final class Transforms {
  private Transforms() {}

  private static final LocalDateTime EPOCH = LocalDateTime.of(1970, 1, 1, 0, 0);
  private static final Pattern WITH_ARG = Pattern.compile("(bucket|truncate)\\[(\\d+)]");
  private static final Pattern TERM =
      Pattern.compile(
          "\\s*([A-Za-z_]+)\\s*\\(\\s*(?:(\\d+)\\s*,\\s*)?([^(),\\s][^(),]*?)\\s*(?:,\\s*(\\d+)\\s*)?\\)\\s*");

  /**
   * The value of partition field {@code transform} (as recorded in metadata) for a source value.
   */
  public static Object apply(String transform, Type sourceType, Object value) {
    if (value == null) {
      return null;
    }
    String t = transform.toLowerCase(Locale.ROOT);
    switch (t) {
      case "identity":
        return value;
      case "void":
        return null;
      case "year":
        return dateTime(sourceType, value).getYear() - 1970;
      case "month":
        {
          LocalDateTime d = dateTime(sourceType, value);
          return (d.getYear() - 1970) * 12 + d.getMonthValue() - 1;
        }
      case "day":
        return dateTime(sourceType, value).toLocalDate();
      case "hour":
        return (int) Math.floorDiv(micros(sourceType, value), 3_600_000_000L);
      default:
        break;
    }
    Matcher m = WITH_ARG.matcher(t);
    if (!m.matches()) {
      throw new ValidationException(
          "Unknown partition transform '"
              + transform
              + "'. Use identity, year, month, "
              + "day, hour, bucket[N], truncate[W] or void.");
    }
    int n = Integer.parseInt(m.group(2));
    if (m.group(1).equals("bucket")) {
      return (murmur3(hashBytes(sourceType, value)) & Integer.MAX_VALUE) % n;
    }
    return truncate(sourceType, value, n);
  }

  /**
   * Checks that {@code transform} can apply to a column of {@code type}; names the column in the
   * error.
   */
  public static void check(String transform, String column, Type type) {
    String t = transform.toLowerCase(Locale.ROOT);
    Type.TypeId id = type.typeId();
    boolean ok;
    Matcher m = WITH_ARG.matcher(t);
    if (t.equals("identity") || t.equals("void")) {
      ok = type.isPrimitive();
    } else if (t.equals("year") || t.equals("month") || t.equals("day")) {
      ok = id == Type.TypeId.DATE || id == Type.TypeId.TIMESTAMP || id == Type.TypeId.TIMESTAMPTZ;
    } else if (t.equals("hour")) {
      ok = id == Type.TypeId.TIMESTAMP || id == Type.TypeId.TIMESTAMPTZ;
    } else if (m.matches() && m.group(1).equals("bucket")) {
      ok =
          type.isPrimitive()
              && id != Type.TypeId.BOOLEAN
              && id != Type.TypeId.FLOAT
              && id != Type.TypeId.DOUBLE;
    } else if (m.matches()) {
      ok =
          id == Type.TypeId.INTEGER
              || id == Type.TypeId.LONG
              || id == Type.TypeId.DECIMAL
              || id == Type.TypeId.STRING
              || id == Type.TypeId.BINARY;
    } else {
      throw new ValidationException(
          "Unknown partition transform '"
              + transform
              + "'. Use identity, year, month, "
              + "day, hour, bucket[N], truncate[W] or void.");
    }
    if (m.matches() && Long.parseLong(m.group(2)) <= 0) {
      throw new ValidationException(
          "Partition transform '" + transform + "' needs a positive width or bucket count.");
    }
    if (!ok) {
      throw new ValidationException(
          "Cannot partition by "
              + transform
              + " of column '"
              + column
              + "': it is "
              + type
              + ", and "
              + transform
              + " applies to "
              + appliesTo(t)
              + ".");
    }
  }

  private static String appliesTo(String t) {
    if (t.equals("hour")) {
      return "timestamp and timestamptz columns";
    }
    if (t.equals("year") || t.equals("month") || t.equals("day")) {
      return "date, timestamp and timestamptz columns";
    }
    if (t.startsWith("bucket")) {
      return "primitive columns other than boolean, float and double";
    }
    if (t.startsWith("truncate")) {
      return "int, long, decimal, string and binary columns";
    }
    return "primitive columns";
  }

  /**
   * One partition field from its written form: {@code col} or {@code identity(col)}, {@code
   * year(col)}, {@code month(col)}, {@code day(col)}, {@code hour(col)}, {@code bucket(N, col)},
   * {@code truncate(W, col)}, {@code void(col)}. Field ids are assigned from {@code lastFieldId +
   * 1}.
   */
  public static PartitionSpec.Field parseTerm(String term, Schema schema, int fieldId) {
    String column;
    String transform;
    Matcher m = TERM.matcher(term);
    if (m.matches()) {
      String fn = m.group(1).toLowerCase(Locale.ROOT);
      String arg = m.group(2) != null ? m.group(2) : m.group(4);
      column = m.group(3).trim();
      if (fn.equals("bucket") || fn.equals("truncate")) {
        if (arg == null) {
          throw new ValidationException(
              "Partition term '" + term + "' needs a number: write " + fn + "(N, column).");
        }
        transform = fn + "[" + arg + "]";
      } else if (arg != null) {
        throw new ValidationException(
            "Partition term '" + term + "' takes no number; write " + fn + "(column).");
      } else {
        transform = fn;
      }
    } else if (term.trim().matches("[^(),\\s]+")) {
      column = term.trim();
      transform = "identity";
    } else {
      throw new ValidationException(
          "Cannot read partition term '"
              + term
              + "'. Write a column name, or one of "
              + "year(col), month(col), day(col), hour(col), bucket(N, col), truncate(W, col), identity(col).");
    }
    Types.NestedField source = schema.findField(column);
    if (source == null) {
      throw new ValidationException(
          "Cannot partition by '"
              + term
              + "': the table has no column '"
              + column
              + "' (columns: "
              + String.join(", ", schema.columnNames())
              + ").");
    }
    check(transform, column, source.type());
    return new PartitionSpec.Field(defaultName(column, transform), transform, source.id(), fieldId);
  }

  /** The partition field name Iceberg gives a transform of a column. */
  public static String defaultName(String column, String transform) {
    String t = transform.toLowerCase(Locale.ROOT);
    if (t.equals("identity")) {
      return column;
    }
    if (t.startsWith("bucket")) {
      return column + "_bucket";
    }
    if (t.startsWith("truncate")) {
      return column + "_trunc";
    }
    if (t.equals("void")) {
      return column + "_null";
    }
    return column + "_" + t;
  }

  /**
   * The written form of a partition field, as {@link #parseTerm} reads it (e.g. {@code bucket(16,
   * id)}).
   */
  public static String term(PartitionSpec.Field f, Schema schema) {
    Types.NestedField source = schema.findField(f.sourceId());
    String column =
        source == null
            ? "#" + f.sourceId()
            : schema.columnNames().contains(source.name())
                ? source.name()
                : fullName(schema, f.sourceId());
    Matcher m = WITH_ARG.matcher(f.transform());
    if (m.matches()) {
      return m.group(1) + "(" + m.group(2) + ", " + column + ")";
    }
    return f.transform().equals("identity") ? column : f.transform() + "(" + column + ")";
  }

  private static String fullName(Schema schema, int id) {
    List<String> parts = new ArrayList<>();
    for (int i = id; i >= 0; i = schema.parentId(i)) {
      Types.NestedField f = schema.findField(i);
      if (f == null) {
        break;
      }
      parts.add(0, f.name());
    }
    return String.join(".", parts);
  }

  /** A partition value as text for a data file path ({@code name=value}). */
  public static String pathValue(Object v) {
    if (v == null) {
      return "null";
    }
    String s = v instanceof ByteBuffer ? "binary" : v.toString();
    StringBuilder out = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.') {
        out.append(c);
      } else {
        out.append('%').append(String.format("%02X", (int) c & 0xFF));
      }
    }
    return out.length() > 64 ? out.substring(0, 64) : out.toString();
  }

  // ------------------------------------------------------------------ values

  private static LocalDateTime dateTime(Type type, Object v) {
    switch (type.typeId()) {
      case DATE:
        return ((LocalDate) v).atStartOfDay();
      case TIMESTAMP:
        return (LocalDateTime) v;
      case TIMESTAMPTZ:
        return ((OffsetDateTime) v).withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime();
      default:
        throw new ValidationException("A time partition transform cannot apply to " + type);
    }
  }

  private static long micros(Type type, Object v) {
    return ChronoUnit.MICROS.between(EPOCH, dateTime(type, v));
  }

  private static Object truncate(Type type, Object v, int w) {
    switch (type.typeId()) {
      case INTEGER:
        {
          int x = (Integer) v;
          return x - (((x % w) + w) % w);
        }
      case LONG:
        {
          long x = (Long) v;
          return x - (((x % w) + w) % w);
        }
      case DECIMAL:
        {
          BigDecimal d = (BigDecimal) v;
          BigInteger unscaled = d.unscaledValue();
          BigInteger width = BigInteger.valueOf(w);
          BigInteger rem = unscaled.mod(width);
          return new BigDecimal(unscaled.subtract(rem), d.scale());
        }
      case STRING:
        {
          String s = (String) v;
          int cps = s.codePointCount(0, s.length());
          return cps <= w ? s : s.substring(0, s.offsetByCodePoints(0, w));
        }
      case BINARY:
        {
          ByteBuffer b = ((ByteBuffer) v).duplicate();
          if (b.remaining() <= w) {
            return b;
          }
          b.limit(b.position() + w);
          return b.slice();
        }
      default:
        throw new ValidationException("truncate cannot apply to " + type);
    }
  }

  /** The bytes the spec hashes for bucket: longs little-endian (ints and dates widened), etc. */
  static byte[] hashBytes(Type type, Object v) {
    switch (type.typeId()) {
      case INTEGER:
        return longBytes((Integer) v);
      case LONG:
        return longBytes((Long) v);
      case DATE:
        return longBytes(((LocalDate) v).toEpochDay());
      case TIME:
        return longBytes(((LocalTime) v).toNanoOfDay() / 1000);
      case TIMESTAMP:
      case TIMESTAMPTZ:
        return longBytes(micros(type, v));
      case STRING:
        return ((String) v).getBytes(StandardCharsets.UTF_8);
      case UUID:
        {
          UUID u = (UUID) v;
          return ByteBuffer.allocate(16)
              .putLong(u.getMostSignificantBits())
              .putLong(u.getLeastSignificantBits())
              .array();
        }
      case BINARY:
      case FIXED:
        {
          ByteBuffer b = ((ByteBuffer) v).duplicate();
          byte[] out = new byte[b.remaining()];
          b.get(out);
          return out;
        }
      case DECIMAL:
        return ((BigDecimal) v).unscaledValue().toByteArray();
      default:
        throw new ValidationException("bucket cannot apply to " + type);
    }
  }

  private static byte[] longBytes(long x) {
    byte[] b = new byte[8];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (x >>> (8 * i));
    }
    return b;
  }

  /** 32-bit Murmur3, x86 variant, seed 0. */
  static int murmur3(byte[] data) {
    final int c1 = 0xcc9e2d51;
    final int c2 = 0x1b873593;
    int h = 0;
    int blocks = data.length / 4;
    for (int i = 0; i < blocks; i++) {
      int k =
          (data[4 * i] & 0xff)
              | (data[4 * i + 1] & 0xff) << 8
              | (data[4 * i + 2] & 0xff) << 16
              | (data[4 * i + 3] & 0xff) << 24;
      k *= c1;
      k = Integer.rotateLeft(k, 15);
      k *= c2;
      h ^= k;
      h = Integer.rotateLeft(h, 13);
      h = h * 5 + 0xe6546b64;
    }
    int tail = blocks * 4;
    int k = 0;
    switch (data.length & 3) {
      case 3:
        k ^= (data[tail + 2] & 0xff) << 16;
      // fall through
      case 2:
        k ^= (data[tail + 1] & 0xff) << 8;
      // fall through
      case 1:
        k ^= data[tail] & 0xff;
        k *= c1;
        k = Integer.rotateLeft(k, 15);
        k *= c2;
        h ^= k;
        break;
      default:
        break;
    }
    h ^= data.length;
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }
}
