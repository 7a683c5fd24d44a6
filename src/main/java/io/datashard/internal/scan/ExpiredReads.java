package io.datashard.internal.scan;

import io.datashard.CloseableIterator;
import io.datashard.Snapshot;
import io.datashard.SnapshotExpiredException;
import io.datashard.TableProperties;
import io.datashard.internal.commit.TableOperations;
import io.datashard.internal.meta.TableMetadata;
import java.nio.file.NoSuchFileException;
import java.util.function.Supplier;

/**
 * Tells a read that lost a file because its snapshot expired from one that met a damaged table: a
 * missing file of a snapshot the newest version no longer has is a {@link
 * SnapshotExpiredException}, never wrong rows; any other failure passes unchanged.
 */
final class ExpiredReads {
  private ExpiredReads() {}

  /** The error to throw for {@code e}, met while reading {@code snapshot}. */
  static RuntimeException explain(TableOperations ops, Snapshot snapshot, RuntimeException e) {
    if (snapshot == null || e instanceof SnapshotExpiredException) {
      return e;
    }
    Throwable missing = e;
    while (missing != null && !(missing instanceof NoSuchFileException)) {
      missing = missing.getCause();
    }
    if (missing == null) {
      return e;
    }
    TableMetadata newest;
    try {
      newest = ops.refresh();
    } catch (RuntimeException other) {
      return e;
    }
    if (newest.snapshot(snapshot.snapshotId()) != null) {
      return e; // still retained: the table really lacks a file
    }
    return new SnapshotExpiredException(
        "Snapshot "
            + snapshot.snapshotId()
            + " of table "
            + ops.root()
            + " expired while it was being read: its file "
            + missing.getMessage()
            + " was deleted by the cleanup after the grace period ("
            + TableProperties.CLEANUP_GRACE_MS
            + " = "
            + newest.propertyLong(
                TableProperties.CLEANUP_GRACE_MS, TableProperties.CLEANUP_GRACE_MS_DEFAULT)
            + " ms). No rows of it were returned after that. Read a newer snapshot (refresh the "
            + "table and read again), or raise "
            + TableProperties.CLEANUP_GRACE_MS
            + " for reads this long.",
        e);
  }

  /** Runs {@code read} (which reads {@code snapshot}), explaining a lost file. */
  static <T> T guard(TableOperations ops, Snapshot snapshot, Supplier<T> read) {
    try {
      return read.get();
    } catch (RuntimeException e) {
      throw explain(ops, snapshot, e);
    }
  }

  /** The rows of {@code rows}, with a lost file of {@code snapshot} explained. */
  static <T> CloseableIterator<T> guard(
      TableOperations ops, Snapshot snapshot, CloseableIterator<T> rows) {
    return new CloseableIterator<T>() {
      @Override
      public boolean hasNext() {
        try {
          return rows.hasNext();
        } catch (RuntimeException e) {
          throw explain(ops, snapshot, e);
        }
      }

      @Override
      public T next() {
        try {
          return rows.next();
        } catch (RuntimeException e) {
          throw explain(ops, snapshot, e);
        }
      }

      @Override
      public void close() {
        rows.close();
      }
    };
  }
}
