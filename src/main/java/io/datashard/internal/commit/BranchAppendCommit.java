package io.datashard.internal.commit;

import io.datashard.CommitConflictException;
import io.datashard.Snapshot;
import io.datashard.internal.manifest.ManifestIO;
import io.datashard.internal.meta.SnapshotRef;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.internal.scan.TableReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * An append to a branch other than main: the new snapshot's parent is the branch head, the branch
 * moves to it, and main does not change. Blind like any append: on a newer base it is rebuilt on
 * the branch's newest head.
 */
public final class BranchAppendCommit extends PendingCommit<Snapshot> {
  private final TableReader reader;
  private final String branch;
  private final StagedAppend staged;
  private final Map<String, String> extraSummary;
  private final BiFunction<TableMetadata, String, SnapshotRef> requireBranch;

  /**
   * @param requireBranch the branch of a version by name, or a clear error if it has none
   */
  public BranchAppendCommit(
      TableReader reader,
      String branch,
      StagedAppend staged,
      Map<String, String> extraSummary,
      BiFunction<TableMetadata, String, SnapshotRef> requireBranch) {
    this.reader = reader;
    this.branch = branch;
    this.staged = staged;
    this.extraSummary = extraSummary;
    this.requireBranch = requireBranch;
  }

  @Override
  protected String what() {
    return "append to branch " + branch;
  }

  @Override
  protected Update<Snapshot> apply(TableMetadata base, CommitFiles files, int attempt)
      throws IOException {
    TableOperations ops = reader.operations();
    SnapshotRef ref = requireBranch.apply(base, branch);
    if (!base.schema().sameColumns(staged.schema)) {
      throw new CommitConflictException(
          "The schema of table "
              + ops.root()
              + " changed while this append was being written. Nothing was committed; append the "
              + "records again.");
    }
    Snapshot parent = reader.snapshot(base, ref.snapshotId());
    List<ManifestIO.Manifest> manifests = new ArrayList<>();
    manifests.add(staged.manifest);
    manifests.addAll(ManifestIO.readList(ops.storage(), ops.resolvePath(parent.manifestList())));
    Map<String, String> summary =
        SnapshotSummary.builder("append")
            .putAll(extraSummary)
            .added(staged.files)
            .changedPartitionsByChange()
            .totalsFrom(parent)
            .build();
    Snapshot s =
        Snapshots.write(
            ops,
            base,
            parent,
            staged.snapshotId,
            manifests,
            summary,
            base.currentSchemaId(),
            files,
            attempt);
    List<Snapshot> snapshots = new ArrayList<>(base.snapshots());
    snapshots.add(s);
    Map<String, SnapshotRef> refs = new LinkedHashMap<>(base.refs());
    refs.put(branch, ref.withSnapshot(s.snapshotId()));
    TableMetadata.Builder next =
        TableMetadata.buildFrom(base)
            .snapshots(snapshots)
            .refs(refs)
            .lastSequenceNumber(s.sequenceNumber())
            .lastUpdatedMillis(Math.max(s.timestampMillis(), base.lastUpdatedMillis()));
    return Update.snapshot(next, s);
  }
}
