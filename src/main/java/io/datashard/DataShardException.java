package io.datashard;

/**
 * The base of every exception DataShard throws on purpose. Messages say what went wrong, why, and
 * what to do about it.
 */
public class DataShardException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** An exception with a message saying what went wrong, why, and what to do. */
  public DataShardException(String message) {
    super(message);
  }

  /** An exception with a message and the underlying failure. */
  public DataShardException(String message, Throwable cause) {
    super(message, cause);
  }
}
