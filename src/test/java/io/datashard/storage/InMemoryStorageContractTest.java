package io.datashard.storage;

/** The storage contract in memory. */
class InMemoryStorageContractTest extends StorageContractTest {
  private int roots;

  @Override
  protected Storage newStorage() {
    return new InMemoryStorage();
  }

  @Override
  protected String newRoot() {
    return "/memory/root" + (roots++);
  }
}
