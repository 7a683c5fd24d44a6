package io.datashard.storage;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;

/**
 * A storage that forwards every call to another: the base of wrappers that watch, delay or break a
 * few calls (tests, benchmarks, the background publishing of a commit's files). Override what the
 * wrapper is about; {@link #publish(String, PendingFile)} is where each file's publish goes.
 */
public class ForwardingStorage implements Storage {
  /** The storage every call goes to. */
  protected final Storage inner;

  /** A storage that forwards to {@code inner}. */
  public ForwardingStorage(Storage inner) {
    this.inner = inner;
  }

  /**
   * Publishes {@code file}, created at {@code location} through this storage; override to delay,
   * record or fail publishes. Runs in the thread that calls {@link PendingFile#publish()}. Once
   * this is called, the file is this method's: the wrapper's {@code abort()} no longer reaches it,
   * so an override that does not publish it must abort it.
   */
  protected long publish(String location, PendingFile file) throws IOException {
    return file.publish();
  }

  @Override
  public PendingFile create(String location) throws IOException {
    PendingFile file = inner.create(location);
    return new PendingFile() {
      private boolean handedOver;

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
        if (handedOver) {
          throw new IllegalStateException("File already published or aborted: " + location);
        }
        handedOver = true;
        return ForwardingStorage.this.publish(location, file);
      }

      @Override
      public void abort() {
        if (!handedOver) {
          handedOver = true;
          file.abort();
        }
      }
    };
  }

  @Override
  public InputFile open(String location) throws IOException {
    return inner.open(location);
  }

  @Override
  public byte[] readAll(String location) throws IOException {
    return inner.readAll(location);
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
  public List<FileInfo> walk(String directory) throws IOException {
    return inner.walk(directory);
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
  public void writeNew(String location, byte[] content) throws IOException {
    inner.writeNew(location, content);
  }

  @Override
  public void link(String existing, String location) throws IOException {
    inner.link(existing, location);
  }

  @Override
  public long append(String location, byte[] content) throws IOException {
    return inner.append(location, content);
  }

  @Override
  public String realLocation(String location) throws IOException {
    return inner.realLocation(location);
  }

  @Override
  public boolean isDurable() {
    return inner.isDurable();
  }

  /**
   * The capabilities of the inner storage, but for {@link Capability#BACKGROUND_PUBLISH}: a wrapper
   * is not known to be thread-safe, so its publishes run in the caller unless a subclass that is
   * says so by overriding this.
   */
  @Override
  public boolean supports(Capability capability) {
    return capability != Capability.BACKGROUND_PUBLISH && inner.supports(capability);
  }

  @Override
  public Lock lock(String location, Duration maxWait) throws IOException {
    return inner.lock(location, maxWait);
  }

  @Override
  public Lock tryLock(String location) throws IOException {
    return inner.tryLock(location);
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "(" + inner + ")";
  }
}
