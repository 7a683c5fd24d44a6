package io.datashard.internal.scan;

import io.datashard.CloseableIterator;
import io.datashard.DataFile;
import io.datashard.FileFormat;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.ValidationException;
import io.datashard.internal.DataFileIO;
import io.datashard.internal.commit.TableOperations;
import io.datashard.internal.deletes.DeleteIndex;
import io.datashard.internal.deletes.DeleteReader;
import io.datashard.internal.manifest.ManifestIO;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.internal.parquet.ParquetFiles;
import io.datashard.internal.parquet.RowGroupFilter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Reads one table: which snapshot a read means (by id, by time, current), the live data files of a
 * snapshot, and their rows.
 */
public final class TableReader {
  /** Snapshots with more live files than this are not kept in memory between reads. */
  private static final int CACHED_ENTRIES_MAX = 10_000;

  private final TableOperations ops;
  private volatile Plan lastPlan;

  public TableReader(TableOperations ops) {
    this.ops = ops;
  }

  /** The table's versions and storage. */
  public TableOperations operations() {
    return ops;
  }

  private String location() {
    return ops.root();
  }

  // ---------------------------------------------------------------- which snapshot

  /** The retained snapshots of the newest version, oldest first. */
  public List<Snapshot> snapshots() {
    List<Snapshot> list = new ArrayList<>(ops.refresh().snapshots());
    list.sort(
        Comparator.comparingLong(Snapshot::sequenceNumber)
            .thenComparingLong(Snapshot::timestampMillis));
    return list;
  }

  /** The snapshot {@code id} of {@code meta}; a clear error if it never existed or expired. */
  public Snapshot snapshot(TableMetadata meta, long id) {
    Snapshot s = meta.snapshot(id);
    if (s == null) {
      throw new ValidationException(
          "Table "
              + location()
              + " has no snapshot "
              + id
              + ": it never existed or has expired. List the retained snapshots with "
              + "Table.snapshots() or 'datashard snapshots'.");
    }
    return s;
  }

  /** The snapshot of {@code meta} that was current at {@code millis}. */
  public Snapshot snapshotAsOf(TableMetadata meta, long millis) {
    Long found = null;
    for (TableMetadata.SnapshotLogEntry e : meta.snapshotLog()) {
      if (e.timestampMillis() <= millis && meta.snapshot(e.snapshotId()) != null) {
        found = e.snapshotId();
      }
    }
    if (found == null) {
      String oldest =
          meta.snapshotLog().isEmpty()
              ? "the table has no snapshots yet"
              : "the oldest retained snapshot is from "
                  + Instant.ofEpochMilli(meta.snapshotLog().get(0).timestampMillis());
      throw new ValidationException(
          "Table "
              + location()
              + " had no snapshot at or before "
              + Instant.ofEpochMilli(millis)
              + ": "
              + oldest
              + ". Choose a later time.");
    }
    return meta.snapshot(found);
  }

  /** The snapshot a scan reads: by id, by time, or the current one (null if none). */
  public Snapshot resolve(Long snapshotId, Long asOfMillis) {
    TableMetadata meta = ops.refresh();
    if (snapshotId != null) {
      return snapshot(meta, snapshotId);
    }
    if (asOfMillis != null) {
      return snapshotAsOf(meta, asOfMillis);
    }
    return meta.currentSnapshot();
  }

  /** The schema rows of this snapshot are read with, narrowed to the columns (null: all). */
  public Schema projection(Snapshot snapshot, List<String> columns) {
    TableMetadata meta = ops.current();
    Schema schema = meta.schema();
    // The current snapshot reads under the current schema (which a schema change may have made
    // newer than the snapshot's); time travel reads under the schema each snapshot was written
    // with.
    if (snapshot != null
        && snapshot.schemaId() != null
        && meta.schema(snapshot.schemaId()) != null
        && !Objects.equals(snapshot.snapshotId(), meta.currentSnapshotId())) {
      schema = meta.schema(snapshot.schemaId());
    }
    return columns == null ? schema : schema.select(columns);
  }

