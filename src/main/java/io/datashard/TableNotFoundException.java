package io.datashard;

/** There is no DataShard (Iceberg) table at the given location. */
public class TableNotFoundException extends DataShardException {
  private static final long serialVersionUID = 1L;

  /** An exception with a message naming the directory and what to do. */
  public TableNotFoundException(String message) {
    super(message);
  }
}
