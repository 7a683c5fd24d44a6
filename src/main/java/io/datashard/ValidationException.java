package io.datashard;

/**
 * The request is invalid (bad records, unknown columns, wrong types, a schema that does not fit).
 * Nothing was committed. Retrying the same request fails again; fix the input.
 */
public class ValidationException extends DataShardException {
  private static final long serialVersionUID = 1L;

  /** An exception with a message saying what went wrong, why, and what to do. */
  public ValidationException(String message) {
    super(message);
  }

  /** An exception with a message and the underlying failure. */
  public ValidationException(String message, Throwable cause) {
    super(message, cause);
  }
}
