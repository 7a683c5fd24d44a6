package io.datashard.internal.commit;

import io.datashard.DataFile;
import io.datashard.DataShardException;
import io.datashard.Row;
import io.datashard.Snapshot;
import io.datashard.internal.FileNames;
import io.datashard.internal.manifest.ManifestIO;
import io.datashard.internal.meta.PartitionSpec;
import io.datashard.internal.meta.TableMetadata;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The snapshot of a change that removes some data files and adds others (compaction, and the
 * copy-on-write rewrite of a delete, overwrite or upsert), built on a base: the manifests that list
 * a removed file are rewritten without it, the removed files are listed as deleted entries, the new
 * ones as added. It is refused (with the reason) when a file to remove is no longer in the base, or
 * the base's schema differs from the one the change read.
 */
final class ReplaceFiles {
  private ReplaceFiles() {}

  /** The update, or the reason the base refuses it. */
  record Built(Update<Snapshot> update, String refusal) {}

  private record PartitionKey(int specId, Row partition) {}

  static Built build(
      TableOperations ops,
      String what,
      TableMetadata read,
      TableMetadata base,
      List<DataFile> replaced,
      Set<String> removedPaths,
      List<DataFile> added,
      String operation,
      Map<String, String> extraSummary,
      long snapshotId,
      CommitFiles files,
      int attempt)
      throws IOException {
    boolean compaction = operation.equals("replace");
    Snapshot parent = base.currentSnapshot();
    if (parent == null || base.currentSchemaId() != read.currentSchemaId()) {
      return new Built(
          null, "the table was replaced or its schema changed since the " + what + " read it");
    }
    // First find the files to remove; write nothing before the base is known to take the change.
    List<ManifestIO.Manifest> inOrder = new ArrayList<>(); // the parent's, to keep or rewrite
    Map<ManifestIO.Manifest, List<ManifestIO.Entry>> keptEntries = new LinkedHashMap<>();
    Map<Integer, List<ManifestIO.Entry>> deletedBySpec = new LinkedHashMap<>();
    int found = 0;
    for (ManifestIO.Manifest m :
        ManifestIO.readList(ops.storage(), ops.resolvePath(parent.manifestList()))) {
      if (m.isDeletes()) {
        throw new DataShardException(
            "Cannot "
                + (compaction ? "compact" : "rewrite")
                + " table "
                + ops.root()
                + ": it has delete files (row-level deletes), which this version of DataShard "
                + "cannot rewrite. Compact it with Apache Iceberg.");
      }
      List<ManifestIO.Entry> keep = new ArrayList<>();
      List<ManifestIO.Entry> drop = new ArrayList<>();
      for (ManifestIO.Entry e : ManifestIO.liveEntries(ops.storage(), m, ops::resolvePath)) {
        (removedPaths.contains(ops.canonicalPath(e.file.path())) ? drop : keep).add(e);
      }
      if (drop.isEmpty()) {
        inOrder.add(m);
        continue;
      }
      found += drop.size();
      deletedBySpec.computeIfAbsent(m.specId, k -> new ArrayList<>()).addAll(drop);
      if (!keep.isEmpty()) {
        inOrder.add(m);
        keptEntries.put(m, keep);
      }
    }
    if (found != removedPaths.size()) {
      return new Built(
          null,
          (removedPaths.size() - found)
              + " of the "
              + removedPaths.size()
              + (compaction
                  ? " files being compacted were removed from the table by a concurrent commit (an "
                      + "overwrite, delete or another compaction)"
                  : " files being rewritten were removed from the table by a concurrent commit (an "
                      + "overwrite, delete or compaction)"));
    }
    List<ManifestIO.Manifest> kept = new ArrayList<>();
    for (ManifestIO.Manifest m : inOrder) {
      List<ManifestIO.Entry> keep = keptEntries.get(m);
      kept.add(
          keep == null
              ? m
              : ManifestIO.writeExisting(
                  files.storage(),
                  newManifest(ops, files),
                  base.schema(),
                  spec(ops, base, m.specId),
                  snapshotId,
                  keep));
    }
    List<ManifestIO.Manifest> head = new ArrayList<>();
    Map<Integer, List<DataFile>> addedBySpec = new LinkedHashMap<>();
    added.forEach(f -> addedBySpec.computeIfAbsent(f.specId(), k -> new ArrayList<>()).add(f));
    for (Map.Entry<Integer, List<DataFile>> e : addedBySpec.entrySet()) {
      head.add(
          ManifestIO.writeAdded(
              files.storage(),
              newManifest(ops, files),
              base.schema(),
              spec(ops, base, e.getKey()),
              snapshotId,
              e.getValue()));
    }
    for (Map.Entry<Integer, List<ManifestIO.Entry>> e : deletedBySpec.entrySet()) {
      head.add(
          ManifestIO.writeDeleted(
              files.storage(),
              newManifest(ops, files),
              base.schema(),
              spec(ops, base, e.getKey()),
              snapshotId,
              e.getValue()));
    }
    head.addAll(kept);
    Set<PartitionKey> partitions = new HashSet<>();
    added.forEach(f -> partitions.add(new PartitionKey(f.specId(), f.partition())));
    Map<String, String> summary =
        SnapshotSummary.builder(operation)
            .putAll(extraSummary)
            .added(added)
            .removed(replaced)
            .withZeroCounts()
            .changedPartitions(partitions.size())
            .totalsFrom(parent)
            .build();
    Snapshot snapshot =
        Snapshots.write(
            ops, base, parent, snapshotId, head, summary, base.currentSchemaId(), files, attempt);
    return new Built(
        Update.snapshot(
            Snapshots.setCurrent(base, TableMetadata.buildFrom(base), snapshot), snapshot),
        null);
  }

  private static String newManifest(TableOperations ops, CommitFiles files) {
    return files.add(
        ops.metadataDir() + "/" + FileNames.manifest(FileNames.ManifestKind.REWRITTEN));
  }

  static PartitionSpec spec(TableOperations ops, TableMetadata meta, int specId) {
    PartitionSpec spec = meta.spec(specId);
    if (spec == null) {
      throw new DataShardException(
          "Table "
              + ops.root()
              + " lists files of partition spec "
              + specId
              + ", which its metadata does not define; the table may be damaged.");
    }
    return spec;
  }
}
