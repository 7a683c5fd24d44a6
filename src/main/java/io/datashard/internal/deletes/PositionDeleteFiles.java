package io.datashard.internal.deletes;

import io.datashard.DataFile;
import io.datashard.FileFormat;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Types;
import io.datashard.internal.DataFileIO;
import io.datashard.internal.Rows;
import io.datashard.internal.Values;
import io.datashard.internal.manifest.ManifestIO;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Writes position delete files the way merge-on-read writers do: one file per data file ("file
 * scoped", as Spark writes them by default since Iceberg 1.8), rows {@code (file_path, pos)} in
 * position order, in the data file's partition, with exact bounds on {@code file_path} (lower equal
 * to upper: readers, Iceberg Java's included, then know the one data file it applies to).
 */
public final class PositionDeleteFiles {
  private PositionDeleteFiles() {}

  /** The schema of a position delete file without deleted rows. */
  public static final Schema SCHEMA =
      new Schema(
          0,
          List.of(
              Types.NestedField.required(DeleteIndex.FILE_PATH_ID, "file_path", Types.STRING),
              Types.NestedField.required(DeleteIndex.POS_ID, "pos", Types.LONG)));

  /**
   * Writes the deletes of {@code positions} (sorted, distinct) of {@code dataFile} to {@code
   * location} (a new file) and returns its entry, to be committed.
   */
  public static ManifestIO.DeleteEntry write(
      Storage storage, String location, FileFormat format, DataFile dataFile, long[] positions)
      throws IOException {
    String path = dataFile.path();
    Types.StructType type = SCHEMA.asStruct();
    Iterator<Row> rows =
        new Iterator<Row>() {
          private int i;

          @Override
          public boolean hasNext() {
            return i < positions.length;
          }

          @Override
          public Row next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            return Rows.wrap(type, new Object[] {path, positions[i++]});
          }
        };
    DataFile written = DataFileIO.write(storage, location, format, SCHEMA, rows);
    ByteBuffer pathBytes = ByteBuffer.wrap(path.getBytes(StandardCharsets.UTF_8));
    Map<Integer, ByteBuffer> lower = new LinkedHashMap<>();
    Map<Integer, ByteBuffer> upper = new LinkedHashMap<>();
    lower.put(DeleteIndex.FILE_PATH_ID, pathBytes);
    upper.put(DeleteIndex.FILE_PATH_ID, pathBytes.duplicate());
    lower.put(DeleteIndex.POS_ID, Values.toBytes(Types.LONG, positions[0]));
    upper.put(DeleteIndex.POS_ID, Values.toBytes(Types.LONG, positions[positions.length - 1]));
    DataFile file =
        written.toBuilder()
            .specId(dataFile.specId())
            .partition(dataFile.partition())
            .lowerBounds(lower)
            .upperBounds(upper)
            .splitOffsets(null)
            .build();
    return ManifestIO.addedDelete(file, ManifestIO.POSITION_DELETES, List.of());
  }
}
