package io.datashard.internal.meta;

import java.nio.charset.StandardCharsets;

/**
 * Finds values in JSON text by scanning its bytes, without tokenizing them: where a value (object,
 * array, string or scalar) ends, and the snapshot id an object starts with. Used to read a metadata
 * file quickly where it repeats what a reader already knows. Returns -1 (or null) for anything
 * unexpected; the caller then parses the file the general way, which reports the problem.
 */
final class JsonSlices {
  private static final int MAX_DEPTH = 64;

  private JsonSlices() {}

  /**
   * The index after the value starting at {@code i} (an object, array, string or scalar), or -1.
   */
  static int skipValue(byte[] b, int i) {
    if (i >= b.length) {
      return -1;
    }
    byte c = b[i];
    if (c == '"') {
      return skipString(b, i);
    }
    if (c == '{' || c == '[') {
      byte[] closers = new byte[MAX_DEPTH];
      int depth = 0;
      while (i < b.length) {
        c = b[i];
        if (c == '"') {
          i = skipString(b, i);
          if (i < 0) {
            return -1;
          }
          continue;
        }
        if (c == '{' || c == '[') {
          if (depth == MAX_DEPTH) {
            return -1;
          }
          closers[depth++] = c == '{' ? (byte) '}' : (byte) ']';
        } else if (c == '}' || c == ']') {
          if (closers[--depth] != c) {
            return -1;
          }
          if (depth == 0) {
            return i + 1;
          }
        }
        i++;
      }
      return -1;
    }
    // a number, true, false or null
    int start = i;
    while (i < b.length && b[i] != ',' && b[i] != '}' && b[i] != ']' && !isSpace(b[i])) {
      i++;
    }
    return i > start ? i : -1;
  }

  /** The index after the string starting at {@code i} (a quote), or -1. */
  static int skipString(byte[] b, int i) {
    i++;
    while (i < b.length) {
      byte c = b[i];
      if (c == '\\') {
        i += 2;
      } else if (c == '"') {
        return i + 1;
      } else {
        i++;
      }
    }
    return -1;
  }

  static int skipSpace(byte[] b, int i) {
    while (i < b.length && isSpace(b[i])) {
      i++;
    }
    return i;
  }

  private static boolean isSpace(byte c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
  }

  private static boolean regionEquals(byte[] b, int at, byte[] k) {
    for (int j = 0; j < k.length; j++) {
      if (b[at + j] != k[j]) {
        return false;
      }
    }
    return true;
  }

  private static final byte[] SNAPSHOT_ID_FIRST =
      "{\"snapshot-id\":".getBytes(StandardCharsets.UTF_8);

  /**
   * The snapshot id of an object that starts with it ({@code {"snapshot-id":123,}, as DataShard
   * and Iceberg Java write snapshots), or null.
   */
  static Long leadingSnapshotId(byte[] b, int start, int end) {
    if (end - start < SNAPSHOT_ID_FIRST.length + 2 || !regionEquals(b, start, SNAPSHOT_ID_FIRST)) {
      return null;
    }
    int i = start + SNAPSHOT_ID_FIRST.length;
    boolean negative = i < end && b[i] == '-';
    if (negative) {
      i++;
    }
    int digitsStart = i;
    while (i < end && b[i] >= '0' && b[i] <= '9') {
      i++;
    }
    int digits = i - digitsStart;
    if (digits == 0 || digits > 19 || i >= end || (b[i] != ',' && b[i] != '}')) {
      return null;
    }
    try {
      long v = Long.parseLong(new String(b, digitsStart, digits, StandardCharsets.ISO_8859_1));
      return negative ? -v : v;
    } catch (NumberFormatException e) {
      return null; // beyond 64 bits: the general path reports it
    }
  }
}
