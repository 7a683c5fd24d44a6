package io.datashard.internal.commit;

import io.datashard.DataFile;
import io.datashard.DataShardException;
import io.datashard.Row;
import io.datashard.Snapshot;
import io.datashard.internal.FileNames;
import io.datashard.internal.deletes.DeleteIndex;
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
    return build(
        ops,
        what,
        read,
        base,
        replaced,
        removedPaths,
        added,
        List.of(),
        Set.of(),
        operation,
        extraSummary,
        snapshotId,
        files,
        attempt);
  }

  /**
   * As above, and the change also adds delete files ({@code addedDeletes}, written already) for the
   * data files at {@code deleteTargets} (canonical paths), which must still be live in the base.
   * Delete files the base has are carried over, but those that apply to no data file after the
   * change (those of removed files) are dropped. The base refuses the change when a delete file
   * committed since {@code read} applies to a file it removes or deletes from (the change read
   * those rows without it).
   */
  static Built build(
      TableOperations ops,
      String what,
      TableMetadata read,
      TableMetadata base,
      List<DataFile> replaced,
      Set<String> removedPaths,
      List<DataFile> added,
      List<ManifestIO.DeleteEntry> addedDeletes,
      Set<String> deleteTargets,
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
    List<ManifestIO.Manifest> deleteManifests = new ArrayList<>();
    List<ManifestIO.Entry> remaining = new ArrayList<>(); // live data entries after the change
    List<ManifestIO.Entry> touched = new ArrayList<>(); // the entries removed or deleted from
    int targetsFound = 0;
    for (ManifestIO.Manifest m :
        ManifestIO.readList(ops.storage(), ops.resolvePath(parent.manifestList()))) {
      if (m.isDeletes()) {
        deleteManifests.add(m);
        continue;
      }
      List<ManifestIO.Entry> keep = new ArrayList<>();
      List<ManifestIO.Entry> drop = new ArrayList<>();
      for (ManifestIO.Entry e : ManifestIO.liveEntries(ops.storage(), m, ops::resolvePath)) {
        String path = ops.canonicalPath(e.file.path());
        boolean removed = removedPaths.contains(path);
        (removed ? drop : keep).add(e);
        if (removed) {
          touched.add(e);
        } else {
          remaining.add(e);
          if (deleteTargets.contains(path)) {
            targetsFound++;
            touched.add(e);
          }
        }
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
    if (targetsFound != deleteTargets.size()) {
      return new Built(
          null,
          (deleteTargets.size() - targetsFound)
              + " of the "
              + deleteTargets.size()
              + " files whose rows it deletes were removed from the table by a concurrent commit "
              + "(an overwrite, delete or compaction)");
    }
    // Delete files: what a concurrent commit deleted from the files this change reads, and the
    // ones that no longer apply to any file once it is committed.
    List<ManifestIO.Manifest> deleteHead = new ArrayList<>();
    List<ManifestIO.DeleteEntry> droppedDeletes = new ArrayList<>();
    if (!deleteManifests.isEmpty()) {
      Map<ManifestIO.Manifest, List<ManifestIO.DeleteEntry>> byManifest = new LinkedHashMap<>();
      List<ManifestIO.DeleteEntry> all = new ArrayList<>();
      for (ManifestIO.Manifest m : deleteManifests) {
        List<ManifestIO.DeleteEntry> entries =
            ManifestIO.liveDeleteEntries(ops.storage(), m, ops::resolvePath);
        byManifest.put(m, entries);
        all.addAll(entries);
      }
      String concurrent = concurrentDeletes(ops, read, base, touched, all);
      if (concurrent != null) {
        return new Built(null, concurrent);
      }
      Set<String> stillApplied = DeleteIndex.build(base, remaining, all).appliedDeletePaths();
      for (Map.Entry<ManifestIO.Manifest, List<ManifestIO.DeleteEntry>> e : byManifest.entrySet()) {
        List<ManifestIO.DeleteEntry> keep = new ArrayList<>();
        List<ManifestIO.DeleteEntry> drop = new ArrayList<>();
        for (ManifestIO.DeleteEntry d : e.getValue()) {
          (stillApplied.contains(d.file.path()) ? keep : drop).add(d);
        }
        if (drop.isEmpty()) {
          deleteHead.add(e.getKey());
          continue;
        }
        droppedDeletes.addAll(drop);
        deleteHead.add(
            ManifestIO.writeDeletes(
                files.storage(),
                newManifest(ops, files),
                base.schema(),
                spec(ops, base, e.getKey().specId),
                snapshotId,
                List.of(),
                keep,
                drop));
      }
    }
    Map<Integer, List<ManifestIO.DeleteEntry>> addedDeletesBySpec = new LinkedHashMap<>();
    addedDeletes.forEach(
        d -> addedDeletesBySpec.computeIfAbsent(d.file.specId(), k -> new ArrayList<>()).add(d));
    for (Map.Entry<Integer, List<ManifestIO.DeleteEntry>> e : addedDeletesBySpec.entrySet()) {
      deleteHead.add(
          0,
          ManifestIO.writeDeletes(
              files.storage(),
              newManifest(ops, files),
              base.schema(),
              spec(ops, base, e.getKey()),
              snapshotId,
              e.getValue(),
              List.of(),
              List.of()));
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
    head.addAll(deleteHead);
    Set<PartitionKey> partitions = new HashSet<>();
    added.forEach(f -> partitions.add(new PartitionKey(f.specId(), f.partition())));
    addedDeletes.forEach(
        d -> partitions.add(new PartitionKey(d.file.specId(), d.file.partition())));
    Map<String, String> summary =
        SnapshotSummary.builder(operation)
            .putAll(extraSummary)
            .added(added)
            .removed(replaced)
            .addedDeletes(addedDeletes)
            .removedDeletes(droppedDeletes)
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

  /**
   * Why the change cannot move onto {@code base}: a delete file the base has, but the version the
   * change read did not, applies to a file the change removes or deletes from; null if none does.
   */
  private static String concurrentDeletes(
      TableOperations ops,
      TableMetadata read,
      TableMetadata base,
      List<ManifestIO.Entry> touched,
      List<ManifestIO.DeleteEntry> baseDeletes) {
    if (touched.isEmpty()
        || java.util.Objects.equals(read.currentSnapshotId(), base.currentSnapshotId())) {
      return null;
    }
    Set<String> known = new HashSet<>();
    Snapshot readSnapshot = read.currentSnapshot();
    if (readSnapshot != null) {
      for (ManifestIO.Manifest m :
          ManifestIO.readList(ops.storage(), ops.resolvePath(readSnapshot.manifestList()))) {
        if (m.isDeletes()) {
          for (ManifestIO.DeleteEntry d :
              ManifestIO.liveDeleteEntries(ops.storage(), m, ops::resolvePath)) {
            known.add(d.file.path());
          }
        }
      }
    }
    DeleteIndex index = DeleteIndex.build(base, touched, baseDeletes);
    for (ManifestIO.Entry e : touched) {
      DeleteIndex.FileDeletes d = index.forFile(e.file);
      if (d == null) {
        continue;
      }
      for (ManifestIO.DeleteEntry x : d.positions()) {
        if (!known.contains(x.file.path())) {
          return "a concurrent commit deleted rows of " + e.file.path() + ", which it rewrites";
        }
      }
      for (ManifestIO.DeleteEntry x : d.equalities()) {
        if (!known.contains(x.file.path())) {
          return "a concurrent commit deleted rows of " + e.file.path() + ", which it rewrites";
        }
      }
    }
    return null;
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
