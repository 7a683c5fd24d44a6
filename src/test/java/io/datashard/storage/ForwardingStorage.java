package io.datashard.storage;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * A storage that forwards every call to another, for tests that watch or break a few of them:
 * override what the test is about. {@link #publish} is where a file's publish goes.
 */
public class ForwardingStorage implements Storage {
  protected final Storage inner;

  public ForwardingStorage(Storage inner) {
    this.inner = inner;
  }

  /** Publishes {@code file} (created at {@code location}); override to delay, record or fail it. */
  protected long publish(String location, PendingFile file) throws IOException {
    return file.publish();
  }

  @Override
  public PendingFile create(String location) throws IOException {
    PendingFile file = inner.create(location);
    return new PendingFile() {
      @Override
      public String location() {
        return file.location();
      }

      @Override
      public OutputStream stream() {
        return file.stream();
      }

      @Override
      public long position() {
        return file.position();
      }

      @Override
      public long publish() throws IOException {
        return ForwardingStorage.this.publish(location, file);
      }

      @Override
      public void abort() {
        file.abort();
      }
    };
  }

  @Override
  public InputFile open(String location) throws IOException {
    return inner.open(location);
  }

  @Override
  public boolean exists(String location) throws IOException {
    return inner.exists(location);
  }

  @Override
  public long length(String location) throws IOException {
    return inner.length(location);
  }

  @Override
  public boolean delete(String location) throws IOException {
    return inner.delete(location);
  }

  @Override
  public List<String> list(String directory) throws IOException {
    return inner.list(directory);
  }

  @Override
  public void syncDirectory(String directory) throws IOException {
    inner.syncDirectory(directory);
  }

  @Override
  public void replace(String location, byte[] content) throws IOException {
    inner.replace(location, content);
  }

  @Override
  public boolean isDurable() {
    return inner.isDurable();
  }
}
