package io.datashard.internal.commit;

import io.datashard.Snapshot;
import io.datashard.internal.manifest.ManifestIO;
import io.datashard.internal.meta.TableMetadata;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The commit of a manifest rewrite: the new manifests (written before, carrying every live file of
 * the rewritten ones as EXISTING entries) replace the rewritten ones in a {@code replace} snapshot;
 * other manifests of the newest snapshot are kept. Refused if a rewritten manifest is no longer in
 * the newest snapshot.
 */
public final class ManifestRewriteCommit extends PendingCommit<Snapshot> {
  private final TableOperations ops;
  private final long snapshotId;
  private final List<ManifestIO.Manifest> created;
  private final Set<String> rewrittenPaths = new HashSet<>();

  public ManifestRewriteCommit(
      TableOperations ops,
      long snapshotId,
      List<ManifestIO.Manifest> created,
      List<ManifestIO.Manifest> rewritten) {
    this.ops = ops;
    this.snapshotId = snapshotId;
    this.created = List.copyOf(created);
    rewritten.forEach(m -> rewrittenPaths.add(ops.canonicalPath(m.path)));
  }

  @Override
  protected String what() {
    return "manifest rewrite";
  }

  @Override
  protected Update<Snapshot> apply(TableMetadata base, CommitFiles files, int attempt)
      throws IOException {
    Snapshot parent = base.currentSnapshot();
    if (parent == null) {
      throw CompactionCommit.refused(ops, what(), "the table has no current snapshot any more");
    }
    List<ManifestIO.Manifest> manifests = new ArrayList<>(created);
    int found = 0;
    for (ManifestIO.Manifest m :
        ManifestIO.readList(ops.storage(), ops.resolvePath(parent.manifestList()))) {
      if (rewrittenPaths.contains(ops.canonicalPath(m.path))) {
        found++;
      } else {
        manifests.add(m);
      }
    }
    if (found != rewrittenPaths.size()) {
      throw CompactionCommit.refused(
          ops,
          what(),
          (rewrittenPaths.size() - found)
              + " of the "
              + rewrittenPaths.size()
              + " manifests being rewritten were replaced by a concurrent commit (manifest "
              + "merging, a compaction or an overwrite)");
    }
    long entries = created.stream().mapToLong(m -> m.existingFiles).sum();
    Map<String, String> summary =
        SnapshotSummary.builder("replace")
            .put("manifests-created", Integer.toString(created.size()))
            .put("manifests-replaced", Integer.toString(rewrittenPaths.size()))
            .put("manifests-kept", Integer.toString(manifests.size() - created.size()))
            .put("entries-processed", Long.toString(entries))
            .totalsFrom(parent)
            .build();
    Snapshot snapshot =
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
    return Update.snapshot(
        Snapshots.setCurrent(base, TableMetadata.buildFrom(base), snapshot), snapshot);
  }
}
