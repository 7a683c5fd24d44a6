package io.datashard.internal.commit;

import io.datashard.CommitConflictException;
import io.datashard.CommitStateUnknownException;
import io.datashard.TableOptions;
import io.datashard.TableProperties;
import io.datashard.ValidationException;
import io.datashard.internal.meta.TableMetadata;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The one place that commits a change to a table: it takes the commit lock, builds the change on
 * the newest version, publishes the next version exclusively, and on a lost race removes what the
 * attempt wrote and tries again on the newer version, with a random, growing backoff, until the
 * retry limit or deadline of {@link TableOptions}. Every other failure removes every file the
 * change wrote and is passed on — except an unknown commit state, after which nothing is removed
 * (the commit may have landed). The protocol is in the package documentation.
 */
public final class Committer {
  /** How long a committer waits for the advisory commit lock before going ahead without it. */
  public static final long LOCK_WAIT_MS = 5_000;

  private final TableOperations ops;
  private final TableOptions options;
  private final AtomicLong conflictRetries = new AtomicLong();
  private final Consumer<TableMetadata> upkeep;

  /** The version whose upkeep waits for the caller's outer lock to be released, per thread. */
  private final ThreadLocal<TableMetadata> deferred = new ThreadLocal<>();

  /**
   * @param upkeep the table's automatic upkeep (compaction, cleanup): runs after the commits that
   *     ask for it ({@link PendingCommit#startsUpkeep()}) once the commit lock is released; must
   *     not throw (the commit has happened)
   */
  public Committer(TableOperations ops, TableOptions options, Consumer<TableMetadata> upkeep) {
    this.ops = ops;
    this.options = options;
    this.upkeep = upkeep;
  }

  /** The table's versions and storage. */
  public TableOperations operations() {
    return ops;
  }

  /** The options commits retry by. */
  public TableOptions options() {
    return options;
  }

  /** Commit attempts retried after losing a race, since this committer was made. */
  public long conflictRetries() {
    return conflictRetries.get();
  }

  /**
   * The outcome of a commit: the version after it (the base, when nothing was committed) and the
   * change's value.
   */
  public record Committed<T>(TableMetadata metadata, T value, boolean changed) {}

  /**
   * Commits a change whose files are recorded in {@code files} (those it prepared before, and those
   * its attempts write).
   *
   * @throws CommitConflictException if the retries ran out (nothing committed), or the change
   *     cannot move onto a newer version
   * @throws CommitStateUnknownException if the publish may or may not have happened
   */
  public <T> Committed<T> commit(PendingCommit<T> change, CommitFiles files) {
    long deadline = System.nanoTime() + options.commitTimeout().toNanos();
    try {
      for (int attempt = 0; ; attempt++) {
        if (attempt > 0) {
          conflictRetries.incrementAndGet();
        }
        Committed<T> done = null;
        try (CommitLock lock = CommitLock.acquire(ops.storage(), ops.metadataDir(), LOCK_WAIT_MS)) {
          // Under the lock, start from the newest version: usually nobody can commit before us now.
          TableMetadata base = ops.refresh();
          Update<T> update;
          files.beginAttempt();
          try {
            update = change.apply(base, files, attempt);
          } catch (Throwable t) {
            ops.catchUpHint(); // a commit before this one may have left the hint to this one
            throw t;
          } finally {
            files.endAttempt();
          }
          if (update.isNone()) {
            files.discardAll();
            ops.catchUpHint();
            return new Committed<>(base, update.value(), false);
          }
          TableMetadata.Builder next = update.next();
          Retention.logPrevious(base, next);
          if (update.addsSnapshot()) {
            Retention.applyAtCommit(base, next, System.currentTimeMillis());
          }
          files.syncDirectories(ops.metadataDir());
          TableMetadata committed;
          try {
            // the new metadata is written while the new files finish in the background; it is
            // published once every one of them is forced, linked and its directory synced
            // and it is checked against the write window last, right before that publish
            committed =
                ops.commit(
                    base,
                    next.build(),
                    () -> {
                      files.settle();
                      checkWriteWindow(change, files, base);
                    },
                    () -> lock.othersWaiting() || change.othersFollow()); // the cheap look first
          } catch (CommitConflictException lost) {
            files.discardAttempt();
            committed = null;
          }
          if (committed != null) {
            files.committed();
            change.committed(committed, update.value());
            done = new Committed<>(committed, update.value(), true);
          }
        }
        if (done != null) {
          if (change.startsUpkeep()) {
            upkeepAfter(done.metadata());
          }
          return done;
        }
        if (attempt >= options.commitRetries() || System.nanoTime() > deadline) {
          throw new CommitConflictException(
              "Gave up committing the "
                  + change.what()
                  + " to "
                  + ops.root()
                  + " after "
                  + (attempt + 1)
                  + " attempts: other writers kept committing first. Nothing was committed; "
                  + "retry later or raise TableOptions.commitRetries/commitTimeout.");
        }
        backoff(attempt);
      }
    } catch (CommitStateUnknownException e) {
      failed(change, e, true);
      throw e;
    } catch (IOException e) {
      files.discardAll();
      UncheckedIOException error =
          new UncheckedIOException(
              "Writing the files of the "
                  + change.what()
                  + " to "
                  + ops.root()
                  + " failed: "
                  + e
                  + ". Nothing was committed; check free disk space and permissions.",
              e);
      failed(change, error, false);
      throw error;
    } catch (RuntimeException | Error e) {
      files.discardAll();
      if (e instanceof RuntimeException r) {
        failed(change, r, false);
      }
      throw e;
    }
  }

