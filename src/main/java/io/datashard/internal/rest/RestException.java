package io.datashard.internal.rest;

/**
 * A request the catalog answers with an error: the HTTP status and the Iceberg error type that the
 * REST spec's {@code ErrorModel} carries ({@code NoSuchTableException}, {@code
 * CommitFailedException}, ...), which Iceberg clients turn into their own exceptions.
 */
final class RestException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String type;

  RestException(int status, String type, String message) {
    super(message);
    this.status = status;
    this.type = type;
  }

  int status() {
    return status;
  }

  String type() {
    return type;
  }

  static RestException badRequest(String message) {
    return new RestException(400, "BadRequestException", message);
  }

  static RestException noSuchNamespace(String message) {
    return new RestException(404, "NoSuchNamespaceException", message);
  }

  static RestException noSuchTable(String message) {
    return new RestException(404, "NoSuchTableException", message);
  }

  static RestException alreadyExists(String message) {
    return new RestException(409, "AlreadyExistsException", message);
  }

  static RestException commitFailed(String message) {
    return new RestException(409, "CommitFailedException", message);
  }

  static RestException notEmpty(String message) {
    return new RestException(409, "NamespaceNotEmptyException", message);
  }

  static RestException unprocessable(String message) {
    return new RestException(422, "UnprocessableEntityException", message);
  }

  static RestException notAuthorized(String message) {
    return new RestException(401, "NotAuthorizedException", message);
  }

  static RestException unsupported(String message) {
    return new RestException(406, "UnsupportedOperationException", message);
  }

  static RestException stateUnknown(String message) {
    return new RestException(500, "CommitStateUnknownException", message);
  }
}
