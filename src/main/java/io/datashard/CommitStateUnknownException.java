package io.datashard;

/**
 * The commit's atomic step failed in a way that does not tell whether it took effect (for example
 * an I/O error while publishing the new metadata file). The commit may or may not be in the table:
 * re-read the table to find out, or retry with an idempotency tag. Nothing was cleaned up, since
 * the files may be part of a committed version.
 */
public class CommitStateUnknownException extends DataShardException {
  private static final long serialVersionUID = 1L;

  /** An exception with a message and the failure that left the outcome unknown. */
  public CommitStateUnknownException(String message, Throwable cause) {
    super(message, cause);
  }
}
