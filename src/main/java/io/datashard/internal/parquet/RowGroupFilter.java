package io.datashard.internal.parquet;

import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.schema.MessageType;

/** Decides, from a row group's footer metadata, whether a reader must read it. */
public interface RowGroupFilter {
  /** Reads every row group. */
  RowGroupFilter ALL = (schema, block) -> true;

  /**
   * False if no row of the row group can be wanted (the reader then skips it without reading its
   * pages).
   */
  boolean mightMatch(MessageType fileSchema, BlockMetaData block);
}
