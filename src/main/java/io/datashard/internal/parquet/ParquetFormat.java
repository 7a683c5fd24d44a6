package io.datashard.internal.parquet;

import io.datashard.CloseableIterator;
import io.datashard.DataFile;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.internal.FormatHandler;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.DataShardReadOptions;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * The Parquet {@link FormatHandler}: zstd-compressed files with field ids, read and written without
 * Hadoop.
 */
public final class ParquetFormat implements FormatHandler {
  @Override
  public DataFile write(Storage storage, String location, Schema schema, Iterator<Row> rows)
      throws IOException {
    return ParquetFiles.write(storage, location, schema, rows, CompressionCodecName.ZSTD);
  }

  @Override
  public CloseableIterator<Row> read(Storage storage, String location, Schema projection) {
    return ParquetFiles.read(storage, location, projection);
  }

  @Override
  public List<FileColumn> columns(Storage storage, String location) throws IOException {
    List<FileColumn> out = new ArrayList<>();
    for (Type f : footer(storage, location).getFileMetaData().getSchema().getFields()) {
      out.add(new FileColumn(f.getId() == null ? null : f.getId().intValue(), f.getName()));
    }
    return out;
  }

  /**
   * Bytes on disk per column (field id) as the footer records them, for files written elsewhere.
   */
  public static Map<Integer, Long> columnSizes(Storage storage, String location)
      throws IOException {
    ParquetMetadata footer = footer(storage, location);
    MessageType schema = footer.getFileMetaData().getSchema();
    Map<Integer, Long> sizes = new LinkedHashMap<>();
    for (BlockMetaData block : footer.getBlocks()) {
      for (ColumnChunkMetaData chunk : block.getColumns()) {
        Type leaf = schema.getType(chunk.getPath().toArray());
        if (leaf.getId() != null) {
          sizes.merge(leaf.getId().intValue(), chunk.getTotalSize(), Long::sum);
        }
      }
    }
    return sizes;
  }

  private static ParquetMetadata footer(Storage storage, String location) throws IOException {
    Codecs codecs = new Codecs();
    try (Storage.InputFile file = storage.open(location);
        ParquetFileReader reader =
            new ParquetFileReader(StorageFiles.input(file), DataShardReadOptions.create(codecs))) {
      return reader.getFooter();
    } finally {
      codecs.release();
    }
  }
}
