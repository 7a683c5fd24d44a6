package io.datashard.internal;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.RandomAccess;

/**
 * An unmodifiable {@code List<Float>} over a {@code float[]}, as scans return list&lt;float&gt;
 * columns (embeddings): one array per list instead of a boxed object per element. Equal to, and
 * with the same hash code as, any other list of the same floats (the {@link java.util.List}
 * contract); null elements are kept where the column allows them.
 */
public final class FloatList extends AbstractList<Float> implements RandomAccess {
  private final float[] values;

  /** Null marks, or null when the list holds no null element. */
  private final boolean[] nulls;

  /** Wraps the arrays without copying them: the caller hands them over and does not change them. */
  public FloatList(float[] values, boolean[] nulls) {
    if (nulls != null && nulls.length != values.length) {
      throw new IllegalArgumentException(
          "null marks for " + nulls.length + " elements, values for " + values.length);
    }
    this.values = values;
    this.nulls = nulls;
  }

  @Override
  public Float get(int index) {
    if (nulls != null && nulls[index]) {
      return null;
    }
    return values[index];
  }

  @Override
  public int size() {
    return values.length;
  }

  /** True if the element at the index is null. */
  public boolean isNull(int index) {
    return nulls != null && nulls[index];
  }

  /** True if some element is null. */
  public boolean hasNulls() {
    if (nulls != null) {
      for (boolean n : nulls) {
        if (n) {
          return true;
        }
      }
    }
    return false;
  }

  /** The element as a primitive float; fails for a null element. */
  public float floatAt(int index) {
    if (nulls != null && nulls[index]) {
      throw new NullPointerException("element " + index + " is null");
    }
    return values[index];
  }

  /** A copy of the values (0 where an element is null). */
  public float[] toFloatArray() {
    return Arrays.copyOf(values, values.length);
  }

  /** Collects one list at a time into a reused buffer; {@link #build} copies it out. */
  public static final class Builder {
    private float[] values = new float[8];
    private boolean[] nulls;
    private int size;

    /** Starts a new list. */
    public void reset() {
      size = 0;
      nulls = null;
    }

    public void add(float v) {
      grow();
      values[size++] = v;
    }

    public void addNull() {
      grow();
      if (nulls == null) {
        nulls = new boolean[values.length];
      }
      nulls[size] = true;
      values[size++] = 0;
    }

    private void grow() {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      if (nulls != null && nulls.length < values.length) {
        nulls = Arrays.copyOf(nulls, values.length);
      }
    }

    /** The list collected since the last reset. */
    public FloatList build() {
      return new FloatList(
          Arrays.copyOf(values, size), nulls == null ? null : Arrays.copyOf(nulls, size));
    }
  }
}
