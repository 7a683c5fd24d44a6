package io.datashard.internal;

import io.datashard.CloseableIterator;
import io.datashard.DataFile;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;

/**
 * Writes and reads the data files of one format (Parquet, ORC or Avro). Implementations live in
 * their own packages ({@code internal.parquet}, {@code internal.orc}, {@code internal.avro});
 * {@link DataFileIO} chooses one per file.
 */
public interface FormatHandler {
  /**
   * Writes rows of {@code schema} into a new file published at {@code location}.
   *
   * @return the data file with its size, record count and column metrics
   */
  DataFile write(Storage storage, String location, Schema schema, Iterator<Row> rows)
      throws IOException;

  /**
   * Reads the rows of a file in the shape of {@code projection}, matching columns by field id (by
   * name when the file has no ids); columns the file lacks read as null.
   *
   * @throws io.datashard.CorruptTableException if the file is missing or unreadable
   */
  CloseableIterator<Row> read(Storage storage, String location, Schema projection);

  /**
   * The top-level columns of an existing file, without reading its rows.
   *
   * @throws IOException if the file cannot be read or is not of this format
   */
  List<FileColumn> columns(Storage storage, String location) throws IOException;

  /**
   * The number of rows in a file, from its footer where the format has one (else by reading it).
   *
   * @throws IOException if the file cannot be read
   */
  default long recordCount(Storage storage, String location) throws IOException {
    long n = 0;
    try (CloseableIterator<Row> rows = read(storage, location, new Schema(0, List.of()))) {
      while (rows.hasNext()) {
        rows.next();
        n++;
      }
    }
    return n;
  }

  /**
   * A top-level column of a data file: its Iceberg field id (null when the file has none) and name.
   */
  final class FileColumn {
    public final Integer id;
    public final String name;

    public FileColumn(Integer id, String name) {
      this.id = id;
      this.name = name;
    }

    @Override
    public String toString() {
      return id == null ? name : name + " (id " + id + ")";
    }
  }
}
