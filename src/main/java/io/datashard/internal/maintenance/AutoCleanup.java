package io.datashard.internal.maintenance;

import io.datashard.Snapshot;
import io.datashard.TableProperties;
import io.datashard.internal.commit.TableOperations;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.internal.scan.TableReader;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The automatic cleanup after appends: every {@link TableProperties#CLEANUP_EVERY_COMMITS}
 * versions, the committer of that version also deletes the manifest lists, manifests and data files
 * that only snapshots dropped since then used (by retention or expiry), so files on disk stay
 * bounded by the retention without running maintenance. Off by default (0); at most 100 (the
 * metadata log must still hold the version it compares with). Best effort: the commit has happened;
 * a later cleanup or orphan removal takes what is left.
 */
public final class AutoCleanup {
  private static final Logger LOG = LoggerFactory.getLogger(AutoCleanup.class);

  private AutoCleanup() {}

  /** Runs the cleanup after {@code committed} when the table asks for it. */
  public static void afterCommit(TableReader reader, TableMetadata committed) {
    long every =
        Math.min(
            100,
            committed.propertyLong(
                TableProperties.CLEANUP_EVERY_COMMITS,
                TableProperties.CLEANUP_EVERY_COMMITS_DEFAULT));
    if (every <= 0 || committed.version() % every != 0) {
      return;
    }
    TableOperations ops = reader.operations();
    try {
      Set<Long> retained = new HashSet<>();
      committed.snapshots().forEach(x -> retained.add(x.snapshotId()));
      // Snapshots dropped since the last cleanup: those of the versions in between that this one
      // no longer has. A snapshot stays in about as many versions as are retained, so reading
      // every that-many-th version sees each of them (ones expired sooner are left for gc).
      int step = Math.max(1, retained.size());
      Map<Long, Snapshot> dropped = new LinkedHashMap<>();
      for (long v = Math.max(1, committed.version() - every); v < committed.version(); v += step) {
        for (Snapshot x : ops.load((int) v).snapshots()) {
          if (!retained.contains(x.snapshotId())) {
            dropped.put(x.snapshotId(), x);
          }
        }
      }
      if (!dropped.isEmpty()) {
        FileCleanup.deleteFilesOnlyUsedBy(
            ops,
            dropped.values(),
            committed,
            false,
            new TableMaintenance.Report("cleanup", false),
            true);
      }
    } catch (RuntimeException e) {
      LOG.warn(
          "Automatic cleanup after version {} of {} failed: {}",
          committed.version(),
          ops.root(),
          e.toString());
    }
  }
}
