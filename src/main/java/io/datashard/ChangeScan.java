package io.datashard;

import io.datashard.internal.TableCore;
import io.datashard.internal.TableHistory;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.internal.scan.ChangeLog;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A read of what changed in a table between two snapshots of its main line: the rows each commit
 * after {@code from} up to and including {@code to} inserted or deleted.
 *
 * <pre>{@code
 * try (CloseableIterator<Row> changes = table.changes().fromSnapshot(id).iterator()) {
 *   while (changes.hasNext()) {
 *     Row r = changes.next();
 *     String type = r.get("_change_type", String.class);   // INSERT, DELETE, ...
 *     long commit = r.get("_commit_snapshot_id", Long.class);
 *   }
 * }
 * List<Row> updates = table.changes().fromTime(yesterday).key("id").toList();
 * }</pre>
 *
 * <p>Each row has the table's columns (or those {@link #select}ed) followed by {@code _change_type}
 * ({@code INSERT} or {@code DELETE}; with a {@link #key}, a key deleted and inserted by one commit
 * is an {@code UPDATE_BEFORE} row followed by an {@code UPDATE_AFTER} row), {@code _change_ordinal}
 * (0 for the first commit read, then 1, 2, ...) and {@code _commit_snapshot_id}.
 *
 * <p>Changes are exact for appends, copy-on-write and merge-on-read deletes, overwrites, upserts
 * and rollbacks: the rows a copy-on-write rewrite carried over unchanged are not changes.
 * Compaction commits (operation {@code replace}) change no row and are skipped. Only the files a
 * commit added or removed (and those whose row-level deletes it changed) are read; with a {@link
 * #filter} without a key, files whose statistics rule out a match are not opened either.
 *
 * <p>Without {@link #fromSnapshot} (or another {@code from}), changes start from an empty table:
 * the first change rows are all rows of the oldest retained snapshot.
 */
public final class ChangeScan {
  private final TableCore core;
  private Long fromId;
  private String fromRef;
  private Long fromMillis;
  private Long toId;
  private String toRef;
  private Long toMillis;
  private List<String> columns;
  private List<String> key = List.of();
  private Expression filter;
  private Consumer<ChangeReport> reporter;

  ChangeScan(TableCore core) {
    this.core = core;
  }

  /** Changes committed after this snapshot (it is not included). */
  public ChangeScan fromSnapshot(long snapshotId) {
    clearFrom();
    this.fromId = snapshotId;
    return this;
  }

  /** Changes committed after the snapshot this branch or tag points to. */
  public ChangeScan fromRef(String name) {
    clearFrom();
    this.fromRef = Objects.requireNonNull(name, "name");
    return this;
  }

  /** Changes committed after the snapshot that was current at this instant. */
  public ChangeScan fromTime(Instant instant) {
    clearFrom();
    this.fromMillis = instant.toEpochMilli();
    return this;
  }

  /** Changes from an empty table: every row of the oldest retained snapshot is an insert. */
  public ChangeScan fromStart() {
    clearFrom();
    return this;
  }

  private void clearFrom() {
    fromId = null;
    fromRef = null;
    fromMillis = null;
  }

  /** Changes up to and including this snapshot (default: the current one). */
  public ChangeScan toSnapshot(long snapshotId) {
    clearTo();
    this.toId = snapshotId;
    return this;
  }

  /** Changes up to and including the snapshot this branch or tag points to. */
  public ChangeScan toRef(String name) {
    clearTo();
    this.toRef = Objects.requireNonNull(name, "name");
    return this;
  }

  /** Changes up to and including the snapshot that was current at this instant. */
  public ChangeScan toTime(Instant instant) {
    clearTo();
    this.toMillis = instant.toEpochMilli();
    return this;
  }

  private void clearTo() {
    toId = null;
    toRef = null;
    toMillis = null;
  }

  /** Returns only these top-level columns (before the three change columns), in this order. */
  public ChangeScan select(String... names) {
    return select(Arrays.asList(names));
  }

  /** Returns only these top-level columns (before the three change columns), in this order. */
  public ChangeScan select(List<String> names) {
    this.columns = List.copyOf(names);
    return this;
  }

  /**
   * The columns that identify a row: a key deleted and inserted by the same commit is reported as
   * {@code UPDATE_BEFORE} and {@code UPDATE_AFTER} instead of {@code DELETE} and {@code INSERT}.
   */
  public ChangeScan key(String... names) {
    return key(Arrays.asList(names));
  }

  /** As {@link #key(String...)}. */
  public ChangeScan key(List<String> names) {
    this.key = List.copyOf(names);
    return this;
  }

  /** Returns only the change rows the filter is true for (combined with and when called again). */
  public ChangeScan filter(Expression expression) {
    if (expression == null) {
      throw new ValidationException(
          "ChangeScan.filter was given a null filter; pass an Expression, or "
              + "Expressions.alwaysTrue() for none.");
    }
    this.filter = filter == null ? expression : Expressions.and(filter, expression);
    return this;
  }

  /** As {@link #filter(Expression)}, in the text form of {@link Expressions#parse(String)}. */
  public ChangeScan filter(String expression) {
    return filter(Expressions.parse(expression));
  }

  /** Hands a {@link ChangeReport} to the consumer each time a read of these changes ends. */
  public ChangeScan reportTo(Consumer<ChangeReport> consumer) {
    this.reporter = consumer;
    return this;
  }

  /** The schema of the change rows. */
  public Schema schema() {
    return planned().schema();
  }

  /** The change rows, oldest commit first; close the iterator when done. */
  public CloseableIterator<Row> iterator() {
    return planned().rows(reporter == null ? r -> {} : reporter);
  }

  /** All change rows in a list. */
  public List<Row> toList() {
    return iterator().toList();
  }

  /** Reads the changes to the end, discarding them, and reports what was read. */
  public ChangeReport explain() {
    ChangeReport[] out = new ChangeReport[1];
    try (CloseableIterator<Row> rows = planned().rows(r -> out[0] = r)) {
      while (rows.hasNext()) {
        rows.next();
      }
    }
    if (reporter != null) {
      reporter.accept(out[0]);
    }
    return out[0];
  }

  /** The snapshot the changes start after (null: from an empty table). */
  public Snapshot fromSnapshot() {
    return resolveFrom(core.refresh());
  }

  /** The last snapshot whose changes are read (null: the table has none). */
  public Snapshot toSnapshot() {
    return resolveTo(core.refresh());
  }

  private ChangeLog planned() {
    TableMetadata meta = core.refresh();
    Snapshot to = resolveTo(meta);
    Snapshot from = resolveFrom(meta);
    return new ChangeLog(core.reader(), from, to, columns, key, filter);
  }

  private Snapshot resolveTo(TableMetadata meta) {
    if (toRef != null) {
      return new TableHistory(core).resolveRef(toRef);
    }
    if (toId != null) {
      return retained(meta, toId, "--to");
    }
    if (toMillis != null) {
      return core.reader().snapshotAsOf(meta, toMillis);
    }
    return meta.currentSnapshot();
  }

  private Snapshot resolveFrom(TableMetadata meta) {
    if (fromRef != null) {
      return new TableHistory(core).resolveRef(fromRef);
    }
    if (fromId != null) {
      return retained(meta, fromId, "--from");
    }
    if (fromMillis != null) {
      return core.reader().snapshotAsOf(meta, fromMillis);
    }
    return null;
  }

  private Snapshot retained(TableMetadata meta, long id, String what) {
    Snapshot s = meta.snapshot(id);
    if (s != null) {
      return s;
    }
    Snapshot oldest = null;
    for (Snapshot x : meta.snapshots()) {
      if (oldest == null || x.sequenceNumber() < oldest.sequenceNumber()) {
        oldest = x;
      }
    }
    throw new SnapshotExpiredException(
        "Table "
            + core.location()
            + " has no snapshot "
            + id
            + " ("
            + what
            + "): it never existed or has expired. "
            + (oldest == null
                ? "The table has no snapshots yet."
                : "The oldest retained snapshot is "
                    + oldest.snapshotId()
                    + " (committed "
                    + Instant.ofEpochMilli(oldest.timestampMillis())
                    + "); read changes from it, or from the start without --from."),
        null);
  }
}