  // ---------------------------------------------------------------- files

  /** The live data files of a snapshot (none for null). */
  public List<DataFile> files(Snapshot snapshot) {
    List<DataFile> out = new ArrayList<>();
    if (snapshot == null) {
      return out;
    }
    for (ManifestIO.Entry e : ExpiredReads.guard(ops, snapshot, () -> liveEntries(snapshot))) {
      out.add(e.file);
    }
    return out;
  }

  /**
   * What reading a snapshot needs: its live data entries and which of its delete files apply to
   * which of them.
   */
  public record Plan(String manifestList, List<ManifestIO.Entry> entries, DeleteIndex deletes) {}

  /**
   * The live data entries of a snapshot (its delete files are in {@link #plan}). Those of the
   * snapshot read last are kept: a manifest list and its manifests never change once written, and a
   * transaction reads the same snapshot to scan it and again to replace its files.
   */
  public List<ManifestIO.Entry> liveEntries(Snapshot snapshot) {
    return plan(snapshot).entries();
  }

  /** The delete files of a snapshot, indexed by the data files they apply to. */
  public DeleteIndex deletes(Snapshot snapshot) {
    return snapshot == null
        ? DeleteIndex.empty()
        : ExpiredReads.guard(ops, snapshot, () -> plan(snapshot)).deletes();
  }

  /** The live data entries and the delete index of a snapshot. */
  public Plan plan(Snapshot snapshot) {
    String list = ops.resolvePath(snapshot.manifestList());
    Plan cached = lastPlan;
    if (cached != null && cached.manifestList().equals(list)) {
      return cached;
    }
    List<ManifestIO.Entry> out = new ArrayList<>();
    List<ManifestIO.DeleteEntry> deletes = new ArrayList<>();
    for (ManifestIO.Manifest m : ManifestIO.readList(ops.storage(), list)) {
      if (m.isDeletes()) {
        deletes.addAll(ManifestIO.liveDeleteEntries(ops.storage(), m, ops::resolvePath));
      } else {
        out.addAll(ManifestIO.liveEntries(ops.storage(), m, ops::resolvePath));
      }
    }
    List<ManifestIO.Entry> entries = Collections.unmodifiableList(out);
    Plan plan = new Plan(list, entries, DeleteIndex.build(ops.current(), entries, deletes));
    if (entries.size() + deletes.size() <= CACHED_ENTRIES_MAX) {
      lastPlan = plan;
    }
    return plan;
  }

  /** The number of rows of a snapshot: its files' record counts, less what deletes remove. */
  public long count(Snapshot snapshot) {
    if (snapshot == null) {
      return 0;
    }
    return ExpiredReads.guard(ops, snapshot, () -> countRows(snapshot));
  }

  private long countRows(Snapshot snapshot) {
    Plan plan = plan(snapshot);
    DeleteReader deleteReader = deleteReader();
    long n = 0;
    for (ManifestIO.Entry e : plan.entries()) {
      DeleteIndex.FileDeletes d = plan.deletes().forFile(e.file);
      n +=
          d == null
              ? e.file.recordCount()
              : deleteReader.liveCount(e.file, d, schema -> openAll(e.file, schema));
    }
    return n;
  }

  /** A reader of delete files for one scan of the newest version. */
  public DeleteReader deleteReader() {
    return new DeleteReader(ops.storage(), ops::resolvePath, ops.current());
  }

  /** The rows of a data file in file order, every row (no row group skipped). */
  private CloseableIterator<Row> openAll(DataFile f, Schema projection) {
    return DataFileIO.read(ops.storage(), ops.resolvePath(f.path()), f.format(), projection);
  }

