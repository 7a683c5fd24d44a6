package io.datashard;

/**
 * A commit lost a race: another writer published a new table version first, and the change could
 * not be rebased onto it (or retries ran out). Nothing of this commit was applied; it is safe to
 * retry the whole operation.
 */
public class CommitConflictException extends DataShardException {
  private static final long serialVersionUID = 1L;

  public CommitConflictException(String message) {
    super(message);
  }

  public CommitConflictException(String message, Throwable cause) {
    super(message, cause);
  }
}
