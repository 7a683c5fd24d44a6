package io.datashard.internal.maintenance;

import io.datashard.DataShardException;
import io.datashard.Snapshot;
import io.datashard.TableProperties;
import io.datashard.ValidationException;
import io.datashard.internal.FileNames;
import io.datashard.internal.commit.Committer;
import io.datashard.internal.commit.TableOperations;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.internal.meta.TableMetadataParser;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removal of orphan files: files under {@code data/} and {@code metadata/} that neither a retained
 * snapshot nor a metadata file (current or in the metadata log) uses, last modified more than a
 * grace period ago, so that files an in-flight commit has written but not yet committed survive:
 * the grace is at least the table's write window ({@link TableProperties#WRITE_WINDOW_MS}), within
 * which every commit either lands or is refused by its writer, unless the caller says that no
 * change is in flight. Names starting with a dot (the lock, temporaries, the append queue), the
 * version hint and the metadata files of current or newer versions are never touched.
 */
final class OrphanFiles {
  private static final Logger LOG = LoggerFactory.getLogger(OrphanFiles.class);

  private final TableOperations ops;

  OrphanFiles(TableOperations ops) {
    this.ops = ops;
  }

  TableMaintenance.Report run(long graceMillis, boolean dryRun, boolean noCommitsInFlight) {
    if (graceMillis < 0) {
      throw new ValidationException(
          "The grace period of orphan removal must not be negative, got " + graceMillis + " ms");
    }
    long window = Committer.writeWindowMillis(ops.refresh());
    if (graceMillis < window && !noCommitsInFlight) {
      throw new ValidationException(
          "A grace period of "
              + graceMillis
              + " ms is shorter than the write window of table "
              + ops.root()
              + " ("
              + window
              + " ms, "
              + TableProperties.WRITE_WINDOW_MS
              + "): orphan removal could delete files that a change in flight, in any process or "
              + "on any machine, has written and is about to commit. Nothing was removed. Give a "
              + "grace of at least the window, or, when you know that no change is being written "
              + "to the table, say so (gc --no-commits-in-flight, "
              + "removeOrphanFiles().noCommitsInFlight()).");
    }
    TableMaintenance.Report report = new TableMaintenance.Report("gc", dryRun);
    long cutoff = System.currentTimeMillis() - graceMillis;
    // List first, read the metadata second: a file that was old enough when listed and was
    // committed by then is referenced by what is read next.
    Map<String, Long> old = new LinkedHashMap<>();
    listOldFiles(ops.dataDir(), cutoff, old);
    listOldFiles(ops.metadataDir(), cutoff, old);
    TableMetadata meta = ops.refresh();
    Set<String> referenced = new HashSet<>();
    Reachability reach = new Reachability(ops, true, true);
    if (meta.currentSnapshot() != null) {
      // Every file of the current snapshot must be found where its recorded location says, or the
      // listed names cannot be matched to the references safely (a path written in another form).
      reach.addSnapshots(List.of(meta.currentSnapshot()));
      for (String f : reach.all()) {
        if (!exists(f) && stillCurrent(meta)) {
          throw new DataShardException(
              "The current snapshot of table "
                  + ops.root()
                  + " uses "
                  + f
                  + ", which does not exist at that path, so files on disk cannot be matched to "
                  + "the table's references safely; nothing was removed. Check the table (it may "
                  + "be damaged or record paths in another form).");
        }
      }
    }
    reach.addSnapshots(meta.snapshots());
    referenced.addAll(reach.all());
    if (meta.metadataFileLocation() != null) {
      referenced.add(ops.canonicalPath(meta.metadataFileLocation()));
    }
    // Files of older versions in the metadata log stay too, with what their snapshots use (best
    // effort: what expiry already removed is skipped).
    Reachability logged = new Reachability(ops, false, true);
    for (TableMetadata.MetadataLogEntry e : meta.metadataLog()) {
      String file = ops.canonicalPath(e.file());
      referenced.add(file);
      try {
        TableMetadata m = TableMetadataParser.fromJson(file, ops.storage().readAll(file));
        List<Snapshot> unseen = new ArrayList<>();
        for (Snapshot s : m.snapshots()) {
          if (meta.snapshot(s.snapshotId()) == null) {
            unseen.add(s);
          }
        }
        logged.addSnapshots(unseen);
      } catch (IOException | RuntimeException ex) {
        LOG.debug("Skipping logged metadata file {}: {}", file, ex.toString());
      }
    }
    referenced.addAll(logged.all());
    String metadataDir = ops.canonicalPath(ops.metadataDir());
    TreeMap<Integer, Map.Entry<String, Long>> oldVersions = new TreeMap<>();
    for (Map.Entry<String, Long> f : old.entrySet()) {
      String path = f.getKey();
      if (referenced.contains(path)) {
        continue;
      }
      int slash = path.lastIndexOf('/');
      if (path.substring(0, slash).equals(metadataDir)) {
        String name = path.substring(slash + 1);
        if (name.equals(FileNames.VERSION_HINT)) {
          continue;
        }
        long version = FileNames.parseVersion(name);
        if (version >= meta.version()) {
          continue; // the current version or one committed since it was read
        }
        if (version > 0) {
          oldVersions.put((int) version, f); // removed lowest first, below
          continue;
        }
      }
      if (dryRun || FileCleanup.deleteQuietly(ops, path)) {
        report.deletedFiles.add(path);
        report.deletedBytes += f.getValue();
      }
    }
    // Version files go in order, so that the versions present stay one unbroken run (see
    // TableOperations.removeVersions).
    Collection<Integer> removed =
        dryRun ? oldVersions.keySet() : ops.removeVersions(new TreeSet<>(oldVersions.keySet()));
    for (int v : removed) {
      Map.Entry<String, Long> f = oldVersions.get(v);
      report.deletedFiles.add(f.getKey());
      report.deletedBytes += f.getValue();
    }
    return report;
  }

  private boolean exists(String location) {
    try {
      return ops.storage().exists(location);
    } catch (IOException e) {
      return false;
    }
  }

  private boolean stillCurrent(TableMetadata meta) {
    return Objects.equals(ops.refresh().currentSnapshotId(), meta.currentSnapshotId());
  }

  /** Adds the files below {@code dir} last modified before {@code cutoff}, but hidden ones. */
  private void listOldFiles(String dir, long cutoff, Map<String, Long> out) {
    List<Storage.FileInfo> files;
    try {
      files = ops.storage().walk(dir);
    } catch (IOException | RuntimeException e) {
      throw new DataShardException(
          "Cannot list "
              + dir
              + " to find orphan files: "
              + e
              + ". Nothing was removed; check the directory's permissions.",
          e);
    }
    for (Storage.FileInfo f : files) {
      if (f.lastModifiedMillis() < cutoff && !hiddenBelow(dir, f.location())) {
        out.put(ops.canonicalPath(f.location()), f.length());
      }
    }
  }

  /** True if a part of {@code location} below {@code dir} starts with a dot. */
  static boolean hiddenBelow(String dir, String location) {
    String rest = location.substring(Math.min(location.length(), dir.length() + 1));
    for (String part : rest.split("/")) {
      if (FileNames.isHidden(part)) {
        return true;
      }
    }
    return false;
  }
}
