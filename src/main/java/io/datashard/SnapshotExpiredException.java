package io.datashard;

/**
 * A read lost a file of the snapshot it was reading because the snapshot was dropped (by retention
 * or expiry) and its files were deleted meanwhile, after the cleanup's grace period ({@link
 * TableProperties#CLEANUP_GRACE_MS}). Nothing is wrong with the table: read a newer snapshot
 * (refresh and read again), or raise the grace period for readers this slow.
 */
public class SnapshotExpiredException extends DataShardException {
  private static final long serialVersionUID = 1L;

  /** An exception with a message and the underlying failure (the missing file). */
  public SnapshotExpiredException(String message, Throwable cause) {
    super(message, cause);
  }
}
