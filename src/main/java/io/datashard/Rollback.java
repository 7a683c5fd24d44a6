package io.datashard;

import io.datashard.internal.TableHistory;

/**
 * Rolls the table back to an earlier snapshot as a new commit: the new snapshot on {@code main}
 * holds exactly the data files of the target (operation {@code overwrite}, summary key {@code
 * datashard.rollback-to}), and every earlier snapshot stays readable. Made by {@link
 * Table#rollback()}.
 *
 * <p>A rollback discards the rows committed after its target, so it is explicit about which ones:
 * it is decided against the snapshot that was current when {@link Table#rollback()} was called (or
 * the one given to {@link #expectCurrent(long)}). If any other commit landed on {@code main} since,
 * {@link #commit()} fails with {@link CommitConflictException} and commits nothing, so an append
 * the caller has not seen is never discarded. {@link #force()} turns that check off.
 *
 * <pre>{@code
 * Snapshot s = table.rollback().toSnapshot(goodId).commit();
 * }</pre>
 */
public final class Rollback {
  private final TableHistory history;
  private Long target;
  private Long expected;
  private boolean force;

  Rollback(TableHistory history, Long currentSnapshotId) {
    this.history = history;
    this.expected = currentSnapshotId;
  }

  /**
   * The snapshot whose data the table gets back (any retained snapshot, also one a tag or branch
   * names).
   */
  public Rollback toSnapshot(long snapshotId) {
    this.target = snapshotId;
    return this;
  }

  /**
   * Commit only if this is still main's current snapshot (default: the one current at {@link
   * Table#rollback()}).
   */
  public Rollback expectCurrent(long snapshotId) {
    this.expected = snapshotId;
    return this;
  }

  /**
   * Roll back whatever is current at commit time, discarding rows committed after the decision too.
   */
  public Rollback force() {
    this.force = true;
    return this;
  }

  /**
   * Commits the rollback.
   *
   * @return the new snapshot, or the current one if it already has exactly the target's data files
   * @throws CommitConflictException if main moved on since the expected snapshot (nothing
   *     committed)
   * @throws ValidationException if no target was given or it is not a retained snapshot
   */
  public Snapshot commit() {
    if (target == null) {
      throw new ValidationException(
          "A rollback needs a target: call toSnapshot(id) before commit()");
    }
    return history.rollback(target, expected, force);
  }
}
