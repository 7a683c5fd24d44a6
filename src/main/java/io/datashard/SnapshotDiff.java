package io.datashard;

import java.util.List;

/**
 * How two snapshots of a table differ, file by file: the data files the later one ({@link #to()})
 * has and the earlier one ({@link #from()}) has not (added), and the other way round (removed),
 * with their record counts; and likewise the row-level delete files (position or equality deletes,
 * whose record counts are the rows they delete). Made by {@link Table#diff(long, long)}; works
 * between any two retained snapshots, including ones on different branches.
 */
public final class SnapshotDiff {
  private final long from;
  private final long to;
  private final List<DataFile> added;
  private final List<DataFile> removed;
  private final List<DataFile> addedDeletes;
  private final List<DataFile> removedDeletes;

  /** A diff value without delete files. */
  public SnapshotDiff(long from, long to, List<DataFile> added, List<DataFile> removed) {
    this(from, to, added, removed, List.of(), List.of());
  }

  /** A diff value. */
  public SnapshotDiff(
      long from,
      long to,
      List<DataFile> added,
      List<DataFile> removed,
      List<DataFile> addedDeletes,
      List<DataFile> removedDeletes) {
    this.from = from;
    this.to = to;
    this.added = List.copyOf(added);
    this.removed = List.copyOf(removed);
    this.addedDeletes = List.copyOf(addedDeletes);
    this.removedDeletes = List.copyOf(removedDeletes);
  }

  /** Delete files in {@link #to()} but not in {@link #from()}. */
  public List<DataFile> addedDeleteFiles() {
    return addedDeletes;
  }

  /** Delete files in {@link #from()} but not in {@link #to()} (folded in by a rewrite). */
  public List<DataFile> removedDeleteFiles() {
    return removedDeletes;
  }

  /** The snapshot compared from. */
  public long from() {
    return from;
  }

  /** The snapshot compared to. */
  public long to() {
    return to;
  }

  /** Data files in {@link #to()} but not in {@link #from()}. */
  public List<DataFile> addedFiles() {
    return added;
  }

  /** Data files in {@link #from()} but not in {@link #to()}. */
  public List<DataFile> removedFiles() {
    return removed;
  }

  /** Rows in the added files. */
  public long addedRecords() {
    return added.stream().mapToLong(DataFile::recordCount).sum();
  }

  /** Rows in the removed files. */
  public long removedRecords() {
    return removed.stream().mapToLong(DataFile::recordCount).sum();
  }

  /** Bytes of the added files. */
  public long addedBytes() {
    return added.stream().mapToLong(DataFile::fileSizeInBytes).sum();
  }

  /** Bytes of the removed files. */
  public long removedBytes() {
    return removed.stream().mapToLong(DataFile::fileSizeInBytes).sum();
  }

  @Override
  public String toString() {
    return "diff "
        + from
        + " -> "
        + to
        + ": +"
        + added.size()
        + " files ("
        + addedRecords()
        + " rows), -"
        + removed.size()
        + " files ("
        + removedRecords()
        + " rows)";
  }
}
