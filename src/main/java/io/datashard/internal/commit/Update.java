package io.datashard.internal.commit;

import io.datashard.internal.meta.TableMetadata;
import java.util.function.Function;

/**
 * What one attempt of a {@link PendingCommit} produced on its base: the next version to publish
 * (and whether it adds a snapshot, so that commit-time retention applies), or nothing to commit;
 * either way with the value the change returns to its caller.
 */
public final class Update<T> {
  private final TableMetadata.Builder next;
  private final boolean addsSnapshot;
  private final T value;

  private Update(TableMetadata.Builder next, boolean addsSnapshot, T value) {
    this.next = next;
    this.addsSnapshot = addsSnapshot;
    this.value = value;
  }

  /** A next version that adds a snapshot: the table's snapshot retention is applied to it. */
  public static <T> Update<T> snapshot(TableMetadata.Builder next, T value) {
    return new Update<>(next, true, value);
  }

  /** A next version that changes metadata only (schema, specs, refs, properties, expiry). */
  public static <T> Update<T> metadata(TableMetadata.Builder next, T value) {
    return new Update<>(next, false, value);
  }

  /** Nothing to commit on this base. */
  public static <T> Update<T> none(T value) {
    return new Update<>(null, false, value);
  }

  /** This update with its value mapped. */
  public <R> Update<R> map(Function<T, R> f) {
    return new Update<>(next, addsSnapshot, f.apply(value));
  }

  boolean isNone() {
    return next == null;
  }

  TableMetadata.Builder next() {
    return next;
  }

  boolean addsSnapshot() {
    return addsSnapshot;
  }

  /** The value for the caller. */
  public T value() {
    return value;
  }
}
