package io.datashard;

/**
 * A file of the table could not be read: it is missing, truncated, or not what its name says. The
 * message names the file and the problem.
 */
public class CorruptTableException extends DataShardException {
  private static final long serialVersionUID = 1L;

  public CorruptTableException(String message) {
    super(message);
  }

  public CorruptTableException(String message, Throwable cause) {
    super(message, cause);
  }
}
