package io.datashard.internal.commit;

import io.datashard.CommitConflictException;
import io.datashard.DataFile;
import io.datashard.DataShardException;
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
    List<ManifestIO.Manifest> targetManifests = dataManifests(ops, target);
    Set<String> targetPaths = new LinkedHashSet<>();
    List<DataFile> targetFiles = new ArrayList<>();
    for (ManifestIO.Manifest m : targetManifests) {
      for (DataFile f : ManifestIO.liveFiles(ops.storage(), m, ops::resolvePath)) {
        targetPaths.add(ops.resolvePath(f.path()));
        targetFiles.add(f);
      }
    }
    Map<Integer, List<ManifestIO.Entry>> removedBySpec = new LinkedHashMap<>();
    Set<String> currentPaths = new LinkedHashSet<>();
    List<DataFile> removed = new ArrayList<>();
    if (parent != null) {
      for (ManifestIO.Manifest m : dataManifests(ops, parent)) {
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
    if (parent != null && added.isEmpty() && removed.isEmpty()) {
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
            .withZeroCounts()
            .totals(
                targetFiles.stream().mapToLong(DataFile::recordCount).sum(),
                targetFiles.stream().mapToLong(DataFile::fileSizeInBytes).sum(),
                targetFiles.size())
            .build();
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

  private List<ManifestIO.Manifest> dataManifests(TableOperations ops, Snapshot s) {
    List<ManifestIO.Manifest> out =
        ManifestIO.readList(ops.storage(), ops.resolvePath(s.manifestList()));
    for (ManifestIO.Manifest m : out) {
      if (m.isDeletes()) {
        throw new DataShardException(
            "Cannot roll back table "
                + ops.root()
                + ": snapshot "
                + s.snapshotId()
                + " has delete files (row-level deletes), which this version of DataShard cannot "
                + "rewrite. Do it with Apache Iceberg, or compact the table there first.");
      }
    }
    return out;
  }
}
