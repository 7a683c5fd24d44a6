package io.datashard.internal.maintenance;

import io.datashard.CommitConflictException;
import io.datashard.DataFile;
import io.datashard.Row;
import io.datashard.Snapshot;
import io.datashard.TableProperties;
import io.datashard.internal.FileNames;
import io.datashard.internal.TableCore;
import io.datashard.internal.commit.SnapshotSummary;
import io.datashard.internal.commit.TableOperations;
import io.datashard.internal.deletes.DeleteIndex;
import io.datashard.internal.manifest.ManifestIO;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.internal.scan.TableReader;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compaction that runs by itself: after a commit that added data files, the committing process
 * (once it released the commit lock, and after telling the callers it carried their outcome) merges
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
 * filled. One process at a time compacts (an advisory lock, {@link FileNames#COMPACTION_LOCK}); the
 * others skip. Like every commit it obeys the conflict rules: appends committed meanwhile are kept,
 * and if a delete, overwrite or upsert removed a file being merged, the compaction commits nothing
 * (that file's rows are the other change's) and the next one tries again. Row-level deletes are
 * folded in: a file with equality deletes, or whose position deletes remove a tenth of its rows or
 * more, is rewritten without the deleted rows, and the delete files that then apply to no file are
 * dropped.
 */
public final class AutoCompaction {
  private static final Logger LOG = LoggerFactory.getLogger(AutoCompaction.class);
  private static final ConcurrentHashMap<String, ReentrantLock> IN_PROCESS =
      new ConcurrentHashMap<>();

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

  /** True if, from the committed version alone, a tier may have filled: time to plan. */
  static boolean due(TableMetadata committed) {
    if (!Boolean.parseBoolean(
        committed.property(
            TableProperties.COMPACTION_AUTO_ENABLED,
            Boolean.toString(TableProperties.COMPACTION_AUTO_ENABLED_DEFAULT)))) {
      return false;
    }
    Snapshot s = committed.currentSnapshot();
    if (s == null || "replace".equals(s.operation())) {
      return false; // nothing new, or a compaction's own commit
    }
    if (s.summaryLong("added-delete-files", 0) > 0) {
      return true; // deletes may have made a file worth rewriting
    }
    long total = s.summaryLong(SnapshotSummary.TOTAL_DATA_FILES, -1);
    long added = s.summaryLong(SnapshotSummary.ADDED_DATA_FILES, 0);
    int factor = mergeFactor(committed);
    return total >= factor && added > 0 && (total - added) / factor < total / factor;
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

  /**
   * Compacts after {@code committed} if it is due and no other process is compacting.
   *
   * @return the version the compaction committed, or null if it committed nothing
   */
  public static TableMetadata afterCommit(TableCore core, TableMetadata committed) {
    if (!due(committed)) {
      return null;
    }
    TableOperations ops = core.operations();
    String lockFile = ops.metadataDir() + "/" + FileNames.COMPACTION_LOCK;
    ReentrantLock local = IN_PROCESS.computeIfAbsent(lockFile, k -> new ReentrantLock());
    if (!local.tryLock()) {
      return null; // another thread of this process compacts
    }
    Storage.Lock shared = null;
    try {
      if (ops.storage().supports(Storage.Capability.LOCKS)) {
        boolean busy;
        try {
          shared = ops.storage().tryLock(lockFile);
          busy = shared == null;
        } catch (IOException | RuntimeException e) {
          busy = false; // no usable lock here: compact anyway, the commit decides
        }
        if (busy) {
          return null; // another process compacts
        }
      }
      TableMetadata base = ops.refresh();
      List<List<DataFile>> merges = plan(ops, base);
      if (merges.isEmpty()) {
        return null;
      }
      TableMaintenance.Report report =
          new Compaction(core, () -> {})
              .rewrite(
                  base,
                  merges,
                  false,
                  new TableMaintenance.Report("compact", false),
                  (done, total) -> {});
      return report.snapshotId == null ? null : ops.current();
    } catch (CommitConflictException e) {
      LOG.debug("Automatic compaction of {} gave way to a concurrent change: {}", ops.root(), e);
      return null;
    } catch (RuntimeException e) {
      LOG.warn("Automatic compaction of {} failed: {}", ops.root(), e.toString());
      return null;
    } finally {
      if (shared != null) {
        shared.close();
      }
      local.unlock();
    }
  }
}
