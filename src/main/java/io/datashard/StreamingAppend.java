package io.datashard;

import io.datashard.internal.commit.BulkAppend;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An append too large to hold in memory, written file by file: {@link #writeFile} streams rows into
 * one new data file (Parquet), as often as needed, and {@link #commit()} then publishes all of them
 * in one snapshot, atomically. Until then readers see nothing; {@link #close()} without a commit
 * removes every file written. Blind like any append: commits made meanwhile by others are kept.
 *
 * <pre>{@code
 * try (StreamingAppend append = table.newStreamingAppend()) {
 *   if (append.needsSchema()) {
 *     append.schema(Schema.infer(firstRecords));
 *   }
 *   for (List<Object> chunk : chunks) {
 *     append.writeFile(chunk.stream().map(append.schema()::toRow).iterator());
 *   }
 *   append.summary("source", "import-42").commit();
 * }
 * }</pre>
 *
 * {@link Append#addAll(java.util.Iterator)} does all of this for one iterator of records; this
 * class is for callers that choose the file boundaries or infer the schema themselves.
 */
public final class StreamingAppend implements AutoCloseable {
  private final BulkAppend bulk;
  private final Map<String, String> summary = new LinkedHashMap<>();

  StreamingAppend(BulkAppend bulk) {
    this.bulk = bulk;
  }

  /** True if the table has no schema yet: set one ({@link #schema(Schema)}) before writing. */
  public boolean needsSchema() {
    return bulk.needsSchema();
  }

  /** The schema rows must have: the table's, or the one given to {@link #schema(Schema)}. */
  public Schema schema() {
    return bulk.schema();
  }

  /** Sets the schema of a table that has none yet; it is committed with the rows. */
  public StreamingAppend schema(Schema schema) {
    bulk.schema(schema);
    return this;
  }

  /**
   * True if the table is partitioned: each {@link #writeFile} then holds its rows in memory to
   * write one file per partition, so give it smaller chunks.
   */
  public boolean partitioned() {
    return bulk.partitioned();
  }

  /**
   * Writes rows of {@link #schema()} (see {@link Schema#toRow}) into a new data file, streamed.
   *
   * @return the (last) file written, or null if there were no rows
   */
  public DataFile writeFile(Iterator<Row> rows) {
    return bulk.writeFile(rows);
  }

  /** The data files written so far. */
  public List<DataFile> files() {
    return bulk.files();
  }

  /** Records a custom key in the snapshot summary. */
  public StreamingAppend summary(String key, String value) {
    if (key.equals("operation")) {
      throw new ValidationException("The summary key 'operation' is reserved: choose another key");
    }
    summary.put(key, value);
    return this;
  }

  /**
   * Commits every file written in one snapshot.
   *
   * @throws ValidationException if no file was written
   * @throws CommitStateUnknownException if it is unknown whether the commit happened
   */
  public Snapshot commit() {
    return bulk.commit(summary);
  }

  /** Removes the files written, unless committed. */
  @Override
  public void close() {
    bulk.close();
  }
}
