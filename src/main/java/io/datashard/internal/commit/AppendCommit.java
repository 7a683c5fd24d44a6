package io.datashard.internal.commit;

import io.datashard.CommitConflictException;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.internal.manifest.ManifestIO;
import io.datashard.internal.meta.TableMetadata;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An append of staged files as a new snapshot on main (also the commit of a transaction, of a group
 * of appends, and of a row change that only adds rows). Blind: on a newer base it keeps its data
 * files and manifest and writes a new manifest list, merging small manifests of the parent (see
 * {@link ManifestMerge}). Rows written under an earlier schema of the table commit as they are
 * (files are read by field id); any other schema change in between refuses the commit.
 */
public final class AppendCommit extends PendingCommit<Snapshot> {
  private final TableOperations ops;
  private final StagedAppend staged;
  private final Map<String, String> extraSummary;
  private final IdempotencyKey key;

  public AppendCommit(
      TableOperations ops,
      StagedAppend staged,
      Map<String, String> extraSummary,
      IdempotencyKey key) {
    this.ops = ops;
    this.staged = staged;
    this.extraSummary = extraSummary;
    this.key = key;
  }

  @Override
  protected String what() {
    return "append";
  }

  private static boolean isEarlierSchema(TableMetadata base, Schema schema) {
    Schema earlier = base.schema(schema.schemaId());
    return earlier != null && !earlier.columns().isEmpty() && earlier.sameColumns(schema);
  }

  @Override
  protected Update<Snapshot> apply(TableMetadata base, CommitFiles files, int attempt)
      throws IOException {
    TableMetadata.Builder next = TableMetadata.buildFrom(base);
    int schemaId;
    Schema current = base.schema();
    if (staged.inferredSchema && current.columns().isEmpty()) {
      next.addCurrentSchema(staged.schema);
      schemaId = base.schemas().stream().mapToInt(Schema::schemaId).max().orElse(-1) + 1;
    } else if (current.sameColumns(staged.schema) || isEarlierSchema(base, staged.schema)) {
      schemaId = current.schemaId();
    } else {
      throw new CommitConflictException(
          "The schema of table "
              + ops.root()
              + " changed while this append was being written (now "
              + current.asStruct()
              + "). Nothing was committed; append the records again so they are checked "
              + "against the new schema.");
    }
    if (key != null) {
      next.property(key.property(), Long.toString(key.sequence));
    }
    for (Map.Entry<String, String> p : staged.defaultProperties.entrySet()) {
      if (!base.properties().containsKey(p.getKey())) {
        next.property(p.getKey(), p.getValue());
      }
    }
    Snapshot parent = base.currentSnapshot();
    List<ManifestIO.Manifest> manifests = new ArrayList<>();
    if (staged.manifest != null) {
      manifests.add(staged.manifest);
    }
    if (staged.replacesAll) {
      if (!Objects.equals(base.currentSnapshotId(), staged.basedOnSnapshotId)) {
        throw new CommitConflictException(
            "The snapshot whose rows this change replaces is no longer current in "
                + ops.root()
                + ". Nothing was committed; run the change again.");
      }
      manifests.addAll(staged.deleteManifests);
    } else if (parent != null) {
      manifests.addAll(
          ManifestMerge.merge(
              ops,
              base,
              ManifestIO.readList(ops.storage(), ops.resolvePath(parent.manifestList())),
              staged.snapshotId,
              files));
    }
    Map<String, String> summary =
        SnapshotSummary.builder(
                SnapshotSummary.operationOf(staged.files.size(), staged.deleted.size()))
            .putAll(extraSummary)
            .added(staged.files)
            .removed(staged.deleted)
            .changedPartitionsByChange()
            .totalsFrom(parent)
            .build();
    Snapshot snapshot =
        Snapshots.write(
            ops, base, parent, staged.snapshotId, manifests, summary, schemaId, files, attempt);
    return Update.snapshot(Snapshots.setCurrent(base, next, snapshot), snapshot);
  }
}
