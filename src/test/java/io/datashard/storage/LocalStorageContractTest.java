package io.datashard.storage;

import io.datashard.testkit.LockHolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The storage contract on a durable local filesystem. */
class LocalStorageContractTest extends StorageContractTest {
  @TempDir Path dir;

  @Override
  protected Storage newStorage() {
    return new LocalStorage(true);
  }

  @Override
  protected String newRoot() throws IOException {
    return Files.createDirectories(dir.resolve("root")).toString();
  }

  /** OS locks are per process: another process holds it. */
  @Override
  protected AutoCloseable holdLockElsewhere(String location) throws Exception {
    return LockHolder.hold(location, dir);
  }

  /** The same contract when nothing is forced to disk. */
  static class NotDurable extends LocalStorageContractTest {
    @Override
    protected Storage newStorage() {
      return new LocalStorage(false);
    }
  }

  /** A forwarding storage over a local one keeps the contract. */
  static class Forwarding extends LocalStorageContractTest {
    @Override
    protected Storage newStorage() {
      return new ForwardingStorage(new LocalStorage(true));
    }
  }

  /** The fault-injecting storage, without faults, keeps the contract (driven by one thread). */
  static class Faulty extends LocalStorageContractTest {
    @Override
    protected Storage newStorage() {
      return new FaultyStorage(42);
    }

    @Override
    protected boolean threadSafe() {
      return false;
    }
  }
}
