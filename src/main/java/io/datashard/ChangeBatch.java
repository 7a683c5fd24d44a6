package io.datashard;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The changes a {@link ChangeConsumer} received in one {@link ChangeConsumer#poll()}: those
 * committed after {@link #fromSnapshotId()} (empty: from an empty table) up to and including {@link
 * #toSnapshotId()}. Its rows are read once, when first asked for, and kept.
 */
public final class ChangeBatch {
  private final ChangeScan scan;
  private final Long from;
  private final Long fromSequence;
  private final Long to;
  private final Long toSequence;
  private final int commits;
  private List<Row> rows;

  ChangeBatch(ChangeScan scan, Snapshot from, Snapshot to, int commits) {
    this(
        scan,
        from == null ? null : from.snapshotId(),
        from == null ? null : from.sequenceNumber(),
        to == null ? null : to.snapshotId(),
        to == null ? null : to.sequenceNumber(),
        commits);
  }

  private ChangeBatch(
      ChangeScan scan, Long from, Long fromSequence, Long to, Long toSequence, int commits) {
    this.scan = scan;
    this.from = from;
    this.fromSequence = fromSequence;
    this.to = to;
    this.toSequence = toSequence;
    this.commits = commits;
  }

  /** The snapshot the batch starts after (empty: the start of the table). */
  public Optional<Long> fromSnapshotId() {
    return Optional.ofNullable(from);
  }

  /**
   * The last snapshot whose changes the batch holds (empty for an empty batch of an empty table).
   */
  public Optional<Long> toSnapshotId() {
    return Optional.ofNullable(to);
  }

  /** True if no commit lies in the batch (the consumer is up to date). */
  public boolean isEmpty() {
    return commits == 0;
  }

  /** The number of commits in the batch (compaction commits, which change no row, included). */
  public int commits() {
    return commits;
  }

  /**
   * This batch followed by {@code next}, which must start where this one ends: one batch to write
   * in one output transaction. Its rows are both batches' rows; the {@code _change_ordinal} of
   * {@code next}'s rows is raised by this batch's {@link #commits()}, so ordinals still rise with
   * the commits.
   */
  public ChangeBatch concat(ChangeBatch next) {
    if (!Objects.equals(next.from, isEmpty() ? from : to)) {
      throw new ValidationException(
          "Cannot join " + this + " and " + next + ": the second must start where the first ends.");
    }
    if (next.isEmpty()) {
      return this;
    }
    if (isEmpty()) {
      return next;
    }
    List<Row> joined = new ArrayList<>(rows());
    for (Row r : next.rows()) {
      Object[] values = new Object[r.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = r.get(i);
      }
      int ordinal = values.length - 2;
      values[ordinal] = (Integer) values[ordinal] + commits;
      joined.add(Row.of(r.type(), values));
    }
    ChangeBatch b =
        new ChangeBatch(null, from, fromSequence, next.to, next.toSequence, commits + next.commits);
    b.rows = Collections.unmodifiableList(joined);
    return b;
  }

  /** The change rows, as {@link ChangeScan} returns them; read on the first call. */
  public synchronized List<Row> rows() {
    if (rows == null) {
      rows = isEmpty() ? List.of() : scan.toList();
    }
    return rows;
  }

  Long fromSequence() {
    return fromSequence;
  }

  Long toSequence() {
    return toSequence;
  }

  Long from() {
    return from;
  }

  Long to() {
    return to;
  }

  @Override
  public String toString() {
    return "ChangeBatch(after "
        + (from == null ? "the start" : from)
        + " up to "
        + to
        + ", "
        + commits
        + " commits)";
  }
}
