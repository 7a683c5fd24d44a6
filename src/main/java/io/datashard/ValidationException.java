package io.datashard;

/**
 * The request is invalid (bad records, unknown columns, wrong types, a schema that does not fit).
 * Nothing was committed. Retrying the same request fails again; fix the input.
 */
public class ValidationException extends DataShardException {
  private static final long serialVersionUID = 1L;

  public ValidationException(String message) {
    super(message);
  }

  public ValidationException(String message, Throwable cause) {
    super(message, cause);
  }
}