  /**
   * The rows of one data file of a snapshot without those its deletes remove, each with its
   * position in the file (what a position delete names): every row group is read.
   */
  public DeleteReader.PositionedRows openPositioned(
      DataFile f, Schema projection, DeleteIndex deletes, DeleteReader deleteReader) {
    DeleteIndex.FileDeletes d = deletes.forFile(f);
    if (d == null) {
      return DeleteReader.PositionedRows.of(openAll(f, projection));
    }
    return deleteReader.apply(f, d, projection, schema -> openAll(f, schema));
  }

  /**
   * The rows of one data file of a snapshot, without those the snapshot's deletes remove: the one
   * way every read of a snapshot's rows opens a data file.
   *
   * @param deletes the snapshot's delete index
   * @param deleteReader this scan's reader of delete files
   * @param groups Parquet row groups to read (null: all); ignored where position deletes apply,
   *     which need every row's position
   */
  public CloseableIterator<Row> open(
      DataFile f,
      Schema projection,
      DeleteIndex deletes,
      DeleteReader deleteReader,
      RowGroupFilter groups) {
    DeleteIndex.FileDeletes d = deletes.forFile(f);
    if (d == null) {
      if (groups != null && f.format() == FileFormat.PARQUET) {
        return ParquetFiles.read(ops.storage(), ops.resolvePath(f.path()), projection, groups);
      }
      return openAll(f, projection);
    }
    if (d.positions().isEmpty() && groups != null && f.format() == FileFormat.PARQUET) {
      return deleteReader.apply(
          f,
          d,
          projection,
          schema -> ParquetFiles.read(ops.storage(), ops.resolvePath(f.path()), schema, groups));
    }
    return deleteReader.apply(f, d, projection, schema -> openAll(f, schema));
  }

  // ---------------------------------------------------------------- rows

  /** The rows of a snapshot, one file after the other. */
  public CloseableIterator<Row> scan(Snapshot snapshot, List<String> columns) {
    return scan(snapshot, columns, 1);
  }

  /**
   * The rows of a snapshot, with up to {@code threads} data files read at once (rows still come in
   * file order, as from {@link #scan(Snapshot, List)}; see {@link ParallelRows}).
   */
  public CloseableIterator<Row> scan(Snapshot snapshot, List<String> columns, int threads) {
    List<DataFile> files = files(snapshot);
    Schema projection = projection(snapshot, columns);
    DeleteIndex deletes = deletes(snapshot);
    if (threads <= 1 || files.size() <= 1) {
      return ExpiredReads.guard(ops, snapshot, readFiles(files, projection, deletes));
    }
    DeleteReader deleteReader = deleteReader();
    List<Supplier<CloseableIterator<Row>>> sources = new ArrayList<>();
    for (DataFile f : files) {
      sources.add(() -> open(f, projection, deletes, deleteReader, null));
    }
    return ExpiredReads.guard(
        ops, snapshot, new ParallelRows<>(sources, Math.min(threads, files.size())));
  }

  /**
   * The rows of data files one after the other, read with one projection, without the rows that
   * {@code deletes} (the index of the snapshot they belong to) removes; one file open at a time.
   */
  public CloseableIterator<Row> readFiles(
      List<DataFile> dataFiles, Schema projection, DeleteIndex deletes) {
    Iterator<DataFile> files = dataFiles.iterator();
    DeleteReader deleteReader = deletes.isEmpty() ? null : deleteReader();
    return new CloseableIterator<Row>() {
      private CloseableIterator<Row> current;

      @Override
      public boolean hasNext() {
        while (current == null || !current.hasNext()) {
          if (current != null) {
            current.close();
            current = null;
          }
          if (!files.hasNext()) {
            return false;
          }
          current = open(files.next(), projection, deletes, deleteReader, null);
        }
        return true;
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return current.next();
      }

      @Override
      public void close() {
        if (current != null) {
          current.close();
          current = null;
        }
      }
    };
  }
}
