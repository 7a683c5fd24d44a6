package io.datashard;

/** There is no DataShard (Iceberg) table at the given location. */
public class TableNotFoundException extends DataShardException {
  private static final long serialVersionUID = 1L;

  public TableNotFoundException(String message) {
    super(message);
  }
}
