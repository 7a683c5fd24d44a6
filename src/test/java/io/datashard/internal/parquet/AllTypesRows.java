package io.datashard.internal.parquet;

import io.datashard.Row;
import io.datashard.Schema;
import java.util.List;

/**
 * Public access to the every-type schema and rows of {@link ParquetTestData}, for tests of other
 * formats.
 */
public final class AllTypesRows {
  private AllTypesRows() {}

  /** A schema with every primitive type and list, map and struct columns (nested too). */
  public static final Schema SCHEMA = ParquetTestData.ALL;

  /**
   * {@code count} rows with nulls (every 7th row all-null), NaN, -0.0, empty collections, long
   * strings.
   */
  public static List<Row> rows(int count) {
    return ParquetTestData.rows(count);
  }
}
