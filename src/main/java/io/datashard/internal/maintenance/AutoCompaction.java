package io.datashard.internal.maintenance;

import io.datashard.CommitConflictException;
import io.datashard.DataFile;
import io.datashard.Row;
import io.datashard.Snapshot;
import io.datashard.TableProperties;
import io.datashard.internal.TableCore;
import io.datashard.internal.commit.SnapshotSummary;
import io.datashard.internal.commit.TableOperations;
import io.datashard.internal.deletes.DeleteIndex;
import io.datashard.internal.manifest.ManifestIO;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.internal.scan.TableReader;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compaction that runs by itself: the process that runs the table's upkeep ({@link UpkeepOwner},
 * after its own commits once it released the commit lock, and for other processes' commits) merges
 * small data files of one partition by size tiers, the way Lucene's tiered merge policy merges
 * index segments, and commits them as a {@code replace} snapshot.
 *
 * <p>A file's tier is the order of magnitude of its row count in base {@code F}, the merge factor
 * ({@link TableProperties#COMPACTION_MERGE_FACTOR}, 10 by default): rows 1–9 are tier 0, 10–99 tier
 * 1, and so on. Row counts, not bytes, because a small file's size is mostly its footer and schema,
 * which merging does not add up. Whenever a partition holds {@code F} files of one tier, they are
 * merged into one file of a higher tier; so a row is rewritten about log<sub>F</sub>(rows of its
 * partition) times in all, and a partition keeps fewer than {@code F} files per tier (about 50 for
 * a million rows). Files of at least 3/4 of {@link TableProperties#TARGET_FILE_SIZE_BYTES} are left
 * alone, and no merge writes more than that.
 *
 * <p>When: planning reads the current snapshot's manifests, so it is not done at every commit but
 * when the table's data-file count (the snapshot summary's {@code total-data-files}) passes a
 * multiple of {@code F} — about once every {@code F} new files, which is when a tier can have
 * filled; the upkeep's owner looks after several commits at once ({@link #dueSince}), and merges
 * what came due in one commit. Only that one process compacts automatically. Like every commit it
 * obeys the conflict rules: appends committed meanwhile are kept, and if a delete, overwrite or
 * upsert removed a file being merged, the compaction commits nothing (that file's rows are the
 * other change's) and the next one tries again. Row-level deletes are folded in: a file with
 * equality deletes, or whose position deletes remove a tenth of its rows or more, is rewritten
 * without the deleted rows, and the delete files that then apply to no file are dropped.
 */
public final class AutoCompaction {
  private static final Logger LOG = LoggerFactory.getLogger(AutoCompaction.class);

  private AutoCompaction() {}

  private record GroupKey(int specId, Row partition) {}

  /** The merge factor of a version's properties (at least 2). */
  static int mergeFactor(TableMetadata meta) {
    long f =
        meta.propertyLong(
            TableProperties.COMPACTION_MERGE_FACTOR,
            TableProperties.COMPACTION_MERGE_FACTOR_DEFAULT);
    return (int) Math.max(2, Math.min(1000, f));
  }

  /** A file whose deletes remove at least this fraction of its rows is rewritten without them. */
  static final double FOLD_DELETED_FRACTION = 0.1;

  /**
   * True if a data file's deletes are worth folding in now: equality deletes (costly to apply at
   * every read) or position deletes of at least {@link #FOLD_DELETED_FRACTION} of its rows.
   */
  static boolean worthFolding(DataFile f, DeleteIndex.FileDeletes d) {
    if (d == null) {
      return false;
    }
    if (!d.equalities().isEmpty()) {
      return true;
    }
    long deleted = 0;
    for (ManifestIO.DeleteEntry x : d.positions()) {
      deleted += Math.max(0, x.file.recordCount());
    }
    return deleted >= Math.max(1, f.recordCount() * FOLD_DELETED_FRACTION);
  }

  /** A file's tier: the order of magnitude of its row count in base {@code factor}. */
  static int tier(long records, int factor) {
    int t = 0;
    for (long n = Math.max(1, records); n >= factor; n /= factor) {
      t++;
    }
    return t;
  }

  /**
   * The merges for the small files of one partition: for each tier with at least {@code factor}
   * files, groups of {@code factor} files (fewest rows first), each at most {@code maxBytes} in all
   * and at least 2 files.
   */
  static List<List<DataFile>> planPartition(List<DataFile> files, int factor, long maxBytes) {
    TreeMap<Integer, List<DataFile>> tiers = new TreeMap<>();
    for (DataFile f : files) {
      tiers.computeIfAbsent(tier(f.recordCount(), factor), k -> new ArrayList<>()).add(f);
    }
    List<List<DataFile>> merges = new ArrayList<>();
    for (List<DataFile> tier : tiers.values()) {
      if (tier.size() < factor) {
        continue;
      }
      tier.sort(Comparator.comparingLong(DataFile::recordCount));
      int i = 0;
      while (tier.size() - i >= factor) {
        List<DataFile> merge = new ArrayList<>();
        long bytes = 0;
        while (merge.size() < factor
            && i < tier.size()
            && (merge.isEmpty() || bytes + tier.get(i).fileSizeInBytes() <= maxBytes)) {
          bytes += tier.get(i).fileSizeInBytes();
          merge.add(tier.get(i++));
        }
        if (merge.size() < 2) {
          break; // files this large are not merged in this tier
        }
        merges.add(merge);
      }
    }
    return merges;
  }

  /**
   * Plans the merges of a version: its live data files, per partition, by {@link #planPartition},
   * and the rewrites of files whose deletes are {@link #worthFolding}.
   */
  static List<List<DataFile>> plan(TableOperations ops, TableMetadata base) {
    Snapshot current = base.currentSnapshot();
    if (current == null) {
      return List.of();
    }
    int factor = mergeFactor(base);
    long target =
        base.propertyLong(
            TableProperties.TARGET_FILE_SIZE_BYTES, TableProperties.TARGET_FILE_SIZE_BYTES_DEFAULT);
    Map<GroupKey, List<DataFile>> groups = new LinkedHashMap<>();
    Map<GroupKey, List<DataFile>> withDeletes = new LinkedHashMap<>();
    TableReader.Plan plan = new TableReader(ops).plan(current);
    for (ManifestIO.Entry e : plan.entries()) {
      DataFile f = e.file;
      GroupKey key = new GroupKey(f.specId(), f.partition());
      if (worthFolding(f, plan.deletes().forFile(f))) {
        withDeletes.computeIfAbsent(key, k -> new ArrayList<>()).add(f);
      } else if (f.fileSizeInBytes() < target * 3 / 4) {
        groups.computeIfAbsent(key, k -> new ArrayList<>()).add(f);
      }
    }
    List<List<DataFile>> merges = new ArrayList<>();
    for (List<DataFile> files : groups.values()) {
      merges.addAll(planPartition(files, factor, target));
    }
    // files with many deletes: rewritten without them, a partition's together up to the target
    for (List<DataFile> files : withDeletes.values()) {
      List<DataFile> bin = new ArrayList<>();
      long bytes = 0;
      for (DataFile f : files) {
        if (!bin.isEmpty() && bytes + f.fileSizeInBytes() > target) {
          merges.add(bin);
          bin = new ArrayList<>();
          bytes = 0;
        }
        bin.add(f);
        bytes += f.fileSizeInBytes();
      }
      merges.add(bin);
    }
    return merges;
  }

  /** The current snapshot's data-file count, or -1 if there is none. */
  static long totalFiles(TableMetadata meta) {
    Snapshot s = meta.currentSnapshot();
    return s == null ? -1 : s.summaryLong(SnapshotSummary.TOTAL_DATA_FILES, -1);
  }

  /**
   * The data-file count before the current snapshot's own files: where a process that just took
   * over the upkeep starts, so that its first look judges the current commit alone (by its own
   * files), as every committer did before.
   */
  static long totalBefore(TableMetadata meta) {
    Snapshot s = meta.currentSnapshot();
    if (s == null) {
      return -1;
    }
    long total = s.summaryLong(SnapshotSummary.TOTAL_DATA_FILES, -1);
    if ("replace".equals(s.operation())) {
      return total; // a compaction's own commit makes nothing due
    }
    return total - s.summaryLong(SnapshotSummary.ADDED_DATA_FILES, 0);
  }

  /** The current snapshot's parent id, or -1. */
  static long parentOfCurrent(TableMetadata meta) {
    Snapshot s = meta.currentSnapshot();
    return s == null || s.parentId() == null ? -1 : s.parentId();
  }

  /**
   * True if a compaction may have come due since the upkeep last looked: the data-file count passed
   * a multiple of the merge factor upward (from {@code seenTotal}), or a snapshot after {@code
   * seenSnapshotId} (other than a compaction) added delete files.
   */
  static boolean dueSince(TableMetadata latest, long seenTotal, long seenSnapshotId) {
    if (!Boolean.parseBoolean(
        latest.property(
            TableProperties.COMPACTION_AUTO_ENABLED,
            Boolean.toString(TableProperties.COMPACTION_AUTO_ENABLED_DEFAULT)))) {
      return false;
    }
    Snapshot s = latest.currentSnapshot();
    if (s == null) {
      return false;
    }
    int factor = mergeFactor(latest);
    long total = s.summaryLong(SnapshotSummary.TOTAL_DATA_FILES, -1);
    if (total >= factor && Math.floorDiv(seenTotal, factor) < total / factor) {
      return true;
    }
    for (int n = 0; s != null && s.snapshotId() != seenSnapshotId && n < 1000; n++) {
      if (!"replace".equals(s.operation()) && s.summaryLong("added-delete-files", 0) > 0) {
        return true; // deletes may have made a file worth rewriting
      }
      s = s.parentId() == null ? null : latest.snapshot(s.parentId());
    }
    return false;
  }

  /**
   * A compaction's outcome: the version it planned on, the version it committed and the data-file
   * count of the planned version once the merges are applied to it (what the commits since then add
   * comes on top).
   */
  record Compacted(TableMetadata base, TableMetadata committed, long totalAfterMerges) {}

  /**
   * Plans and commits the merges of the newest version (the caller runs the table's upkeep: {@link
   * UpkeepOwner}).
   *
   * @return what it committed, or null if it committed nothing
   */
  static Compacted compact(TableCore core) {
    TableOperations ops = core.operations();
    try {
      TableMetadata base = ops.refresh();
      List<List<DataFile>> merges = plan(ops, base);
      if (merges.isEmpty()) {
        return null;
      }
      long merged = 0;
      for (List<DataFile> m : merges) {
        merged += m.size();
      }
      TableMaintenance.Report report =
          new Compaction(core, () -> {})
              .rewrite(
                  base,
                  merges,
                  false,
                  new TableMaintenance.Report("compact", false),
                  (done, total) -> {});
      if (report.snapshotId == null) {
        return null;
      }
      TableMetadata committed = ops.current();
      Snapshot mine = committed.snapshot(report.snapshotId);
      long added =
          mine == null ? merges.size() : mine.summaryLong(SnapshotSummary.ADDED_DATA_FILES, 0);
      return new Compacted(base, committed, totalFiles(base) - merged + added);
    } catch (CommitConflictException e) {
      LOG.debug("Automatic compaction of {} gave way to a concurrent change: {}", ops.root(), e);
      return null;
    } catch (RuntimeException e) {
      LOG.warn("Automatic compaction of {} failed: {}", ops.root(), e.toString());
      return null;
    }
  }
}
