package io.datashard.internal.commit;

import io.datashard.storage.ForwardingStorage;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The storage through which one commit writes its new files (data files, manifests, the manifest
 * list), finishing each file in the background: {@link Storage.PendingFile#publish()} hands the
 * file's publish (force to disk, hard link under its final name, removal of the temporary name) to
 * a small thread pool and returns at once, so the committer writes the next file while the last one
 * reaches the disk; {@link #syncDirectory} runs once every file handed over so far is linked. A
 * commit calls {@link #settle()} before it publishes the metadata that names these files, so on
 * disk the order stays what a crash needs: each file forced, then linked, then its directory
 * forced, then the metadata.
 *
 * <p>Every other operation first waits for the background work, so it sees the files at their final
 * names (and a removal cannot be undone by a link that was still queued). A failure in the
 * background is thrown by {@link #settle()}, as the {@link IOException} the publish threw.
 *
 * <p>Only a storage with {@link Storage.Capability#BACKGROUND_PUBLISH} (a durable local storage:
 * forcing is what takes time, and it is thread-safe) is finished in the background; with any other
 * storage each step runs in the calling thread, at the moment it is asked for, and throws there,
 * exactly as without this class.
 */
final class BackgroundPublisher extends ForwardingStorage {
  /**
   * Daemon threads made as needed and ended after a minute idle: each task is a few blocking system
   * calls, and commits running at once in one process must not queue behind each other's fsyncs
   * (without this class, each committing thread forced its own files).
   */
  private static final ExecutorService POOL =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "datashard-publish");
            t.setDaemon(true);
            return t;
          });

  /** Null: every step runs in the calling thread when asked for, failures thrown there. */
  private final Executor executor;

  /** Background work not yet waited for, and the part of it that publishes files. */
  private final List<CompletableFuture<Void>> pending = new ArrayList<>();

  private final List<CompletableFuture<Void>> publishes = new ArrayList<>();

  /** A publisher finishing files on {@code executor} (null: in the calling thread). */
  BackgroundPublisher(Storage storage, Executor executor) {
    super(storage);
    this.executor = executor;
  }

  /** A publisher over {@code storage}: in the background if the storage supports that. */
  static BackgroundPublisher over(Storage storage) {
    boolean background = storage.supports(Storage.Capability.BACKGROUND_PUBLISH);
    return new BackgroundPublisher(storage, background ? POOL : null);
  }

  /** A publisher over {@code storage} that runs every step in the calling thread. */
  static BackgroundPublisher inline(Storage storage) {
    return new BackgroundPublisher(storage, null);
  }

  /**
   * Waits for every publish and directory sync handed over so far.
   *
   * @throws IOException the first failure among them (all of them have ended when this returns)
   */
  void settle() throws IOException {
    List<CompletableFuture<Void>> work;
    synchronized (this) {
      work = new ArrayList<>(pending);
      pending.clear();
      publishes.clear();
    }
    Throwable first = null;
    for (CompletableFuture<Void> f : work) {
      try {
        f.join();
      } catch (CompletionException | CancellationException e) {
        if (first == null) {
          first = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        }
      }
    }
    if (first == null) {
      return;
    }
    if (first instanceof UncheckedIOException) {
      throw ((UncheckedIOException) first).getCause();
    }
    if (first instanceof RuntimeException) {
      throw (RuntimeException) first;
    }
    if (first instanceof Error) {
      throw (Error) first;
    }
    throw new IOException(first);
  }

  /** Waits like {@link #settle()}, ignoring failures (before removing the files anyway). */
  void settleQuietly() {
    try {
      settle();
    } catch (IOException | RuntimeException e) {
      // the caller is discarding these files
    }
  }

  private void settleFirst() throws IOException {
    boolean any;
    synchronized (this) {
      any = !pending.isEmpty();
    }
    if (any) {
      settle();
    }
  }

  private synchronized void track(CompletableFuture<Void> f, boolean publish) {
    pending.add(f);
    if (publish) {
      publishes.add(f);
    }
  }

  private static Runnable io(TableOperations.IoStep step) {
    return () -> {
      try {
        step.run();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }

  @Override
  protected long publish(String location, PendingFile file) throws IOException {
    if (executor == null) {
      return file.publish();
    }
    long length = file.position(); // nothing more is written: this is the published length
    CompletableFuture<Void> done = CompletableFuture.runAsync(io(file::publish), executor);
    track(done, true);
    return length;
  }

  @Override
  public void syncDirectory(String directory) throws IOException {
    if (executor == null) {
      inner.syncDirectory(directory);
      return;
    }
    // after every file handed over so far, whatever its directory: simple, and never too early
    List<CompletableFuture<Void>> linked;
    synchronized (this) {
      linked = new ArrayList<>(publishes);
    }
    CompletableFuture<Void> sync =
        CompletableFuture.allOf(linked.toArray(new CompletableFuture<?>[0]))
            .thenRunAsync(io(() -> inner.syncDirectory(directory)), executor);
    track(sync, false);
  }

  @Override
  public InputFile open(String location) throws IOException {
    settleFirst();
    return inner.open(location);
  }

  @Override
  public byte[] readAll(String location) throws IOException {
    settleFirst();
    return inner.readAll(location);
  }

  @Override
  public boolean exists(String location) throws IOException {
    settleFirst();
    return inner.exists(location);
  }

  @Override
  public long length(String location) throws IOException {
    settleFirst();
    return inner.length(location);
  }

  @Override
  public boolean delete(String location) throws IOException {
    settleQuietly();
    return inner.delete(location);
  }

  @Override
  public List<String> list(String directory) throws IOException {
    settleFirst();
    return inner.list(directory);
  }

  @Override
  public List<FileInfo> walk(String directory) throws IOException {
    settleFirst();
    return inner.walk(directory);
  }

  @Override
  public void replace(String location, byte[] content) throws IOException {
    settleFirst();
    inner.replace(location, content);
  }

  @Override
  public void writeNew(String location, byte[] content) throws IOException {
    settleFirst();
    inner.writeNew(location, content);
  }

  @Override
  public void link(String existing, String location) throws IOException {
    settleFirst();
    inner.link(existing, location);
  }
}
