package io.datashard.internal.maintenance;

import io.datashard.DataShardException;
import io.datashard.Snapshot;
import io.datashard.TableProperties;
import io.datashard.ValidationException;
import io.datashard.internal.FileNames;
import io.datashard.internal.TableCore;
import io.datashard.internal.commit.CommitFiles;
import io.datashard.internal.commit.ManifestRewriteCommit;
import io.datashard.internal.commit.Snapshots;
import io.datashard.internal.commit.TableOperations;
import io.datashard.internal.manifest.ManifestIO;
import io.datashard.internal.meta.PartitionSpec;
import io.datashard.internal.meta.TableMetadata;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rewrites the data manifests of the current snapshot into as few manifests of about the target
 * size as fit, per partition spec, carrying every live file over as an EXISTING entry with its
 * original snapshot id and sequence numbers, committed as a {@code replace} snapshot ({@link
 * ManifestRewriteCommit}). A spec whose files already sit in one manifest with no deleted entries
 * is left alone.
 */
final class ManifestRewrite {
  private final TableCore core;
  private final Runnable beforeCommit;

  ManifestRewrite(TableCore core, Runnable beforeCommit) {
    this.core = core;
    this.beforeCommit = beforeCommit;
  }

  TableMaintenance.Report run(Long targetManifestSize, boolean dryRun) {
    TableOperations ops = core.operations();
    TableMaintenance.Report report = new TableMaintenance.Report("rewrite-manifests", dryRun);
    TableMetadata read = ops.refresh();
    long target =
        targetManifestSize != null
            ? targetManifestSize
            : read.propertyLong(
                TableProperties.MANIFEST_TARGET_SIZE_BYTES,
                TableProperties.MANIFEST_TARGET_SIZE_BYTES_DEFAULT);
    if (target < 1) {
      throw new ValidationException("The target manifest size must be positive, got " + target);
    }
    Snapshot current = read.currentSnapshot();
    if (current == null) {
      return report;
    }
    Map<Integer, List<ManifestIO.Manifest>> bySpec = new LinkedHashMap<>();
    for (ManifestIO.Manifest m :
        ManifestIO.readList(ops.storage(), ops.resolvePath(current.manifestList()))) {
      if (!m.isDeletes() && read.spec(m.specId) != null) {
        bySpec.computeIfAbsent(m.specId, k -> new ArrayList<>()).add(m);
      }
    }
    bySpec.values().removeIf(list -> list.size() == 1 && list.get(0).deletedFiles == 0);
    List<ManifestIO.Manifest> rewritten = new ArrayList<>();
    bySpec.values().forEach(rewritten::addAll);
    for (ManifestIO.Manifest m : rewritten) {
      report.replacedFiles.add(m.path);
      report.replacedBytes += m.length;
    }
    if (rewritten.isEmpty()) {
      return report;
    }
    // Plan: entries per new manifest from the average size of an entry in the old ones.
    Map<Integer, List<List<ManifestIO.Entry>>> chunks = new LinkedHashMap<>();
    int planned = 0;
    for (Map.Entry<Integer, List<ManifestIO.Manifest>> e : bySpec.entrySet()) {
      long bytes = 0;
      long entriesCount = 0;
      List<ManifestIO.Entry> entries = new ArrayList<>();
      for (ManifestIO.Manifest m : e.getValue()) {
        bytes += m.length;
        entriesCount += Math.max(1, (long) m.addedFiles + m.existingFiles + m.deletedFiles);
        entries.addAll(ManifestIO.liveEntries(ops.storage(), m, ops::resolvePath));
      }
      long perEntry = Math.max(1, bytes / Math.max(1, entriesCount));
      int perManifest = (int) Math.max(1, Math.min(Integer.MAX_VALUE, target / perEntry));
      List<List<ManifestIO.Entry>> list = new ArrayList<>();
      for (int i = 0; i < entries.size(); i += perManifest) {
        list.add(entries.subList(i, Math.min(entries.size(), i + perManifest)));
      }
      chunks.put(e.getKey(), list);
      planned += list.size();
    }
    report.newFileCount = planned;
    if (dryRun) {
      return report;
    }
    long snapshotId = Snapshots.newId();
    List<ManifestIO.Manifest> created = new ArrayList<>();
    CommitFiles files = CommitFiles.over(ops.storage());
    try {
      for (Map.Entry<Integer, List<List<ManifestIO.Entry>>> e : chunks.entrySet()) {
        PartitionSpec spec = read.spec(e.getKey());
        if (spec == null) {
          throw new DataShardException(
              "Table "
                  + ops.root()
                  + " lists files of partition spec "
                  + e.getKey()
                  + ", which its metadata does not define; the table may be damaged.");
        }
        for (List<ManifestIO.Entry> chunk : e.getValue()) {
          String location =
              files.add(
                  ops.metadataDir()
                      + "/"
                      + FileNames.manifest(FileNames.ManifestKind.MANIFEST_REWRITE));
          created.add(
              ManifestIO.writeExisting(
                  files.storage(), location, read.schema(), spec, snapshotId, chunk));
        }
      }
      beforeCommit.run();
    } catch (IOException e) {
      files.discardPrepared();
      throw new UncheckedIOException(
          "Rewriting the manifests of "
              + ops.root()
              + " failed: "
              + e
              + ". Nothing was committed and the new files were removed; check free disk space.",
          e);
    } catch (RuntimeException e) {
      files.discardPrepared();
      throw e;
    }
    Snapshot made =
        core.commit(new ManifestRewriteCommit(ops, snapshotId, created, rewritten), files).value();
    report.snapshotId = made.snapshotId();
    for (ManifestIO.Manifest m : created) {
      report.addedFiles.add(m.path);
      report.addedBytes += m.length;
    }
    return report;
  }
}
