package io.datashard.internal.parquet;

import io.datashard.CloseableIterator;
import io.datashard.CorruptTableException;
import io.datashard.DataShardException;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.parquet.DataShardReadOptions;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;

/** Streams the rows of one Parquet file, one row group in memory at a time. */
final class RowReader implements CloseableIterator<Row> {
  private final Storage.InputFile input;
  private final String location;
  private final ParquetFileReader reader;
  private final Codecs codecs = new Codecs();
  private final MessageColumnIO columnIO;
  private final RowMaterializer materializer;
  private final RowGroupFilter groupFilter;
  private int groupIndex;
  private RecordReader<Row> records;

  /**
   * Reads flat projections column by column; null for the others, which Parquet's record assembly
   * reads.
   */
  private final FlatRowReader flat;

  private long remainingInGroup;
  private Row next;
  private boolean closed;

  RowReader(Storage.InputFile input, String location, Schema projection) throws IOException {
    this(input, location, projection, RowGroupFilter.ALL);
  }

  RowReader(Storage.InputFile input, String location, Schema projection, RowGroupFilter groupFilter)
      throws IOException {
    this.input = input;
    this.location = location;
    this.groupFilter = groupFilter;
    try {
      ParquetReadOptions options = DataShardReadOptions.create(codecs);
      this.reader = new ParquetFileReader(StorageFiles.input(input), options);
    } catch (IOException | RuntimeException e) {
      input.close();
      throw e;
    }
    try {
      MessageType fileSchema = reader.getFooter().getFileMetaData().getSchema();
      Projection p = Projection.of(projection.asStruct(), fileSchema, location);
      reader.setRequestedSchema(p.requested());
      this.columnIO = new ColumnIOFactory().getColumnIO(p.requested(), fileSchema, true);
      this.materializer = new RowMaterializer(projection.asStruct(), p);
      this.flat =
          FlatRowReader.of(
              projection.asStruct(),
              p.requested(),
              reader.getFooter().getFileMetaData().getCreatedBy());
    } catch (CorruptTableException e) {
      close();
      throw e.getMessage().contains(location)
          ? e
          : new CorruptTableException(
              "Cannot read data file " + location + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  @Override
  public boolean hasNext() {
    if (next != null) {
      return true;
    }
    if (closed) {
      return false;
    }
    try {
      while (remainingInGroup == 0) {
        List<BlockMetaData> groups = reader.getRowGroups();
        if (groupIndex < groups.size()
            && !groupFilter.mightMatch(
                reader.getFooter().getFileMetaData().getSchema(), groups.get(groupIndex))) {
          groupIndex++;
          reader.skipNextRowGroup();
          continue;
        }
        groupIndex++;
        PageReadStore group = reader.readNextRowGroup();
        if (group == null) {
          close();
          return false;
        }
        remainingInGroup = group.getRowCount();
        if (flat != null) {
          flat.start(group);
        } else {
          records = columnIO.getRecordReader(group, materializer);
        }
      }
      remainingInGroup--;
      next = flat != null ? flat.read() : records.read();
      return true;
    } catch (IOException | RuntimeException e) {
      close();
      if (e instanceof DataShardException) {
        throw (DataShardException) e;
      }
      throw new CorruptTableException(
          "Cannot read data file "
              + location
              + ": "
              + e.getMessage()
              + ". The file is damaged or truncated.",
          e);
    }
  }

  @Override
  public Row next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    Row r = next;
    next = null;
    return r;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (reader != null) {
        reader.close();
      }
    } catch (IOException e) {
      // closing a file we only read
    } finally {
      codecs.release();
      try {
        input.close();
      } catch (IOException e) {
        // nothing was written
      }
    }
  }
}
