package io.datashard.internal.maintenance;

import io.datashard.CorruptTableException;
import io.datashard.Snapshot;
import io.datashard.TableProperties;
import io.datashard.internal.commit.TableOperations;
import io.datashard.internal.meta.TableMetadata;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The automatic cleanup after appends: every {@link TableProperties#CLEANUP_EVERY_COMMITS} versions
 * (10 by default), the process that runs the table's upkeep ({@link UpkeepOwner}) finds, once a
 * version of that number is reached, the manifest lists, manifests and data files that only
 * snapshots dropped since its last cleanup used (by retention or expiry), and schedules them for
 * deletion ({@link DeferredDeletes}) once the grace period {@link TableProperties#CLEANUP_GRACE_MS}
 * has passed; it also deletes what earlier cleanups scheduled that is now due. So files on disk
 * stay bounded by the retention without running maintenance, and a reader of a just-dropped
 * snapshot keeps its files for the grace period. At most every 100 versions (the metadata log must
 * still hold the version it compares with). Best effort: the commit has happened; a later cleanup
 * or orphan removal takes what is left. Files outside the table's directory (registered with {@code
 * appendFile}) are never deleted by it.
 */
public final class AutoCleanup {
  private static final Logger LOG = LoggerFactory.getLogger(AutoCleanup.class);

  private AutoCleanup() {}

  /** The grace period of deferred deletions, in milliseconds, of a version's properties. */
  public static long graceMillis(TableMetadata meta) {
    return Math.max(
        0,
        meta.propertyLong(
            TableProperties.CLEANUP_GRACE_MS, TableProperties.CLEANUP_GRACE_MS_DEFAULT));
  }

  /**
   * The files that the next automatic cleanup will schedule: those only snapshots dropped since the
   * last cleanup's version used (empty if the cleanup is off or cannot tell).
   */
  public static Set<String> notYetScheduled(TableOperations ops, TableMetadata meta) {
    long every =
        Math.min(
            100,
            meta.propertyLong(
                TableProperties.CLEANUP_EVERY_COMMITS,
                TableProperties.CLEANUP_EVERY_COMMITS_DEFAULT));
    long last = every <= 0 ? 0 : meta.version() / every * every;
    if (last < 1 || last == meta.version()) {
      return Set.of();
    }
    try {
      Map<Long, Snapshot> dropped = droppedSince(ops, meta, last);
      return dropped.isEmpty()
          ? Set.of()
          : new HashSet<>(
              FileCleanup.filesOnlyUsedBy(ops, dropped.values(), meta, false, true).keySet());
    } catch (RuntimeException e) {
      return Set.of();
    }
  }

  /** The cleanup interval in versions of {@code meta}'s properties (at most 100; 0: off). */
  static long every(TableMetadata meta) {
    return Math.max(
        0,
        Math.min(
            100,
            meta.propertyLong(
                TableProperties.CLEANUP_EVERY_COMMITS,
                TableProperties.CLEANUP_EVERY_COMMITS_DEFAULT)));
  }

  /**
   * The last version up to {@code version} at which a cleanup is due (a multiple of {@link
   * #every}), or -1 if the cleanup is off.
   */
  static long lastDue(long version, TableMetadata meta) {
    long every = every(meta);
    return every <= 0 ? -1 : Math.max(0, version) / every * every;
  }

  /**
   * Runs the cleanup for {@code committed}: the snapshots dropped since version {@code since} (the
   * last version cleaned) that {@code committed} no longer has. Versions the metadata log no longer
   * holds are not looked at (what only they dropped is left for orphan removal), nor those whose
   * file another process's commit removed while this one looked (the oldest go first; the next one
   * still there is read instead). Never throws.
   *
   * @return true if it ran to the end (or had nothing to do), false if it failed, so that the
   *     caller looks at the same versions again next time instead of counting them as cleaned
   */
  static boolean run(TableOperations ops, TableMetadata committed, long since) {
    long every = every(committed);
    if (every <= 0) {
      return true;
    }
    try {
      long grace = graceMillis(committed);
      long now = System.currentTimeMillis();
      DeferredDeletes deferred = new DeferredDeletes(ops);
      deferred.deleteDue(now - grace);
      Map<Long, Snapshot> dropped = droppedSince(ops, committed, since);
      if (dropped.isEmpty()) {
        return true;
      }
      String inside = ops.root() + "/";
      List<String> files = new ArrayList<>();
      for (String f :
          FileCleanup.filesOnlyUsedBy(ops, dropped.values(), committed, true, true).keySet()) {
        if (f.startsWith(inside)) {
          files.add(f);
        }
      }
      if (grace == 0) {
        files.forEach(f -> FileCleanup.deleteQuietly(ops, f));
      } else {
        deferred.schedule(files, now);
      }
      return true;
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "Automatic cleanup after version {} of {} failed: {}",
          committed.version(),
          ops.root(),
          e.toString());
      return false;
    }
  }

  /**
   * The snapshots dropped since version {@code since}: those of the versions in between (as far as
   * the metadata log of {@code meta} goes back) that {@code meta} no longer has. A snapshot stays
   * in about as many versions as are retained, so reading every that-many-th version sees each of
   * them (ones expired sooner are left for gc). A version whose file another process's commit
   * removed while this one looked (the oldest go first) is skipped for the next one still there.
   */
  private static Map<Long, Snapshot> droppedSince(
      TableOperations ops, TableMetadata meta, long since) {
    Set<Long> retained = new HashSet<>();
    meta.snapshots().forEach(x -> retained.add(x.snapshotId()));
    int step = Math.max(1, retained.size());
    Map<Long, Snapshot> dropped = new LinkedHashMap<>();
    long v = Math.max(Math.max(1, since), meta.version() - meta.metadataLog().size());
    while (v < meta.version()) {
      TableMetadata old;
      try {
        old = ops.load((int) v);
      } catch (CorruptTableException e) {
        if (!(e.getCause() instanceof NoSuchFileException)) {
          throw e;
        }
        // A commit since `meta` was read removed this version (the metadata log keeps a
        // bounded number, the oldest go first): the next one holds what this one held, but for
        // snapshots dropped right at it, which are about as old as the log.
        v++;
        continue;
      }
      for (Snapshot x : old.snapshots()) {
        if (!retained.contains(x.snapshotId())) {
          dropped.put(x.snapshotId(), x);
        }
      }
      v += step;
    }
    return dropped;
  }
}
