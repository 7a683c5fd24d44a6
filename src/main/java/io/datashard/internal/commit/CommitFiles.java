package io.datashard.internal.commit;

import io.datashard.storage.Storage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The new files of one commit: every file a change writes goes through {@link #storage()} (which
 * finishes them in the background where the storage allows, see {@link BackgroundPublisher}) and is
 * recorded here before it is created, so that whoever owns the commit can remove exactly what it
 * wrote when it does not land.
 *
 * <p>Files are of two lifetimes: <em>prepared</em> files (a change's data files, written before the
 * commit starts, or by a read-modify-write change once per plan) stay across attempts;
 * <em>attempt</em> files (manifest lists, merged manifests) belong to one attempt and are removed
 * when another writer wins its race. Not thread-safe: one committer drives it.
 */
public final class CommitFiles {
  private static final Logger LOG = LoggerFactory.getLogger(CommitFiles.class);

  private final BackgroundPublisher storage;
  private final List<String> prepared = new ArrayList<>();
  private final List<String> attempt = new ArrayList<>();
  private final Set<String> unsyncedDirs = new LinkedHashSet<>();
  private final Set<String> syncedThisAttempt = new LinkedHashSet<>();
  private boolean attemptScope;
  private long firstFileNanos;
  private boolean anyFile;

  private CommitFiles(BackgroundPublisher storage) {
    this.storage = storage;
  }

  /** Files of a commit to {@code storage}, finished in the background where it allows. */
  public static CommitFiles over(Storage storage) {
    return new CommitFiles(BackgroundPublisher.over(storage));
  }

  /** Files of a commit to {@code storage}, every step in the calling thread. */
  public static CommitFiles inline(Storage storage) {
    return new CommitFiles(BackgroundPublisher.inline(storage));
  }

  /** The storage to write this commit's files through. */
  public Storage storage() {
    return storage;
  }

  /**
   * Records a new file (call it before creating the file): a prepared file outside an attempt, an
   * attempt file inside one. Its directory is synced before the commit publishes.
   *
   * @return the location
   */
  public String add(String location) {
    if (!anyFile) {
      anyFile = true;
      firstFileNanos = System.nanoTime();
    }
    (attemptScope ? attempt : prepared).add(location);
    int slash = location.lastIndexOf('/');
    if (slash > 0) {
      unsyncedDirs.add(location.substring(0, slash));
    }
    return location;
  }

  /**
   * Records a file written elsewhere into this commit's directories, to sync and remove it alike.
   */
  public void adopt(List<String> locations) {
    locations.forEach(this::add);
  }

  /**
   * Nanoseconds since the first file of this commit was recorded (by {@link System#nanoTime()}), or
   * -1 if none was.
   */
  long sinceFirstFileNanos() {
    return anyFile ? System.nanoTime() - firstFileNanos : -1;
  }

  /** The prepared files recorded so far. */
  public List<String> prepared() {
    return List.copyOf(prepared);
  }

  /** A step that writes files and may fail with an I/O error. */
  public interface IoSupplier<R> {
    R get() throws IOException;
  }

  /**
   * Runs {@code step} with the files it records counted as prepared (kept across attempts), also
   * inside an attempt: for a change that plans again on a newer base.
   */
  public <R> R prepare(IoSupplier<R> step) throws IOException {
    boolean was = attemptScope;
    attemptScope = false;
    try {
      return step.get();
    } finally {
      attemptScope = was;
    }
  }

  void beginAttempt() {
    attemptScope = true;
    syncedThisAttempt.clear();
  }

  void endAttempt() {
    attemptScope = false;
  }

  /**
   * Syncs the directories of every file recorded since the last sync, once those files are linked;
   * in the background where the storage allows, so a change calls this as soon as a set of files is
   * written (its data files) rather than leaving every sync to the end.
   */
  public void syncDirectoriesNow() throws IOException {
    for (String dir : unsyncedDirs) {
      storage.syncDirectory(dir);
      syncedThisAttempt.add(dir);
    }
    unsyncedDirs.clear();
  }

  /**
   * Syncs {@code always} and the directories of every file recorded since the last sync (after
   * those files).
   */
  void syncDirectories(String always) throws IOException {
    if (!syncedThisAttempt.contains(always)) {
      unsyncedDirs.add(always);
    }
    for (String dir : unsyncedDirs) {
      storage.syncDirectory(dir);
    }
    unsyncedDirs.clear();
  }

  /** Waits until every file and directory sync handed over is on disk; throws the first failure. */
  void settle() throws IOException {
    storage.settle();
  }

  /** Removes the files of the attempt that lost (after its background work ended). */
  void discardAttempt() {
    remove(attempt);
    attempt.clear();
  }

  /** Removes the prepared files (a change that plans again writes new ones). */
  public void discardPrepared() {
    remove(prepared);
    prepared.clear();
  }

  /** Removes every file recorded: the commit did not land. */
  void discardAll() {
    discardAttempt();
    discardPrepared();
    unsyncedDirs.clear();
  }

  /** Forgets every file: the commit landed, they are the table's now. */
  void committed() {
    prepared.clear();
    attempt.clear();
    unsyncedDirs.clear();
  }

  private void remove(List<String> locations) {
    storage.settleQuietly(); // a link still queued must not bring a removed name back
    for (String l : locations) {
      try {
        storage.delete(l);
      } catch (IOException | RuntimeException e) {
        LOG.warn("Could not remove uncommitted file {}: {}", l, e.toString());
      }
    }
  }
}
