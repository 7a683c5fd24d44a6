package io.datashard.internal;

import io.datashard.DataFile;
import io.datashard.FileFormat;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.ValidationException;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append too large to hold in memory: rows are streamed into any number of data files, one at a
 * time ({@link #writeFile}), and {@link #commit} then publishes all of them in one snapshot (one
 * manifest listing every file), atomically. Until then nothing is visible to readers; {@link
 * #close} without a commit removes every file written.
 *
 * <p>The append is blind: if other writers commit meanwhile, the commit is rebased onto their
 * version, as {@link io.datashard.Append} does. A table without a schema takes {@link
 * #schema(Schema)} (inferred by the caller from the first rows) at commit.
 */
public final class BulkAppend implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BulkAppend.class);

  private final TableCore core;
  private final TableOperations ops;
  private final Storage storage;
  private final TableMetadata base;
  private Schema schema;
  private boolean inferred;
  private final List<DataFile> files = new ArrayList<>();
  private final List<String> written = new ArrayList<>();
  private boolean done;

  /** Starts a bulk append on the newest version of the table. */
  public BulkAppend(TableCore core) {
    this.core = core;
    this.ops = core.operations();
    this.storage = ops.storage();
    this.base = core.refresh();
    this.schema = base.schema();
  }

  /** The version of the table this bulk append started on. */
  TableMetadata base() {
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
              + core.location()
              + ": the table has no schema yet. "
              + "Set one inferred from the data first.");
    }
    if (!rows.hasNext()) {
      return null;
    }
    if (partitioned()) {
      List<Row> chunk = new ArrayList<>();
      rows.forEachRemaining(chunk::add);
      try {
        List<DataFile> out = core.writeDataFiles(base, schema, chunk, written);
        files.addAll(out);
        return out.isEmpty() ? null : out.get(out.size() - 1);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "Writing data files for "
                + core.location()
                + " failed: "
                + e
                + ". Nothing was committed; check free disk space and permissions.",
            e);
      }
    }
    String location = ops.dataDir() + "/" + FileNames.dataFile(FileFormat.PARQUET);
    try {
      DataFile f = DataFileIO.writeParquet(storage, location, schema, rows);
      written.add(f.path());
      files.add(f);
      return f;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Writing a data file for "
              + core.location()
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
    long snapshotId = TableCore.newSnapshotId();
    ManifestIO.Manifest manifest;
    try {
      storage.syncDirectory(ops.dataDir());
      String manifestLocation =
          ops.metadataDir() + "/" + FileNames.manifest(FileNames.ManifestKind.ADDED);
      manifest =
          ManifestIO.writeAdded(storage, manifestLocation, schema, base.spec(), snapshotId, files);
      // (partitioned tables: writeDataFiles synced the partition directories already)
      written.add(manifestLocation);
    } catch (IOException e) {
      discard();
      throw new UncheckedIOException(
          "Writing the manifest for "
              + core.location()
              + " failed: "
              + e
              + ". Nothing was committed; check free disk space and permissions.",
          e);
    } catch (RuntimeException e) {
      discard();
      throw e;
    }
    TableCore.Staged staged =
        new TableCore.Staged(
            schema,
            inferred,
            snapshotId,
            List.copyOf(files),
            manifest,
            List.copyOf(written),
            false,
            List.of(),
            List.of(),
            base.currentSnapshotId(),
            BackgroundPublisher.inline(core.storage()));
    // commitStaged removes the staged files itself on every failure but an unknown commit state
    return core.commitStaged(base, staged, summary, TableCore.BLIND, null);
  }

  /** Removes the files written, unless committed. */
  @Override
  public void close() {
    if (!done) {
      done = true;
      discard();
    }
  }

  private void discard() {
    for (String l : written) {
      try {
        storage.delete(l);
      } catch (IOException e) {
        LOG.warn("Could not remove uncommitted file {}: {}", l, e.toString());
      }
    }
  }
}
