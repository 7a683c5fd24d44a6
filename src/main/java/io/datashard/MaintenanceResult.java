package io.datashard;

import io.datashard.internal.maintenance.TableMaintenance;
import java.util.List;
import java.util.Optional;

/**
 * What a maintenance operation did, or in a dry run would do: snapshots expired, files deleted from
 * disk, files the current snapshot stopped using (replaced) and files written (added).
 */
public final class MaintenanceResult {
  private final TableMaintenance.Report report;

  MaintenanceResult(TableMaintenance.Report report) {
    this.report = report;
  }

  /** {@code expire}, {@code gc}, {@code compact} or {@code rewrite-manifests}. */
  public String operation() {
    return report.operation;
  }

  /** True if nothing was changed: the figures say what would have been. */
  public boolean dryRun() {
    return report.dryRun;
  }

  /** Ids of the snapshots removed from the table's metadata. */
  public List<Long> expiredSnapshots() {
    return List.copyOf(report.expiredSnapshots);
  }

  /** Files deleted from disk (data files, manifests, manifest lists, metadata files). */
  public List<String> deletedFiles() {
    return List.copyOf(report.deletedFiles);
  }

  /** Total size of {@link #deletedFiles()}. */
  public long deletedBytes() {
    return report.deletedBytes;
  }

  /**
   * Files the new current snapshot no longer uses because they were rewritten (data files by {@code
   * compact}, manifests by {@code rewrite-manifests}). They stay on disk for older snapshots until
   * those expire.
   */
  public List<String> replacedFiles() {
    return List.copyOf(report.replacedFiles);
  }

  /** Total size of {@link #replacedFiles()}. */
  public long replacedBytes() {
    return report.replacedBytes;
  }

  /** Files written and committed (empty in a dry run). */
  public List<String> addedFiles() {
    return List.copyOf(report.addedFiles);
  }

  /** Total size of {@link #addedFiles()}. */
  public long addedBytes() {
    return report.addedBytes;
  }

  /** How many files a rewrite wrote, or in a dry run would write. */
  public int newFileCount() {
    return report.newFileCount;
  }

  /**
   * The snapshot the operation committed, if it committed one ({@code compact}, {@code
   * rewrite-manifests}).
   */
  public Optional<Long> snapshotId() {
    return Optional.ofNullable(report.snapshotId);
  }

  /** A one-line summary, as the command line prints it. */
  @Override
  public String toString() {
    String verb = report.dryRun ? "would " : "";
    switch (report.operation) {
      case "expire":
        return String.format(
            "%s: %sexpire %d snapshots and delete %d files (%,d bytes)",
            report.operation,
            verb,
            report.expiredSnapshots.size(),
            report.deletedFiles.size(),
            report.deletedBytes);
      case "gc":
        return String.format(
            "%s: %sdelete %d orphan files (%,d bytes)",
            report.operation, verb, report.deletedFiles.size(), report.deletedBytes);
      default:
        return String.format(
            "%s: %srewrite %d files (%,d bytes) into %d files%s",
            report.operation,
            verb,
            report.replacedFiles.size(),
            report.replacedBytes,
            report.newFileCount,
            report.dryRun || report.snapshotId == null
                ? ""
                : String.format(" (%,d bytes), snapshot %d", report.addedBytes, report.snapshotId));
    }
  }
}
