package io.datashard.internal.expr;

/**
 * Statistics of a set of rows (a data file or a row group) by field id. Every method may answer
 * null for unknown; bounds are values of the field's type in the filters' order ({@link
 * Comparisons}), where the lower bound is at most and the upper bound at least every non-null,
 * non-NaN value (they may be truncated, as Iceberg does for strings).
 */
public interface ColumnStats {
  /** The number of rows. */
  long rowCount();

  /** Values of the field, nulls included (null if unknown). */
  Long valueCount(int fieldId);

  /** Nulls of the field (null if unknown). */
  Long nullCount(int fieldId);

  /** NaNs of a float or double field (null if unknown). */
  Long nanCount(int fieldId);

  /** A lower bound of the non-null, non-NaN values (null if unknown). */
  Object lower(int fieldId);

  /** An upper bound of the non-null, non-NaN values (null if unknown). */
  Object upper(int fieldId);
}
