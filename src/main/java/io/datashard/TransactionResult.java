package io.datashard;

import java.util.Optional;

/**
 * The outcome of a transaction: the function's value from the attempt that committed, the snapshot
 * it committed (empty when it staged nothing, or was already applied), and how many attempts it
 * took.
 */
public final class TransactionResult<T> {
  private final T value;
  private final Snapshot snapshot;
  private final int attempts;
  private final boolean alreadyApplied;

  TransactionResult(T value, Snapshot snapshot, int attempts, boolean alreadyApplied) {
    this.value = value;
    this.snapshot = snapshot;
    this.attempts = attempts;
    this.alreadyApplied = alreadyApplied;
  }

  /** The value the function returned in the attempt that committed (null if already applied). */
  public T value() {
    return value;
  }

  /** The committed snapshot, if the transaction committed one. */
  public Optional<Snapshot> snapshot() {
    return Optional.ofNullable(snapshot);
  }

  /** How many times the function ran (1 when nothing conflicted). */
  public int attempts() {
    return attempts;
  }

  /**
   * True when the transaction's idempotency key was already in the table, so it was not applied
   * again (the function may not have run at all).
   */
  public boolean alreadyApplied() {
    return alreadyApplied;
  }
}
