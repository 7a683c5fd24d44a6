package io.datashard.internal;

import io.datashard.CloseableIterator;
import io.datashard.DataFile;
import io.datashard.DataShardException;
import io.datashard.FileFormat;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.internal.parquet.ParquetFiles;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.util.Iterator;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/** Chooses the reader and writer for each data file format. */
final class DataFileIO {
  private DataFileIO() {}

  static DataFile writeParquet(Storage storage, String location, Schema schema, Iterator<Row> rows)
      throws IOException {
    return ParquetFiles.write(storage, location, schema, rows, CompressionCodecName.ZSTD);
  }

  static CloseableIterator<Row> read(Storage storage, String location, FileFormat format, Schema projection) {
    if (format != FileFormat.PARQUET) {
      throw new DataShardException("Data file " + location + " is in " + format + " format, which this version of "
          + "DataShard cannot read yet (it reads Parquet).");
    }
    return ParquetFiles.read(storage, location, projection);
  }
}
