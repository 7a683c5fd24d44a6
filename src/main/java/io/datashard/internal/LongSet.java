package io.datashard.internal;

import java.util.Collection;

/**
 * A set of longs by open addressing: membership tests without boxing, for long IN lists. A small
 * Bloom filter in front (about 8 bits per value, at most 128 KB, so it stays in the CPU's cache)
 * answers most misses without touching the table, which is where the time goes when a delete of
 * 100,000 ids tests 10,000,000 rows.
 */
public final class LongSet {
  private static final long EMPTY = Long.MIN_VALUE;

  private final long[] slots;
  private final int mask;
  private final long[] bloom;
  private final int bloomMask;
  private boolean hasEmptyValue;

  /** A set of these values (each a {@link Number} of an integer type). */
  public LongSet(Collection<?> values) {
    int capacity = Integer.highestOneBit(Math.max(4, values.size() * 2 - 1)) << 1;
    slots = new long[capacity];
    java.util.Arrays.fill(slots, EMPTY);
    mask = capacity - 1;
    int bits = Integer.highestOneBit(Math.max(64, Math.min(1 << 20, values.size() * 8)));
    bloom = new long[bits / 64];
    bloomMask = bits - 1;
    for (Object o : values) {
      add(((Number) o).longValue());
    }
  }

  private void add(long v) {
    long h = v * 0x9E3779B97F4A7C15L;
    int b1 = (int) h & bloomMask;
    int b2 = (int) (h >>> 40) & bloomMask;
    bloom[b1 >>> 6] |= 1L << b1;
    bloom[b2 >>> 6] |= 1L << b2;
    if (v == EMPTY) {
      hasEmptyValue = true;
      return;
    }
    int i = mix(v) & mask;
    while (slots[i] != EMPTY) {
      if (slots[i] == v) {
        return;
      }
      i = (i + 1) & mask;
    }
    slots[i] = v;
  }

  /** True if the set holds {@code v}. */
  public boolean contains(long v) {
    long h = v * 0x9E3779B97F4A7C15L;
    int b1 = (int) h & bloomMask;
    int b2 = (int) (h >>> 40) & bloomMask;
    if ((bloom[b1 >>> 6] & (1L << b1)) == 0 || (bloom[b2 >>> 6] & (1L << b2)) == 0) {
      return false;
    }
    if (v == EMPTY) {
      return hasEmptyValue;
    }
    int i = mix(v) & mask;
    while (true) {
      long s = slots[i];
      if (s == v) {
        return true;
      }
      if (s == EMPTY) {
        return false;
      }
      i = (i + 1) & mask;
    }
  }

  private static int mix(long v) {
    long h = v * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32));
  }
}
