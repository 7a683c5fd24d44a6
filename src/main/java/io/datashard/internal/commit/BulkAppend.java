package io.datashard.internal.commit;

import io.datashard.DataFile;
import io.datashard.FileFormat;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.ValidationException;
import io.datashard.internal.DataFileIO;
import io.datashard.internal.FileNames;
import io.datashard.internal.manifest.ManifestIO;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.internal.scan.TableReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * An append too large to hold in memory: rows are streamed into any number of data files, one at a
 * time ({@link #writeFile}), and {@link #commit} then publishes all of them in one snapshot (one
 * manifest listing every file), atomically. Until then nothing is visible to readers; {@link
 * #close} without a commit removes every file written. Every step runs in the calling thread.
 *
 * <p>The append is blind: if other writers commit meanwhile, the commit is rebased onto their
 * version, as {@link io.datashard.Append} does. A table without a schema takes {@link
 * #schema(Schema)} (inferred by the caller from the first rows) at commit.
 */
public final class BulkAppend implements AutoCloseable {
  private final TableReader reader;
  private final DataWriter writer;
  private final Committer committer;
  private final TableMetadata base;
  private final CommitFiles out;
  private Schema schema;
  private boolean inferred;
  private final List<DataFile> files = new ArrayList<>();
  private boolean done;

  /** Starts a bulk append on the newest version of the table. */
  BulkAppend(TableReader reader, DataWriter writer, Committer committer) {
    this.reader = reader;
    this.writer = writer;
    this.committer = committer;
    this.base = reader.operations().refresh();
    this.schema = base.schema();
    this.out = CommitFiles.inline(reader.operations().storage());
  }

  private String location() {
    return reader.operations().root();
  }

  /** The version of the table this bulk append started on. */
  public TableMetadata base() {
    return base;
  }

  /**
   * The schema rows must have: the table's, or the one set by {@link #schema(Schema)}; no columns
   * if neither.
   */
  public Schema schema() {
    return schema;
  }

  /** True if the table has no schema yet (the caller must set one before writing). */
  public boolean needsSchema() {
    return schema.columns().isEmpty();
  }

  /**
   * Sets the schema of a table that has none yet (inferred from the data); it is committed with the
   * rows.
   */
  public void schema(Schema inferredSchema) {
    if (!needsSchema()) {
      throw new IllegalStateException("The table already has a schema");
    }
    this.schema = inferredSchema;
    this.inferred = true;
  }

  /** The data files written so far. */
  public List<DataFile> files() {
    return List.copyOf(files);
  }

  /** True if the table's default partition spec has fields: rows are then split per partition. */
  public boolean partitioned() {
    return !base.spec().isUnpartitioned();
  }

  /**
   * Writes rows (already converted to {@link #schema()}) into one new data file, streamed; in a
   * partitioned table the rows are held in memory and written as one file per partition (so keep
   * the chunks smaller there). If the iterator throws, the partial file is discarded and the
   * exception passes through; files written before stay staged until {@link #close()}.
   *
   * @return the (last) file written, or null if the iterator had no rows
   */
  public DataFile writeFile(Iterator<Row> rows) {
    if (done) {
      throw new IllegalStateException("This bulk append is already committed or closed");
    }
    if (needsSchema()) {
      throw new ValidationException(
          "Cannot write rows to "
              + location()
              + ": the table has no schema yet. Set one inferred from the data first.");
    }
    if (!rows.hasNext()) {
      return null;
    }
    try {
      if (partitioned()) {
        List<Row> chunk = new ArrayList<>();
        rows.forEachRemaining(chunk::add);
        List<DataFile> written =
            writer.writeDataFiles(base, schema, chunk, FileFormat.PARQUET, out);
        files.addAll(written);
        return written.isEmpty() ? null : written.get(written.size() - 1);
      }
      String location =
          out.add(reader.operations().dataDir() + "/" + FileNames.dataFile(FileFormat.PARQUET));
      DataFile f = DataFileIO.writeParquet(out.storage(), location, schema, rows);
      files.add(f);
      return f;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Writing a data file for "
              + location()
              + " failed: "
              + e
              + ". Nothing was committed; check free disk space and permissions.",
          e);
    }
  }

  /**
   * Commits every file written so far in one new snapshot.
   *
   * @throws ValidationException if no file was written
   */
  public Snapshot commit(Map<String, String> summary) {
    if (done) {
      throw new IllegalStateException("This bulk append is already committed or closed");
    }
    if (files.isEmpty()) {
      throw new ValidationException(
          "Nothing to append: no rows were written, so nothing was committed");
    }
    done = true;
    long snapshotId = Snapshots.newId();
    ManifestIO.Manifest manifest;
    try {
      String manifestLocation =
          out.add(
              reader.operations().metadataDir()
                  + "/"
                  + FileNames.manifest(FileNames.ManifestKind.ADDED));
      manifest =
          ManifestIO.writeAdded(
              out.storage(), manifestLocation, schema, base.spec(), snapshotId, files);
    } catch (IOException e) {
      out.discardPrepared();
      throw new UncheckedIOException(
          "Writing the manifest for "
              + location()
              + " failed: "
              + e
              + ". Nothing was committed; check free disk space and permissions.",
          e);
    } catch (RuntimeException e) {
      out.discardPrepared();
      throw e;
    }
    StagedAppend staged =
        new StagedAppend(
            schema,
            inferred,
            snapshotId,
            files,
            manifest,
            false,
            List.of(),
            List.of(),
            base.currentSnapshotId());
    // the committer removes the staged files on every failure but an unknown commit state
    return committer
        .commit(new AppendCommit(reader.operations(), staged, summary, null), out)
        .value();
  }

  /** Removes the files written, unless committed. */
  @Override
  public void close() {
    if (!done) {
      done = true;
      out.discardPrepared();
    }
  }
}
