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
  private final long[] sorted;

  /** A set of these values (each a {@link Number} of an integer type). */
  public LongSet(Collection<?> values) {
    int capacity = Integer.highestOneBit(Math.max(4, values.size() * 2 - 1)) << 1;
    slots = new long[capacity];
    java.util.Arrays.fill(slots, EMPTY);
    mask = capacity - 1;
    int bits = Integer.highestOneBit(Math.max(64, Math.min(1 << 20, values.size() * 8)));
    bloom = new long[bits / 64];
    bloomMask = bits - 1;
    long[] all = new long[values.size()];
    int n = 0;
    for (Object o : values) {
      long v = ((Number) o).longValue();
      add(v);
      all[n++] = v;
    }
    java.util.Arrays.sort(all, 0, n);
    int distinct = 0;
    for (int i = 0; i < n; i++) {
      if (distinct == 0 || all[distinct - 1] != all[i]) {
        all[distinct++] = all[i];
      }
    }
    sorted = java.util.Arrays.copyOf(all, distinct);
  }

  /**
   * A membership test for one stream of values, such as a column read in file order: while the
   * values come in ascending order (ids in the order they were appended, a sorted column) it walks
   * the sorted values alongside them, a comparison or two per value instead of hashing; when they
   * come in no order it goes over to {@link #contains}. Not for use by two threads at once.
   */
  public Probe probe() {
    return new Probe();
  }

  /** See {@link #probe()}. */
  public final class Probe {
    private int cursor;
    private long last = Long.MIN_VALUE;
    private int window;
    private int descents;
    private boolean hashed;

    private Probe() {}

    /** True if the set holds {@code v}. */
    public boolean contains(long v) {
      if (hashed) {
        return LongSet.this.contains(v);
      }
      long[] s = sorted;
      int c = cursor;
      if (v < last) {
        descents++;
        c = lowerBound(s, 0, s.length, v);
      } else if (c < s.length && s[c] < v) {
        // gallop forward, then search the last stretch
        int step = 1;
        int lo = c;
        int hi = c + 1;
        while (hi < s.length && s[hi] < v) {
          lo = hi;
          step <<= 1;
          hi = lo + step;
        }
        c = lowerBound(s, lo + 1, Math.min(hi + 1, s.length), v);
      }
      last = v;
      cursor = c;
      if (++window == 4096) {
        hashed = descents > 64; // not ascending enough to pay: hash from here on
        window = 0;
        descents = 0;
      }
      return c < s.length && s[c] == v;
    }
  }

  /** The first index in [from, to) whose value is at least v (to if none). */
  private static int lowerBound(long[] s, int from, int to, long v) {
    int lo = from;
    int hi = to;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (s[mid] < v) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
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
