package io.datashard.storage;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A storage for crash and fault tests, over {@link LocalStorage}:
 * <ul>
 *   <li>{@link #failAt(int)}: the k-th mutating operation (create, publish, delete, sync, replace)
 *       throws an IOException instead of running;</li>
 *   <li>{@link #crash()}: models a power loss: every file name published since its directory was
 *       last synced is lost (the file is deleted), as are temporaries. Contents of published files
 *       are kept, because publishing forces them to disk first.</li>
 * </ul>
 */
public final class FaultyStorage implements Storage {
  private final LocalStorage delegate = new LocalStorage(true);
  private final Set<String> unsyncedNames = new LinkedHashSet<>();
  private int operations;
  private int failAt = -1;
  private boolean failed;

  /** Makes the k-th mutating operation from now on (1-based) fail. */
  public FaultyStorage failAt(int k) {
    this.failAt = operations + k;
    return this;
  }

  /** Mutating operations so far. */
  public int operations() {
    return operations;
  }

  /** True once the injected failure happened. */
  public boolean failed() {
    return failed;
  }

  private void step(String what) throws IOException {
    operations++;
    if (operations == failAt) {
      failed = true;
      throw new IOException("injected failure at operation " + operations + " (" + what + ")");
    }
  }

  /** Simulates a power loss: loses every name published but not yet made durable by a directory sync. */
  public List<String> crash() throws IOException {
    List<String> lost = new ArrayList<>(unsyncedNames);
    for (String name : unsyncedNames) {
      Files.deleteIfExists(LocalStorage.path(name));
    }
    unsyncedNames.clear();
    return lost;
  }

  @Override
  public PendingFile create(String location) throws IOException {
    step("create " + location);
    PendingFile inner = delegate.create(location);
    return new PendingFile() {
      @Override
      public String location() {
        return inner.location();
      }

      @Override
      public OutputStream stream() {
        return inner.stream();
      }

      @Override
      public long position() {
        return inner.position();
      }

      @Override
      public long publish() throws IOException {
        try {
          step("publish " + location);
        } catch (IOException e) {
          inner.abort();
          throw e;
        }
        long n = inner.publish();
        unsyncedNames.add(location);
        return n;
      }

      @Override
      public void abort() {
        inner.abort();
      }
    };
  }

  @Override
  public InputFile open(String location) throws IOException {
    return delegate.open(location);
  }

  @Override
  public boolean exists(String location) throws IOException {
    return delegate.exists(location);
  }

  @Override
  public long length(String location) throws IOException {
    return delegate.length(location);
  }

  @Override
  public boolean delete(String location) throws IOException {
    step("delete " + location);
    unsyncedNames.remove(location);
    return delegate.delete(location);
  }

  @Override
  public List<String> list(String directory) throws IOException {
    return delegate.list(directory);
  }

  @Override
  public void syncDirectory(String directory) throws IOException {
    step("sync " + directory);
    delegate.syncDirectory(directory);
    Path dir = LocalStorage.path(directory);
    unsyncedNames.removeIf(n -> LocalStorage.path(n).getParent().equals(dir));
  }

  @Override
  public void replace(String location, byte[] content) throws IOException {
    step("replace " + location);
    delegate.replace(location, content);
    unsyncedNames.add(location);
  }

  @Override
  public boolean isDurable() {
    return true;
  }
}
