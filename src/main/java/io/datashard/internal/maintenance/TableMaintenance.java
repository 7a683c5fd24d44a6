package io.datashard.internal.maintenance;

import io.datashard.DiskUsage;
import io.datashard.Snapshot;
import io.datashard.ValidationException;
import io.datashard.internal.TableCore;
import io.datashard.internal.commit.Committer;
import io.datashard.internal.commit.ExpireCommit;
import io.datashard.internal.meta.TableMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Table maintenance: expiring snapshots, removing orphan files, compacting small data files and
 * rewriting manifests. Each operation is safe while other processes commit:
 *
 * <ul>
 *   <li>changes to the table are commits like any other, through the {@link Committer};
 *   <li>compaction and manifest rewriting rebase onto a newer version only if everything they
 *       rewrote is still there; otherwise they fail with {@link
 *       io.datashard.CommitConflictException} and remove what they wrote, so a concurrent commit is
 *       never lost;
 *   <li>files are deleted only when no retained snapshot of the newest version uses them, and
 *       orphan removal only deletes files older than a grace period, so files an in-flight commit
 *       has written but not yet committed survive.
 * </ul>
 */
public final class TableMaintenance {
  /** Default grace period of orphan removal: files younger than this are never removed. */
  public static final long DEFAULT_ORPHAN_GRACE_MS = 3L * 24 * 3600 * 1000;

  private final TableCore core;

  // Tests: runs after a rewrite wrote its files and before it commits (to interleave commits).
  private Runnable beforeCommit = () -> {};

  public TableMaintenance(TableCore core) {
    this.core = core;
  }

  /** Test hook: {@code r} runs after a rewrite wrote its files, just before it commits. */
  TableMaintenance beforeCommit(Runnable r) {
    this.beforeCommit = r;
    return this;
  }

  /** What an operation did, or would do in a dry run. */
  public static final class Report {
    public final String operation;
    public final boolean dryRun;

    /** Snapshots removed from the table's metadata. */
    public final List<Long> expiredSnapshots = new ArrayList<>();

    /** Files deleted from disk (or that would be). */
    public final List<String> deletedFiles = new ArrayList<>();

    public long deletedBytes;

    /** Files the current snapshot no longer uses (they stay on disk for older snapshots). */
    public final List<String> replacedFiles = new ArrayList<>();

    public long replacedBytes;

    /** Files written and committed. */
    public final List<String> addedFiles = new ArrayList<>();

    public long addedBytes;

    /** Files a rewrite writes (or, in a dry run, would write). */
    public int newFileCount;

    /** The snapshot the operation committed, or null. */
    public Long snapshotId;

    public Report(String operation, boolean dryRun) {
      this.operation = operation;
      this.dryRun = dryRun;
    }
  }

  /**
   * Removes old snapshots from the table (a commit), then deletes the manifest lists, manifests and
   * data files only those snapshots used. Never removes the current snapshot nor one a branch or
   * tag points to.
   *
   * @param olderThanMillis expire snapshots older than this (null: the table's {@code
   *     history.expire.max-snapshot-age-ms} before now)
   * @param retainLast always keep this many newest snapshots (null: {@code
   *     history.expire.min-snapshots-to-keep})
   * @param maxSnapshots keep at most this many (null: {@code datashard.snapshots.max-count})
   */
  public Report expireSnapshots(
      Long olderThanMillis, Integer retainLast, Integer maxSnapshots, boolean dryRun) {
    if (retainLast != null && retainLast < 1) {
      throw new ValidationException(
          "retainLast must be at least 1 (the current snapshot is always kept), got " + retainLast);
    }
    if (maxSnapshots != null && maxSnapshots < 1) {
      throw new ValidationException(
          "The maximum number of snapshots to keep must be at least 1, got " + maxSnapshots);
    }
    Report report = new Report("expire", dryRun);
    ExpireCommit expire = new ExpireCommit(olderThanMillis, retainLast, maxSnapshots);
    Map<Long, Snapshot> expired;
    TableMetadata after;
    if (dryRun) {
      TableMetadata base = core.refresh();
      TableMetadata.Builder next = TableMetadata.buildFrom(base);
      expired = expire.plan(base, next, System.currentTimeMillis());
      after = next.build();
    } else {
      Committer.Committed<Map<Long, Snapshot>> done = core.commit(expire);
      expired = done.value();
      after = done.metadata();
    }
    report.expiredSnapshots.addAll(expired.keySet());
    if (!expired.isEmpty()) {
      FileCleanup.deleteFilesOnlyUsedBy(
          core.operations(), expired.values(), after, dryRun, report, false);
    }
    return report;
  }

  /**
   * Deletes files under {@code data/} and {@code metadata/} that nothing uses, last modified more
   * than {@code graceMillis} ago (see {@link OrphanFiles}).
   */
  public Report removeOrphanFiles(long graceMillis, boolean dryRun, boolean noCommitsInFlight) {
    return new OrphanFiles(core.operations()).run(graceMillis, dryRun, noCommitsInFlight);
  }

  /**
   * Rewrites the small data files of each partition (smaller than 3/4 of {@code targetFileSize})
   * into files of about {@code targetFileSize}, rows unchanged, and commits a {@code replace}
   * snapshot. Older snapshots keep reading the old files until they expire.
   */
  public Report compact(Long targetFileSize, int minInputFiles, boolean dryRun) {
    return compact(targetFileSize, minInputFiles, dryRun, (done, total) -> {});
  }

  /**
   * As {@link #compact(Long, int, boolean)}, telling {@code progress} the bytes of input files
   * rewritten so far and in all after each output file.
   */
  public Report compact(
      Long targetFileSize, int minInputFiles, boolean dryRun, BiConsumer<Long, Long> progress) {
    return new Compaction(core, beforeCommit).run(targetFileSize, minInputFiles, dryRun, progress);
  }

  /** Rewrites the current snapshot's data manifests (see {@link ManifestRewrite}). */
  public Report rewriteManifests(Long targetManifestSize, boolean dryRun) {
    return new ManifestRewrite(core, beforeCommit).run(targetManifestSize, dryRun);
  }

  /** What the table's directory holds on disk, by role. */
  public DiskUsage diskUsage() {
    return DiskUsageScan.of(core.operations());
  }
}
