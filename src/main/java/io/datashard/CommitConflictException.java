package io.datashard;

/**
 * A commit lost a race: another writer published a new table version first, and the change could
 * not be rebased onto it (or retries ran out). Nothing of this commit was applied; it is safe to
 * retry the whole operation.
 */
public class CommitConflictException extends DataShardException {
  private static final long serialVersionUID = 1L;

  /** An exception with a message saying what went wrong, why, and what to do. */
  public CommitConflictException(String message) {
    super(message);
  }

  /** An exception with a message and the underlying failure. */
  public CommitConflictException(String message, Throwable cause) {
    super(message, cause);
  }
}
