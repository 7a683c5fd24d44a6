package io.datashard.internal.maintenance;

import io.datashard.DiskUsage;
import io.datashard.internal.FileNames;
import io.datashard.internal.commit.TableOperations;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Sorts the files below a table directory by their role ({@link DiskUsage}). */
final class DiskUsageScan {
  private DiskUsageScan() {}

  static DiskUsage of(TableOperations ops) {
    List<Storage.FileInfo> files;
    try {
      // list first: a file committed after the listing is not in it, so it cannot be misfiled
      files = ops.storage().walk(ops.root());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list the files of table " + ops.root() + ": " + e, e);
    }
    TableMetadata meta = ops.refresh();
    Reachability live = new Reachability(ops, false, true);
    if (meta.currentSnapshot() != null) {
      live.addSnapshots(List.of(meta.currentSnapshot()));
    }
    Reachability retained = new Reachability(ops, false, true);
    retained.addSnapshots(meta.snapshots());
    Set<String> used = retained.all();
    used.add(ops.canonicalPath(meta.metadataFileLocation()));
    for (TableMetadata.MetadataLogEntry e : meta.metadataLog()) {
      used.add(ops.canonicalPath(e.file()));
    }
    used.add(ops.metadataDir() + "/" + FileNames.VERSION_HINT);
    Set<String> scheduled = new HashSet<>(DeferredDeletes.scheduledFiles(ops));
    scheduled.addAll(AutoCleanup.notYetScheduled(ops, meta));
    long[] n = new long[9];
    String data = ops.dataDir() + "/";
    String metadata = ops.metadataDir() + "/";
    for (Storage.FileInfo f : files) {
      String p = ops.canonicalPath(f.location());
      n[8] += f.length();
      if (live.dataFiles.containsKey(p)) {
        n[0]++;
        n[1] += f.length();
      } else if (used.contains(p)) {
        n[2]++;
        n[3] += f.length();
      } else if (scheduled.contains(p)) {
        n[4]++;
        n[5] += f.length();
      } else if ((p.startsWith(data) || p.startsWith(metadata)) && !hidden(ops, p)) {
        n[6]++;
        n[7] += f.length();
      }
    }
    return new DiskUsage(n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8]);
  }

  /** True if a part of the path below the table directory is one of DataShard's private names. */
  private static boolean hidden(TableOperations ops, String path) {
    for (String part : path.substring(ops.root().length() + 1).split("/")) {
      if (FileNames.isHidden(part)) {
        return true;
      }
    }
    return false;
  }
}
