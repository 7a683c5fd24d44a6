package io.datashard.internal.maintenance;

import io.datashard.Snapshot;
import io.datashard.internal.commit.TableOperations;
import io.datashard.internal.meta.TableMetadata;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Deletes the files that only dropped snapshots used. */
final class FileCleanup {
  private static final Logger LOG = LoggerFactory.getLogger(FileCleanup.class);

  private FileCleanup() {}

  /**
   * Deletes the manifest lists, manifests and data files that the {@code expired} snapshots use and
   * no snapshot of {@code after} (a version without them) nor of the newest version uses.
   *
   * @param quick if every snapshot involved (expired and kept) is an append, skip reading manifests
   *     for data files: in a history of appends a data file that an expired snapshot reached is
   *     still reached by the later snapshots, so only manifest lists and manifests can be freed.
   *     This keeps the cost of an automatic cleanup independent of the number of live files. Data
   *     files of expired snapshots outside the main history (a dropped branch) are then left for
   *     orphan removal; nothing needed is ever deleted.
   */
  static void deleteFilesOnlyUsedBy(
      TableOperations ops,
      Collection<Snapshot> expired,
      TableMetadata after,
      boolean dryRun,
      TableMaintenance.Report report,
      boolean quick) {
    Map<String, Long> candidates = filesOnlyUsedBy(ops, expired, after, !dryRun, quick);
    for (Map.Entry<String, Long> c : candidates.entrySet()) {
      String f = c.getKey();
      long size = c.getValue() >= 0 ? c.getValue() : Reachability.lengthOrZero(ops, f);
      if (dryRun ? exists(ops, f) : deleteQuietly(ops, f)) {
        report.deletedFiles.add(f);
        report.deletedBytes += Math.max(0, size);
      }
    }
  }

  /**
   * The manifest lists, manifests and data files that the {@code expired} snapshots use and no
   * snapshot of {@code after} (a version without them), nor of the newest version if {@code
   * newest}, uses; with their sizes where the metadata gives them (else -1). See {@link
   * #deleteFilesOnlyUsedBy} for {@code quick}.
   */
  static Map<String, Long> filesOnlyUsedBy(
      TableOperations ops,
      Collection<Snapshot> expired,
      TableMetadata after,
      boolean newest,
      boolean quick) {
    List<Snapshot> kept = new ArrayList<>(after.snapshots());
    if (newest) {
      kept.addAll(ops.refresh().snapshots());
    }
    boolean dataFiles = !(quick && allAppends(expired) && allAppends(kept));
    // What the retained snapshots use is kept. Read the newest version too: snapshots committed
    // since are built on retained ones, and their new files must never be taken for expired ones.
    Reachability keep = new Reachability(ops, true, dataFiles);
    keep.addSnapshots(kept);
    Reachability gone = new Reachability(ops, false, dataFiles);
    gone.addSnapshots(expired);
    Map<String, Long> candidates = new LinkedHashMap<>();
    for (Map.Entry<String, Long> f : gone.dataFiles.entrySet()) {
      if (!keep.dataFiles.containsKey(f.getKey())) {
        candidates.put(f.getKey(), f.getValue());
      }
    }
    for (Map.Entry<String, Long> m : gone.manifests.entrySet()) {
      if (!keep.manifests.containsKey(m.getKey())) {
        candidates.put(m.getKey(), m.getValue());
      }
    }
    for (String l : gone.manifestLists) {
      if (!keep.manifestLists.contains(l)) {
        candidates.put(l, -1L);
      }
    }
    return candidates;
  }

  /** True if every snapshot only added files (operation "append", nothing deleted). */
  private static boolean allAppends(Iterable<Snapshot> snapshots) {
    for (Snapshot s : snapshots) {
      if (!"append".equals(s.operation())
          || s.summaryLong("deleted-data-files", 0) != 0
          || s.summaryLong("deleted-records", 0) != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean exists(TableOperations ops, String location) {
    try {
      return ops.storage().exists(location);
    } catch (IOException e) {
      return false;
    }
  }

  /** Deletes a file; false (and a warning) if it could not be. */
  static boolean deleteQuietly(TableOperations ops, String location) {
    try {
      return ops.storage().delete(location);
    } catch (IOException e) {
      LOG.warn("Could not remove {}: {}", location, e.toString());
      return false;
    }
  }
}
