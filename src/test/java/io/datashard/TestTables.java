package io.datashard;

import io.datashard.internal.TableCore;

/**
 * Test access to the package-private {@link Table} constructor (to use a table over a test
 * storage).
 */
public final class TestTables {
  private TestTables() {}

  /**
   * A public {@link Table} over a table core (opened, for example, on a fault-injecting storage).
   */
  public static Table wrap(TableCore core) {
    return new Table(core);
  }
}
