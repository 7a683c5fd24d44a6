package io.datashard.internal.rest;

import io.datashard.DataFile;
import io.datashard.Snapshot;
import io.datashard.internal.commit.TableOperations;
import io.datashard.internal.manifest.ManifestIO;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.storage.Locations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * The symbolic links a rename leaves at a table's old path. Metadata records absolute paths, so the
 * renamed table's manifests and files keep naming the old folder; the link makes those paths
 * resolve for every engine. A link is needed only while some retained version still records such a
 * path: then the old name stays taken, and once none does (old snapshots expired, files compacted
 * at the new place) the link is removed when the name is wanted again.
 */
final class ForwardLinks {
  private ForwardLinks() {}

  /**
   * Removes the link at {@code link} if the table it points to records no path under it; returns
   * false (and keeps it) if it still does.
   */
  static boolean releaseIfUnused(FolderWarehouse warehouse, Path link) {
    if (!Files.isSymbolicLink(link)) {
      return true;
    }
    if (!Files.exists(link)) {
      FolderWarehouse.clearDanglingLink(link);
      return true;
    }
    Path target;
    try {
      target = link.toRealPath();
    } catch (IOException e) {
      return false;
    }
    if (!FolderWarehouse.isTable(target)
        || !recordsPathsUnder(warehouse, target, link.toString())) {
      try {
        Files.deleteIfExists(link);
        warehouse.storage().syncDirectory(link.getParent().toString());
      } catch (IOException e) {
        return false;
      }
      return true;
    }
    return false;
  }

  /**
   * True if a retained version of the table at {@code dir} records a path under {@code oldRoot}: in
   * its metadata log, a manifest list, a manifest, or a live data or delete file.
   */
  static boolean recordsPathsUnder(FolderWarehouse warehouse, Path dir, String oldRoot) {
    String prefix = oldRoot + "/";
    TableOperations ops = new TableOperations(warehouse.storage(), dir.toString());
    TableMetadata m = ops.refresh();
    for (TableMetadata.MetadataLogEntry e : m.metadataLog()) {
      if (under(e.file(), prefix)) {
        return true;
      }
    }
    Set<String> manifests = new HashSet<>();
    for (Snapshot s : m.snapshots()) {
      if (under(s.manifestList(), prefix)) {
        return true;
      }
      for (ManifestIO.Manifest man :
          ManifestIO.readList(warehouse.storage(), ops.resolvePath(s.manifestList()))) {
        if (under(man.path, prefix)) {
          return true;
        }
        if (!manifests.add(man.path)) {
          continue;
        }
        if (man.content == 0) {
          for (DataFile f : ManifestIO.liveFiles(warehouse.storage(), man, ops::resolvePath)) {
            if (under(f.path(), prefix)) {
              return true;
            }
          }
        } else {
          for (ManifestIO.DeleteEntry d :
              ManifestIO.liveDeleteEntries(warehouse.storage(), man, ops::resolvePath)) {
            if (under(d.file.path(), prefix)) {
              return true;
            }
          }
        }
      }
    }
    return false;
  }

  private static boolean under(String recorded, String prefix) {
    return Locations.stripFileScheme(recorded).startsWith(prefix);
  }
}
