package io.datashard.internal.commit;

import io.datashard.CommitConflictException;
import io.datashard.DataFile;
import io.datashard.Snapshot;
import io.datashard.internal.FileNames;
import io.datashard.internal.manifest.ManifestIO;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.internal.scan.TableReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A rollback as a new commit: a snapshot on main whose data files are exactly those of the target
 * snapshot. It reuses the target's manifests and adds one that marks the files added since as
 * deleted (operation {@code overwrite}, summary key {@link SnapshotSummary#ROLLBACK_TO}). Because
 * it discards the rows committed after the target, it is decided against a known current snapshot:
 * if another commit landed on main since, it is refused and commits nothing, unless forced.
 */
public final class RollbackCommit extends PendingCommit<Snapshot> {
  private final TableReader reader;
  private final long targetId;
  private final Long expectedCurrent;
  private final boolean force;

  public RollbackCommit(TableReader reader, long targetId, Long expectedCurrent, boolean force) {
    this.reader = reader;
    this.targetId = targetId;
    this.expectedCurrent = expectedCurrent;
    this.force = force;
  }

  @Override
  protected String what() {
    return "rollback to snapshot " + targetId;
  }

  @Override
  protected Update<Snapshot> apply(TableMetadata base, CommitFiles files, int attempt)
      throws IOException {
    TableOperations ops = reader.operations();
    if (!force && !Objects.equals(base.currentSnapshotId(), expectedCurrent)) {
      throw new CommitConflictException(
          "Cannot roll back table "
              + ops.root()
              + " to snapshot "
              + targetId
              + ": snapshot "
              + expectedCurrent
              + " was current when the rollback was decided, but "
              + base.currentSnapshotId()
              + " is current now (another process committed in between), and rolling "
              + "back would discard its rows unseen. Nothing was committed; look at the table again "
              + "and retry the rollback (or force it to discard whatever was committed since).");
    }
    Snapshot target = reader.snapshot(base, targetId);
    Snapshot parent = base.currentSnapshot();
    // The target's manifests, data and delete alike, are reused as they are: their entries keep
    // their sequence numbers, so each delete file applies to exactly the rows it applied to in the
    // target, and the rollback's rows are the target's.
    List<ManifestIO.Manifest> targetManifests = manifests(ops, target);
    Set<String> targetPaths = new LinkedHashSet<>();
    List<DataFile> targetFiles = new ArrayList<>();
    Map<String, ManifestIO.DeleteEntry> targetDeletes = new LinkedHashMap<>();
    for (ManifestIO.Manifest m : targetManifests) {
      if (m.isDeletes()) {
        for (ManifestIO.DeleteEntry d :
            ManifestIO.liveDeleteEntries(ops.storage(), m, ops::resolvePath)) {
          targetDeletes.put(ops.resolvePath(d.file.path()), d);
        }
        continue;
      }
      for (DataFile f : ManifestIO.liveFiles(ops.storage(), m, ops::resolvePath)) {
        targetPaths.add(ops.resolvePath(f.path()));
        targetFiles.add(f);
      }
    }
    Map<String, ManifestIO.DeleteEntry> currentDeletes = new LinkedHashMap<>();
    Map<Integer, List<ManifestIO.Entry>> removedBySpec = new LinkedHashMap<>();
    Set<String> currentPaths = new LinkedHashSet<>();
    List<DataFile> removed = new ArrayList<>();
    if (parent != null) {
      for (ManifestIO.Manifest m : manifests(ops, parent)) {
        if (m.isDeletes()) {
          for (ManifestIO.DeleteEntry d :
              ManifestIO.liveDeleteEntries(ops.storage(), m, ops::resolvePath)) {
            currentDeletes.put(ops.resolvePath(d.file.path()), d);
          }
          continue;
        }
        for (ManifestIO.Entry e : ManifestIO.liveEntries(ops.storage(), m, ops::resolvePath)) {
          String p = ops.resolvePath(e.file.path());
          currentPaths.add(p);
          if (!targetPaths.contains(p)) {
            removedBySpec.computeIfAbsent(m.specId, k -> new ArrayList<>()).add(e);
            removed.add(e.file);
          }
        }
      }
    }
    List<DataFile> added = new ArrayList<>();
    for (DataFile f : targetFiles) {
      if (!currentPaths.contains(ops.resolvePath(f.path()))) {
        added.add(f);
      }
    }
    List<ManifestIO.DeleteEntry> addedDeletes = new ArrayList<>();
    targetDeletes.forEach(
        (p, d) -> {
          if (!currentDeletes.containsKey(p)) {
            addedDeletes.add(d);
          }
        });
    List<ManifestIO.DeleteEntry> removedDeletes = new ArrayList<>();
    currentDeletes.forEach(
        (p, d) -> {
          if (!targetDeletes.containsKey(p)) {
            removedDeletes.add(d);
          }
        });
    if (parent != null
        && added.isEmpty()
        && removed.isEmpty()
        && addedDeletes.isEmpty()
        && removedDeletes.isEmpty()) {
      return Update.none(parent); // main already has exactly the target's files
    }
    long snapshotId = Snapshots.newId();
    List<ManifestIO.Manifest> manifests = new ArrayList<>();
    for (Map.Entry<Integer, List<ManifestIO.Entry>> e : removedBySpec.entrySet()) {
      String location =
          files.add(ops.metadataDir() + "/" + FileNames.manifest(FileNames.ManifestKind.ROLLBACK));
      manifests.add(
          ManifestIO.writeDeleted(
              files.storage(),
              location,
              base.schema(),
              ReplaceFiles.spec(ops, base, e.getKey()),
              snapshotId,
              e.getValue()));
    }
    manifests.addAll(targetManifests);
    Map<String, String> summary =
        SnapshotSummary.builder("overwrite")
            .put(SnapshotSummary.ROLLBACK_TO, Long.toString(targetId))
            .added(added)
            .removed(removed)
            .addedDeletes(addedDeletes)
            .removedDeletes(removedDeletes)
            .withZeroCounts()
            .totals(
                targetFiles.stream().mapToLong(DataFile::recordCount).sum(),
                targetFiles.stream().mapToLong(DataFile::fileSizeInBytes).sum(),
                targetFiles.size())
            .build();
    // the delete totals are the target's own (the builder's would count from zero)
    long[] deleteTotals = new long[3];
    for (ManifestIO.DeleteEntry d : targetDeletes.values()) {
      deleteTotals[0]++;
      deleteTotals[d.content == ManifestIO.POSITION_DELETES ? 1 : 2] +=
          Math.max(0, d.file.recordCount());
    }
    summary.put("total-delete-files", Long.toString(deleteTotals[0]));
    summary.put("total-position-deletes", Long.toString(deleteTotals[1]));
    summary.put("total-equality-deletes", Long.toString(deleteTotals[2]));
    Snapshot s =
        Snapshots.write(
            ops,
            base,
            parent,
            snapshotId,
            manifests,
            summary,
            base.currentSchemaId(),
            files,
            attempt);
    return Update.snapshot(Snapshots.setCurrent(base, TableMetadata.buildFrom(base), s), s);
  }

  /**
   * The manifests of a snapshot. Data files the rollback removes get DELETED entries in a manifest
   * of its own; delete files it removes are simply not carried over (their entries stay in the
   * manifests of the snapshots that had them), which is what a reader of the rollback's manifest
   * list sees either way.
   */
  private static List<ManifestIO.Manifest> manifests(TableOperations ops, Snapshot s) {
    return ManifestIO.readList(ops.storage(), ops.resolvePath(s.manifestList()));
  }
}