  /**
   * The writer's side of the fence with orphan removal ({@link TableProperties#WRITE_WINDOW_MS}): a
   * change whose first file was written longer ago than 90% of the window is not published, since a
   * gc may since have judged its files orphans.
   */
  private void checkWriteWindow(PendingCommit<?> change, CommitFiles files, TableMetadata base) {
    long since = files.sinceFirstFileNanos();
    if (since < 0) {
      return;
    }
    long window = writeWindowMillis(base);
    long allowed = window - window / 10;
    if (since / 1_000_000 > allowed) {
      throw new ValidationException(
          "The "
              + change.what()
              + " to "
              + ops.root()
              + " began writing its files "
              + since / 1_000_000
              + " ms ago, longer than the table's write window allows ("
              + allowed
              + " ms, 90% of "
              + TableProperties.WRITE_WINDOW_MS
              + "="
              + window
              + "): orphan removal may have deleted some of them, so it was not committed and its "
              + "files were removed. Write the change again, or raise "
              + TableProperties.WRITE_WINDOW_MS
              + " for changes that take this long.");
    }
  }

  /** The write window of a version, in milliseconds (at least one second). */
  public static long writeWindowMillis(TableMetadata meta) {
    return Math.max(
        1000,
        meta.propertyLong(
            TableProperties.WRITE_WINDOW_MS, TableProperties.WRITE_WINDOW_MS_DEFAULT));
  }

  /**
   * Runs the upkeep after {@code committed} now, or, while the calling thread still holds the
   * commit lock (a group commit's leader), once it calls {@link #runDeferredUpkeep}: upkeep commits
   * too, and must neither hold the lock long nor run while others wait for it.
   */
  private void upkeepAfter(TableMetadata committed) {
    if (CommitLock.heldByCurrentThread(ops.metadataDir())) {
      deferred.set(committed);
    } else {
      runUpkeep(committed);
    }
  }

  /** Runs the upkeep a commit under the caller's own lock deferred; call after releasing it. */
  public void runDeferredUpkeep() {
    TableMetadata committed = deferred.get();
    if (committed != null && !CommitLock.heldByCurrentThread(ops.metadataDir())) {
      deferred.remove();
      runUpkeep(committed);
    }
  }

  /** One daemon thread for the upkeep of every table of this process that runs it there. */
  private static final java.util.concurrent.ExecutorService BACKGROUND =
      java.util.concurrent.Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "datashard-upkeep");
            t.setDaemon(true);
            return t;
          });

  /** The newest committed version whose upkeep waits for the background thread, or null. */
  private final java.util.concurrent.atomic.AtomicReference<TableMetadata> queued =
      new java.util.concurrent.atomic.AtomicReference<>();

  private void runUpkeep(TableMetadata committed) {
    if (options.upkeepInBackground()) {
      // coalesced: while one is queued, newer commits only replace the version it starts from
      if (queued.getAndSet(committed) == null) {
        BACKGROUND.execute(
            () -> {
              TableMetadata newest = queued.getAndSet(null);
              if (newest != null) {
                runUpkeepNow(newest);
              }
            });
      }
      return;
    }
    runUpkeepNow(committed);
  }

  private void runUpkeepNow(TableMetadata committed) {
    try {
      upkeep.accept(committed);
    } catch (RuntimeException e) {
      // best effort: the commit has happened, and a later commit's upkeep takes what is left
    }
  }

  private static void failed(PendingCommit<?> change, RuntimeException error, boolean unknown) {
    try {
      change.failed(error, unknown);
    } catch (RuntimeException e) {
      error.addSuppressed(e); // the caller learns the commit's own error
    }
  }

  /** Sleeps a random, growing time before retry {@code attempt + 1}. */
  private static void backoff(int attempt) {
    long max = Math.min(100, 1L << Math.min(attempt, 7));
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(max + 1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommitConflictException(
          "Interrupted while waiting to retry a commit; nothing was committed", e);
    }
  }
}
