package io.datashard.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An advisory, cross-process lock that lets committers to one table take turns instead of racing.
 *
 * <p>It only shortens contention: correctness never depends on it. Commits stay safe without it
 * (the exclusive publish of the next version decides every race), so when the lock cannot be had
 * within a bounded wait, or the filesystem does not support locks, the commit simply goes ahead
 * unlocked. OS file locks are held per process, so threads of one JVM also queue on an in-process
 * lock per table.
 */
final class CommitLock implements AutoCloseable {
  private static final ConcurrentHashMap<String, ReentrantLock> IN_PROCESS =
      new ConcurrentHashMap<>();

  private final ReentrantLock local;
  private final FileChannel channel;
  private final FileLock lock;

  private CommitLock(ReentrantLock local, FileChannel channel, FileLock lock) {
    this.local = local;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock of the table whose metadata directory is {@code metadataDir}, waiting at most
   * {@code maxWaitMillis}.
   */
  static CommitLock acquire(String metadataDir, long maxWaitMillis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
    ReentrantLock local = IN_PROCESS.computeIfAbsent(metadataDir, k -> new ReentrantLock());
    if (local.isHeldByCurrentThread()) {
      // Nested (a commit inside a transaction that holds the lock): the OS lock is already ours.
      // Do not open the lock file again: closing any channel to it would release the process's
      // lock.
      local.lock();
      return new CommitLock(local, null, null);
    }
    boolean haveLocal;
    try {
      haveLocal = local.tryLock(maxWaitMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new CommitLock(null, null, null);
    }
    if (!haveLocal) {
      return new CommitLock(null, null, null);
    }
    FileChannel ch = null;
    try {
      ch =
          FileChannel.open(
              Path.of(metadataDir, FileNames.COMMIT_LOCK),
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE);
      FileLock l = ch.tryLock();
      if (l != null) {
        return new CommitLock(local, ch, l);
      }
      l = lockWithin(ch, deadline - System.nanoTime());
      if (l != null) {
        return new CommitLock(local, ch, l);
      }
    } catch (IOException | OverlappingFileLockException | UnsupportedOperationException e) {
      // no usable OS lock here: go ahead with the in-process lock only
    }
    closeQuietly(ch);
    return new CommitLock(local, null, null);
  }

  /**
   * Blocks in the kernel until the lock is granted (no spinning), at most {@code nanos}: an alarm
   * then interrupts this thread, which closes the channel and ends the wait. Null if not granted.
   */
  private static FileLock lockWithin(FileChannel ch, long nanos) throws IOException {
    if (nanos <= 0) {
      return null;
    }
    Alarm alarm = new Alarm(Thread.currentThread());
    java.util.concurrent.ScheduledFuture<?> timer =
        TIMER.schedule(alarm, nanos, TimeUnit.NANOSECONDS);
    try {
      return ch.lock();
    } catch (java.nio.channels.ClosedByInterruptException e) {
      return null;
    } finally {
      timer.cancel(false);
      if (alarm.disarm()) {
        Thread.interrupted(); // the alarm's interrupt, not the caller's
      }
    }
  }

  private static final java.util.concurrent.ScheduledExecutorService TIMER =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "datashard-commit-lock-timer");
            t.setDaemon(true);
            return t;
          });

  /** Interrupts a thread waiting for the OS lock, unless disarmed first. */
  private static final class Alarm implements Runnable {
    private final Thread waiter;
    private boolean armed = true;
    private boolean fired;

    Alarm(Thread waiter) {
      this.waiter = waiter;
    }

    @Override
    public synchronized void run() {
      if (armed) {
        fired = true;
        waiter.interrupt();
      }
    }

    /** Stops the alarm; true if it had already fired. */
    synchronized boolean disarm() {
      armed = false;
      return fired;
    }
  }

  /**
   * Takes the lock if it is free right now: null if another thread or process holds it; an object
   * whose {@link #held()} is false if this filesystem gives no OS lock.
   */
  static CommitLock tryAcquire(String metadataDir) {
    ReentrantLock local = IN_PROCESS.computeIfAbsent(metadataDir, k -> new ReentrantLock());
    if (local.isHeldByCurrentThread() || !local.tryLock()) {
      return null;
    }
    FileChannel ch = null;
    try {
      ch =
          FileChannel.open(
              Path.of(metadataDir, FileNames.COMMIT_LOCK),
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE);
      FileLock l = ch.tryLock();
      if (l != null) {
        return new CommitLock(local, ch, l);
      }
      closeQuietly(ch);
      local.unlock();
      return null;
    } catch (IOException | OverlappingFileLockException | UnsupportedOperationException e) {
      closeQuietly(ch);
      return new CommitLock(local, null, null);
    }
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException e) {
        // nothing to do
      }
    }
  }

  /**
   * True if this process holds the OS lock through this object (false when it went ahead without
   * it).
   */
  boolean held() {
    return lock != null;
  }

  /**
   * True if the calling thread already holds this table's lock (a commit nested in a transaction).
   */
  static boolean heldByCurrentThread(String metadataDir) {
    ReentrantLock local = IN_PROCESS.get(metadataDir);
    return local != null && local.isHeldByCurrentThread();
  }

  @Override
  public void close() {
    try {
      if (lock != null) {
        lock.release();
      }
    } catch (IOException e) {
      // closing the channel releases it too
    }
    closeQuietly(channel);
    if (local != null) {
      local.unlock();
    }
  }
}
