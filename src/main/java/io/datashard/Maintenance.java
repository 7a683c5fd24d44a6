package io.datashard;

import io.datashard.internal.TableCore;
import io.datashard.internal.maintenance.TableMaintenance;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * Maintenance operations of a table, each safe to run while other processes commit:
 *
 * <pre>{@code
 * Maintenance m = table.maintenance();
 * m.compact().run();                                                // small data files into large ones
 * m.expireSnapshots().olderThan(Instant.now().minus(Duration.ofDays(1))).retainLast(10).run();
 * m.removeOrphanFiles().olderThan(Duration.ofDays(3)).run();        // files nothing uses any more
 * m.rewriteManifests().run();
 * MaintenanceResult wouldDo = m.expireSnapshots().retainLast(1).dryRun(true).run();
 * }</pre>
 *
 * <p>A dry run changes nothing and reports what the operation would do.
 */
public final class Maintenance {
  private final TableCore core;

  Maintenance(TableCore core) {
    this.core = core;
  }

  /** Removes old snapshots and deletes the files only they used. */
  public ExpireSnapshots expireSnapshots() {
    return new ExpireSnapshots(core);
  }

  /** Deletes files in the table directory that no snapshot or metadata file uses. */
  public RemoveOrphanFiles removeOrphanFiles() {
    return new RemoveOrphanFiles(core);
  }

  /** Rewrites small data files into larger ones, rows unchanged. */
  public Compact compact() {
    return new Compact(core);
  }

  /**
   * What the table's directory holds on disk: live data, what older snapshots and the metadata
   * still use, files waiting for the automatic cleanup, and unreferenced files. Reads the manifests
   * of every retained snapshot.
   */
  public DiskUsage diskUsage() {
    return new TableMaintenance(core).diskUsage();
  }

  /** Rewrites the current snapshot's manifests into a few of the target size. */
  public RewriteManifests rewriteManifests() {
    return new RewriteManifests(core);
  }

  /**
   * Expires snapshots older than a time, keeping at least the newest {@link #retainLast} ones (and
   * at most {@link #maxSnapshots}), the current snapshot, every snapshot a branch or tag points to
   * and the snapshots each branch keeps by its retention settings (see {@link Ref}); refs past
   * their max-ref-age are removed first. The change is a commit; afterwards the manifest lists,
   * manifests and data files that only the expired snapshots used are deleted. Time travel to the
   * retained snapshots keeps working. Defaults come from the table properties {@code
   * history.expire.max-snapshot-age-ms} (5 days), {@code history.expire.min-snapshots-to-keep} (10)
   * and {@code datashard.snapshots.max-count} (100).
   */
  public static final class ExpireSnapshots {
    private final TableCore core;
    private Long olderThan;
    private Integer retainLast;
    private Integer maxSnapshots;
    private boolean dryRun;

    ExpireSnapshots(TableCore core) {
      this.core = core;
    }

    /** Expire snapshots committed before this instant. */
    public ExpireSnapshots olderThan(Instant instant) {
      this.olderThan = instant.toEpochMilli();
      return this;
    }

    /** Always keep the newest {@code n} snapshots (at least 1). */
    public ExpireSnapshots retainLast(int n) {
      this.retainLast = n;
      return this;
    }

    /** Keep at most {@code n} snapshots, however young (beyond those {@link #retainLast} keeps). */
    public ExpireSnapshots maxSnapshots(int n) {
      this.maxSnapshots = n;
      return this;
    }

    /** If true, change nothing and report what would be done. */
    public ExpireSnapshots dryRun(boolean value) {
      this.dryRun = value;
      return this;
    }

    /** Expires the snapshots (or, with dry run, only reports which would go). */
    public MaintenanceResult run() {
      return new MaintenanceResult(
          new TableMaintenance(core).expireSnapshots(olderThan, retainLast, maxSnapshots, dryRun));
    }
  }

  /**
   * Deletes files under the table's {@code data/} and {@code metadata/} directories that neither a
   * retained snapshot nor a metadata file uses and that were last modified longer ago than a grace
   * period (default 3 days), so files an in-flight commit has just written are never touched.
   * Hidden names (starting with a dot), the version hint and current metadata files are never
   * deleted.
   */
  public static final class RemoveOrphanFiles {
    private final TableCore core;
    private long graceMillis = TableMaintenance.DEFAULT_ORPHAN_GRACE_MS;
    private boolean dryRun;
    private boolean noCommitsInFlight;

