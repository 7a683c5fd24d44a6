package io.datashard.internal.commit;

import io.datashard.internal.FileNames;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The advisory commit lock of one table: committers take turns on it instead of racing.
 *
 * <p>It only shortens contention: correctness never depends on it (the exclusive publish of the
 * next version decides every race). So when the lock cannot be had within a bounded wait, or the
 * storage has no locks ({@link Storage.Capability#LOCKS}), or they fail here, the commit goes ahead
 * unlocked. A storage's locks are held per process, so the threads of one JVM first queue on an
 * in-process lock per table; a thread that holds it may take it again (a commit inside a
 * transaction), without asking the storage a second time.
 */
public final class CommitLock implements AutoCloseable {
  private static final ConcurrentHashMap<String, ReentrantLock> IN_PROCESS =
      new ConcurrentHashMap<>();

  private final ReentrantLock local;
  private final Storage.Lock shared;

  private CommitLock(ReentrantLock local, Storage.Lock shared) {
    this.local = local;
    this.shared = shared;
  }

  private static String lockFile(String metadataDir) {
    return metadataDir + "/" + FileNames.COMMIT_LOCK;
  }

  /**
   * Takes the lock of the table whose metadata directory is {@code metadataDir}, waiting at most
   * {@code maxWaitMillis}; the result is never null, but may hold nothing ({@link #held()}).
   */
  public static CommitLock acquire(Storage storage, String metadataDir, long maxWaitMillis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
    String file = lockFile(metadataDir);
    ReentrantLock local = IN_PROCESS.computeIfAbsent(file, k -> new ReentrantLock());
    if (local.isHeldByCurrentThread()) {
      local.lock(); // nested: the storage lock is already this process's
      return new CommitLock(local, null);
    }
    try {
      if (!local.tryLock(maxWaitMillis, TimeUnit.MILLISECONDS)) {
        return new CommitLock(null, null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new CommitLock(null, null);
    }
    if (!storage.supports(Storage.Capability.LOCKS)) {
      return new CommitLock(local, null);
    }
    try {
      Storage.Lock shared = storage.lock(file, Duration.ofNanos(deadline - System.nanoTime()));
      return new CommitLock(local, shared); // shared is null when not granted in time
    } catch (IOException | RuntimeException e) {
      return new CommitLock(local, null); // no usable lock here: the in-process one only
    }
  }

  /**
   * Takes the lock if it is free right now: null if another thread or process holds it; a lock
   * whose {@link #held()} is false if the storage gives no lock here.
   */
  public static CommitLock tryAcquire(Storage storage, String metadataDir) {
    String file = lockFile(metadataDir);
    ReentrantLock local = IN_PROCESS.computeIfAbsent(file, k -> new ReentrantLock());
    if (local.isHeldByCurrentThread() || !local.tryLock()) {
      return null;
    }
    if (!storage.supports(Storage.Capability.LOCKS)) {
      return new CommitLock(local, null);
    }
    try {
      Storage.Lock shared = storage.tryLock(file);
      if (shared == null) {
        local.unlock();
        return null;
      }
      return new CommitLock(local, shared);
    } catch (IOException | RuntimeException e) {
      return new CommitLock(local, null);
    }
  }

  /**
   * True if another thread of this process, or (where the storage tells) another process, is
   * waiting for this lock: a commit follows this one at once.
   */
  public boolean othersWaiting() {
    return (local != null && local.hasQueuedThreads())
        || (shared != null && shared.othersWaiting());
  }

  /** True if this process holds the storage's lock through this object. */
  public boolean held() {
    return shared != null;
  }

  /** True if the calling thread holds this table's lock (a commit nested in a transaction). */
  public static boolean heldByCurrentThread(String metadataDir) {
    ReentrantLock local = IN_PROCESS.get(lockFile(metadataDir));
    return local != null && local.isHeldByCurrentThread();
  }

  @Override
  public void close() {
    if (shared != null) {
      shared.close();
    }
    if (local != null) {
      local.unlock();
    }
  }
}
