package io.datashard;

/**
 * A file of the table could not be read: it is missing, truncated, or not what its name says. The
 * message names the file and the problem.
 */
public class CorruptTableException extends DataShardException {
  private static final long serialVersionUID = 1L;

  /** An exception with a message saying what went wrong, why, and what to do. */
  public CorruptTableException(String message) {
    super(message);
  }

  /** An exception with a message and the underlying failure. */
  public CorruptTableException(String message, Throwable cause) {
    super(message, cause);
  }
}
