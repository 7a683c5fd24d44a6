package io.datashard;

import java.util.List;
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
    this.scan = scan;
    this.from = from == null ? null : from.snapshotId();
    this.fromSequence = from == null ? null : from.sequenceNumber();
    this.to = to == null ? null : to.snapshotId();
    this.toSequence = to == null ? null : to.sequenceNumber();
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
