package io.datashard.internal.maintenance;

import io.datashard.internal.FileNames;
import io.datashard.internal.TableCore;
import io.datashard.internal.commit.TableOperations;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who runs a table's automatic upkeep (compaction, then cleanup): one process at a time, the
 * <em>owner</em>, which holds the table's upkeep lock ({@link FileNames#COMPACTION_LOCK}) for as
 * long as the table keeps changing. The owner runs the upkeep after each of its own commits (in the
 * committing call, once the commit lock is released, as before) and, on a daemon thread, for the
 * commits of every other process: it looks at the table's newest version every {@link #POLL_MS} and
 * runs what came due since its last run. The other processes' commits run none. After {@link
 * #IDLE_MS} without a new version the owner lets the lock go; the next process that commits takes
 * it. A process that exits lets it go too (a shutdown hook first waits for a run in progress, so
 * that it does not leave a half-written compaction behind).
 *
 * <p>A commit of this process returns once the upkeep it made due has run (it waits for a run of
 * another thread in progress first), so within one process the table does not change by itself
 * after its commits return; only other processes' commits are looked after later, by the poll.
 *
 * <p>Why one owner, not every committer in turn: measured with 12 processes appending one row each
 * on 2 cores, the upkeep took as much CPU as the group commits it followed. Spread over 12
 * processes, each ran it too seldom for its code to be compiled or its caches of manifest lists to
 * hold what the next cleanup reads; and every compaction was a commit of its own. One owner runs it
 * warm, and merges what came due in one poll in one commit.
 *
 * <p>When things are due, from the owner's last run to the newest version: a cleanup when a
 * multiple of {@code datashard.cleanup.every-commits} was passed (it then looks at every version
 * since the last multiple it cleaned, see {@link AutoCleanup#run}), a compaction when the table's
 * data-file count passed a multiple of the merge factor upward or a snapshot added delete files
 * ({@link AutoCompaction#dueSince}). A process that just became owner starts as if the versions
 * before its first commit had been looked after, which is what their committers did before, except
 * for cleanup: the owner before it may have exited between its last poll and the last commits, so
 * the new owner's first run cleans up after every version the metadata log still holds (reading one
 * version in as many as are retained). A cleanup that fails counts nothing as cleaned: the next due
 * one looks at the same versions again.
 */
public final class UpkeepOwner {
  private static final Logger LOG = LoggerFactory.getLogger(UpkeepOwner.class);

  /** How often the owner looks for versions other processes committed. */
  static final long POLL_MS = 200;

  /** The owner lets the lock go after this long without a new version. */
  static volatile long IDLE_MS = 5_000;

  /** How long a process that exits waits for an upkeep run in progress. */
  private static final long EXIT_WAIT_MS = 10_000;

  /** One per table (by metadata directory) in this process: OS locks are held per process. */
  private static final ConcurrentHashMap<String, UpkeepOwner> OWNERS = new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(UpkeepOwner::closeAll, "datashard-upkeep-exit"));
  }

  private final String lockFile;

  /** One run at a time in this process, whether after a commit or from the poll. */
  private final ReentrantLock running = new ReentrantLock();

  // guarded by this
  private Storage.Lock held;
  private TableCore core;
  private boolean closing;

  // written under running
  private volatile long seenVersion = -1;
  private long seenTotalFiles = -1;
  private long seenSnapshotId = -1;
  private long cleanedUpTo = -1;
  private long cleanupTriedAt = -1;

  private UpkeepOwner(String lockFile) {
    this.lockFile = lockFile;
  }

  /** The owner state of {@code core}'s table in this process. */
  public static UpkeepOwner of(TableCore core) {
    String lock = core.operations().metadataDir() + "/" + FileNames.COMPACTION_LOCK;
    return OWNERS.computeIfAbsent(lock, UpkeepOwner::new);
  }

  /**
   * The upkeep after {@code committed}, a commit of this process: runs what is due if this process
   * owns the table's upkeep or can take it now; nothing if another process owns it. Never throws.
   */
  public void afterCommit(TableCore core, TableMetadata committed) {
    try {
      if (!own(core)) {
        return;
      }
      run(core, committed, true);
    } catch (RuntimeException e) {
      LOG.warn("Automatic upkeep of {} failed: {}", core.operations().root(), e.toString());
    }
  }

  /** True if this process owns the upkeep (taking it if nobody does). */
  private synchronized boolean own(TableCore by) {
    if (closing) {
      return false;
    }
    if (held != null) {
      return true;
    }
    Storage storage = by.operations().storage();
    if (!storage.supports(Storage.Capability.LOCKS)) {
      return true; // no locks here: every committer runs it, the commits decide races
    }
    try {
      held = storage.tryLock(lockFile);
    } catch (IOException | RuntimeException e) {
      return true; // no usable lock here: as without locks
    }
    if (held == null) {
      return false; // another process owns it
    }
    core = by;
    lastChange = System.nanoTime();
    POLLER.schedule(this::poll, POLL_MS, TimeUnit.MILLISECONDS);
    return true;
  }

  /**
   * One thread for the polls of every table this process owns the upkeep of: a poll is a quick look
   * at the newest version (two probes when nothing changed), and the upkeep it may start is serial
   * anyway.
   */
  private static final ScheduledExecutorService POLLER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "datashard-upkeep-owner");
            t.setDaemon(true);
            return t;
          });

  /** When the owner last saw a new version, and which (guarded by this). */
  private long lastChange;

  private long polledVersion = -1;

  /** The owner's look at the table, every {@link #POLL_MS} until idle or the process exits. */
  private void poll() {
    TableCore c;
    synchronized (this) {
      if (closing || held == null) {
        return;
      }
      c = core;
    }
    boolean changed = false;
    try {
      TableMetadata latest = c.operations().refresh();
      synchronized (this) {
        changed = latest.version() != polledVersion;
        polledVersion = latest.version();
      }
      if (latest.version() > seenVersion) {
        run(c, latest, false); // (this process's own commits may have run it already)
      }
    } catch (RuntimeException e) {
      // the table is unreadable now (or gone): counts as idle
      LOG.debug("Automatic upkeep of {} could not look: {}", c.operations().root(), e.toString());
    }
    boolean idle;
    synchronized (this) {
      long now = System.nanoTime();
      if (changed) {
        lastChange = now;
      }
      idle = now - lastChange > TimeUnit.MILLISECONDS.toNanos(IDLE_MS);
    }
    if (idle) {
      release();
      return;
    }
    POLLER.schedule(this::poll, POLL_MS, TimeUnit.MILLISECONDS);
  }

  /** Lets the lock go; a later commit of this process may take it again. */
  private void release() {
    letGo(false);
  }

  /** Waits for a run in progress, lets the lock go; for good ({@code stop}) if {@code forever}. */
  private void letGo(boolean forever) {
    running.lock(); // not in the middle of a run
    try {
      synchronized (this) {
        closing |= forever;
        if (held != null) {
          held.close();
          held = null;
        }
        core = null;
      }
      seenVersion = -1; // a later owner starts afresh (run() sets the rest from it)
    } finally {
      running.unlock();
    }
  }

  /**
   * Runs what came due up to {@code latest}. After a commit ({@code wait}) it first waits for a run
   * of another thread of this process in progress, so that a commit returns once the upkeep it made
   * due has run, as when every committer ran it; the poll skips instead.
   */
  private void run(TableCore c, TableMetadata latest, boolean wait) {
    if (running.isHeldByCurrentThread()) {
      return; // the compaction's own commit: the run in progress goes on after it
    }
    if (wait) {
      running.lock();
    } else if (!running.tryLock()) {
      return; // a commit's run is in progress; the next poll looks again
    }
    try {
      synchronized (this) {
        if (closing) {
          return;
        }
      }
      if (latest.version() <= seenVersion) {
        return;
      }
      TableOperations ops = c.operations();
      if (seenVersion < 0 || !c.operations().storage().supports(Storage.Capability.LOCKS)) {
        // Just became owner: the versions before this one were looked after by their committers
        // (without locks every committer runs the upkeep, each for its own commit alone), except
        // for cleanup, where the owner before may have exited before its last poll: this owner's
        // first cleanup looks at every version the metadata log still holds (0: none cleaned).
        cleanupTriedAt = -1;
        cleanedUpTo =
            c.operations().storage().supports(Storage.Capability.LOCKS)
                ? 0
                : AutoCleanup.lastDue(latest.version() - 1, latest);
        seenTotalFiles = AutoCompaction.totalBefore(latest);
        seenSnapshotId = AutoCompaction.parentOfCurrent(latest);
      }
      TableMetadata after = latest;
      long nextTotal = AutoCompaction.totalFiles(latest);
      long nextSnapshotId =
          latest.currentSnapshot() == null ? -1 : latest.currentSnapshot().snapshotId();
      if (AutoCompaction.dueSince(latest, seenTotalFiles, seenSnapshotId)) {
        AutoCompaction.Compacted done = AutoCompaction.compact(c);
        if (done != null) {
          after = done.committed();
          // What was committed while it compacted has not been looked at yet: the next look
          // counts from the planned version with the merges applied.
          nextTotal = done.totalAfterMerges();
          nextSnapshotId =
              done.base().currentSnapshot() == null
                  ? -1
                  : done.base().currentSnapshot().snapshotId();
        }
      }
      long due = AutoCleanup.lastDue(after.version(), after);
      if (due > cleanedUpTo && due > cleanupTriedAt) {
        cleanupTriedAt = due;
        if (AutoCleanup.run(ops, after, cleanedUpTo)) {
          cleanedUpTo = due;
        } // else the next due cleanup looks at these versions again
      }
      seenTotalFiles = nextTotal;
      seenSnapshotId = nextSnapshotId;
      seenVersion = after.version();
    } finally {
      running.unlock();
    }
  }

  /** At exit: no new runs; waits a while for the one in progress, then lets every lock go. */
  private static void closeAll() {
    for (UpkeepOwner o : OWNERS.values()) {
      synchronized (o) {
        o.closing = true;
      }
      try {
        if (o.running.tryLock(EXIT_WAIT_MS, TimeUnit.MILLISECONDS)) {
          o.running.unlock();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Stops this process's upkeep of the table at {@code root} (a table folder about to be moved or
   * dropped): waits for a run in progress, lets the lock go, and forgets the table, so that nothing
   * of this process writes under {@code root} afterwards on its behalf. A later commit to a table
   * at that location takes the upkeep afresh.
   */
  public static void stop(String root) {
    UpkeepOwner o =
        OWNERS.remove(root + "/" + FileNames.METADATA_DIR + "/" + FileNames.COMPACTION_LOCK);
    if (o != null) {
      o.letGo(true);
    }
  }

  /** True while this process owns the table's upkeep (for tests). */
  synchronized boolean owning() {
    return held != null;
  }
}
