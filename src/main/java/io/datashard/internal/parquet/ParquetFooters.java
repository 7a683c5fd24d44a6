package io.datashard.internal.parquet;

import io.datashard.storage.Storage;
import java.io.IOException;
import org.apache.parquet.DataShardReadOptions;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;

/** Reads what a Parquet file's footer says about it, without reading its rows. */
public final class ParquetFooters {
  private ParquetFooters() {}

  /**
   * The number of rows the footer of a Parquet file records (the sum over its row groups).
   *
   * @throws IOException if the file cannot be read or its footer is not valid Parquet
   * @throws RuntimeException parquet-java's own exceptions for malformed footers
   */
  public static long rowCount(Storage storage, String location) throws IOException {
    Codecs codecs = new Codecs();
    try (Storage.InputFile file = storage.open(location);
        ParquetFileReader reader =
            new ParquetFileReader(StorageFiles.input(file), DataShardReadOptions.create(codecs))) {
      long rows = 0;
      for (BlockMetaData block : reader.getFooter().getBlocks()) {
        rows += block.getRowCount();
      }
      return rows;
    } finally {
      codecs.release();
    }
  }
}
