package io.datashard;

import io.datashard.internal.parquet.ParquetFileSchema;
import io.datashard.internal.parquet.ParquetFiles;
import io.datashard.internal.parquet.ParquetFooters;
import io.datashard.storage.LocalStorage;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Parquet files outside a table: one written by any engine (pandas, Spark, DuckDB) to read or
 * import, or one to write with DataShard's writer (zstd, Iceberg field ids) for export.
 */
public final class ParquetFile {
  private ParquetFile() {}

  /**
   * The schema of a Parquet file, with its Iceberg field ids where the file has them (else ids in
   * column order).
   *
   * @throws IOException if the file cannot be read as Parquet
   */
  public static Schema schema(Path file) throws IOException {
    return ParquetFileSchema.of(new LocalStorage(false), location(file));
  }

  /** The number of rows its footer records. */
  public static long rowCount(Path file) throws IOException {
    return ParquetFooters.rowCount(new LocalStorage(false), location(file));
  }

  /** Its rows, read under {@code schema} (as given by {@link #schema(Path)}, or narrowed). */
  public static CloseableIterator<Row> read(Path file, Schema schema) {
    return ParquetFiles.read(new LocalStorage(false), location(file), schema);
  }

  /**
   * Writes rows of {@code schema} as a new Parquet file at {@code location} of a storage. The file
   * appears complete or not at all, and an existing file is never replaced.
   *
   * @return the length of the file written
   * @throws java.nio.file.FileAlreadyExistsException if a file exists there
   */
  public static long write(Storage storage, String location, Schema schema, Iterator<Row> rows)
      throws IOException {
    return ParquetFiles.write(storage, location, schema, rows, CompressionCodecName.ZSTD)
        .fileSizeInBytes();
  }

  private static String location(Path file) {
    return file.toAbsolutePath().toString();
  }
}