    RemoveOrphanFiles(TableCore core) {
      this.core = core;
    }

    /**
     * The grace period: only files last modified longer ago than this are removed. It must be at
     * least the table's write window ({@link TableProperties#WRITE_WINDOW_MS}, one hour by
     * default), the longest a commit may take from writing its first file to publishing; a shorter
     * one is refused unless {@link #noCommitsInFlight()} is given.
     */
    public RemoveOrphanFiles olderThan(Duration grace) {
      this.graceMillis = grace.toMillis();
      return this;
    }

    /**
     * Allows a grace period shorter than the table's write window: the caller knows that no change
     * is being written to the table (in any process or on any machine) while this runs, such as in
     * a maintenance window with every writer stopped. A change in flight could otherwise lose files
     * it is about to commit.
     */
    public RemoveOrphanFiles noCommitsInFlight() {
      this.noCommitsInFlight = true;
      return this;
    }

    /** If true, change nothing and report what would be removed. */
    public RemoveOrphanFiles dryRun(boolean value) {
      this.dryRun = value;
      return this;
    }

    /** Deletes the orphan files (or, with dry run, only lists them). */
    public MaintenanceResult run() {
      return new MaintenanceResult(
          new TableMaintenance(core).removeOrphanFiles(graceMillis, dryRun, noCommitsInFlight));
    }
  }

  /**
   * Compacts small data files: per partition, files smaller than 3/4 of the target size are
   * rewritten into files of about the target size (default: table property {@code
   * write.target-file-size-bytes}, else 128 MB), rows unchanged, in one {@code replace} commit.
   * Appends committed meanwhile are kept; if a file being compacted was removed meanwhile, it fails
   * with {@link CommitConflictException} and removes what it wrote.
   */
  public static final class Compact {
    private final TableCore core;
    private Long targetFileSize;
    private int minInputFiles = 2;
    private boolean dryRun;
    private BiConsumer<Long, Long> progress = (done, total) -> {};

    Compact(TableCore core) {
      this.core = core;
    }

    /** Target size of the new files in bytes. */
    public Compact targetFileSize(long bytes) {
      this.targetFileSize = bytes;
      return this;
    }

    /** Leave a partition alone unless it has at least this many small files (default 2). */
    public Compact minInputFiles(int n) {
      this.minInputFiles = n;
      return this;
    }

    /** If true, change nothing and report what would be rewritten. */
    public Compact dryRun(boolean value) {
      this.dryRun = value;
      return this;
    }

    /**
     * Called after each new file is written with the bytes of input files rewritten so far and the
     * bytes to rewrite in all (for a progress display); called from the thread that runs the
     * compaction.
     */
    public Compact onProgress(BiConsumer<Long, Long> listener) {
      this.progress = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Compacts the small data files and commits the result (or, with dry run, only reports the
     * plan).
     */
    public MaintenanceResult run() {
      return new MaintenanceResult(
          new TableMaintenance(core).compact(targetFileSize, minInputFiles, dryRun, progress));
    }
  }

  /**
   * Rewrites the current snapshot's data manifests into a few manifests of about the target size
   * (default: table property {@code commit.manifest.target-size-bytes}, else 8 MB), in one {@code
   * replace} commit; files keep their original snapshot ids and sequence numbers.
   */
  public static final class RewriteManifests {
    private final TableCore core;
    private Long targetManifestSize;
    private boolean dryRun;

    RewriteManifests(TableCore core) {
      this.core = core;
    }

    /** Target size of the new manifests in bytes. */
    public RewriteManifests targetManifestSize(long bytes) {
      this.targetManifestSize = bytes;
      return this;
    }

    /** If true, change nothing and report what would be rewritten. */
    public RewriteManifests dryRun(boolean value) {
      this.dryRun = value;
      return this;
    }

    /** Rewrites the manifests and commits the result (or, with dry run, only reports the plan). */
    public MaintenanceResult run() {
      return new MaintenanceResult(
          new TableMaintenance(core).rewriteManifests(targetManifestSize, dryRun));
    }
  }
}
