package io.datashard.internal.maintenance;

import io.datashard.DataFile;
import io.datashard.DataShardException;
import io.datashard.Snapshot;
import io.datashard.internal.commit.TableOperations;
import io.datashard.internal.manifest.ManifestIO;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a set of snapshots uses: manifest lists, manifests and live data files, by canonical path
 * (with their sizes where the metadata gives them).
 */
final class Reachability {
  private final TableOperations ops;
  private final boolean strict;
  private final boolean readDataFiles;
  final Set<String> manifestLists = new LinkedHashSet<>();
  final Map<String, Long> manifests = new LinkedHashMap<>();
  final Map<String, Long> dataFiles = new LinkedHashMap<>();

  /**
   * Manifest lists and manifests read lately, by location (they are never changed once written), so
   * that cleanups in one process read each one once: a list's manifests, and a manifest's live data
   * files with their sizes (only for manifests of up to {@link #CACHED_FILES_MAX} files).
   */
  private static final int CACHED_LISTS_MAX = 256;

  private static final int CACHED_MANIFESTS_MAX = 1024;

  private static final int CACHED_FILES_MAX = 256;
  private static final Map<String, List<Listed>> LISTS = lru(CACHED_LISTS_MAX);

  /** A manifest of a list, with its canonical location. */
  private record Listed(ManifestIO.Manifest manifest, String path) {}

  private static final Map<String, Map<String, Long>> LIVE = lru(CACHED_MANIFESTS_MAX);

  private static <V> Map<String, V> lru(int max) {
    return Collections.synchronizedMap(
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
            return size() > max;
          }
        });
  }

  /**
   * @param strict fail if a file of a snapshot the newest version still has cannot be read (else
   *     skip it: it may be gone already)
   * @param readDataFiles whether to read the manifests for the data files they list (else only
   *     manifest lists)
   */
  Reachability(TableOperations ops, boolean strict, boolean readDataFiles) {
    this.ops = ops;
    this.strict = strict;
    this.readDataFiles = readDataFiles;
  }

  /** Every file found so far. */
  Set<String> all() {
    Set<String> out = new LinkedHashSet<>(manifestLists);
    out.addAll(manifests.keySet());
    out.addAll(dataFiles.keySet());
    return out;
  }

  void addSnapshots(Iterable<Snapshot> snapshots) {
    for (Snapshot s : snapshots) {
      String list = ops.canonicalPath(s.manifestList());
      if (!manifestLists.add(list)) {
        continue;
      }
      List<Listed> ms = LISTS.get(list);
      try {
        if (ms == null) {
          ms = new ArrayList<>();
          for (ManifestIO.Manifest m : ManifestIO.readList(ops.storage(), list)) {
            ms.add(new Listed(m, ops.canonicalPath(m.path)));
          }
          LISTS.put(list, ms);
        }
      } catch (RuntimeException e) {
        if (strict && stillRetained(s)) {
          throw unreadable(s, list, e);
        }
        continue;
      }
      for (Listed listed : ms) {
        ManifestIO.Manifest m = listed.manifest();
        String path = listed.path();
        if (manifests.containsKey(path)) {
          continue;
        }
        manifests.put(path, m.length);
        if (!readDataFiles) {
          continue;
        }
        Map<String, Long> live = LIVE.get(path);
        if (live == null) {
          try {
            live = new LinkedHashMap<>();
            if (m.isDeletes()) {
              // delete files are kept and freed like data files
              for (ManifestIO.DeleteEntry d :
                  ManifestIO.liveDeleteEntries(ops.storage(), m, ops::resolvePath)) {
                live.put(ops.canonicalPath(d.file.path()), d.file.fileSizeInBytes());
              }
            } else {
              for (DataFile f : ManifestIO.liveFiles(ops.storage(), m, ops::resolvePath)) {
                live.put(ops.canonicalPath(f.path()), f.fileSizeInBytes());
              }
            }
          } catch (RuntimeException e) {
            if (strict && stillRetained(s)) {
              throw unreadable(s, path, e);
            }
            continue;
          }
          if (live.size() <= CACHED_FILES_MAX) {
            LIVE.put(path, live);
          }
        }
        dataFiles.putAll(live);
      }
    }
  }

  /**
   * True if the newest version still has this snapshot. A concurrent expiry in another process may
   * have removed the snapshot and its files since it was read: that is no reason to fail.
   */
  private boolean stillRetained(Snapshot s) {
    return ops.refresh().snapshot(s.snapshotId()) != null;
  }

  private DataShardException unreadable(Snapshot s, String file, RuntimeException e) {
    return new DataShardException(
        "Cannot read "
            + file
            + " of retained snapshot "
            + s.snapshotId()
            + " of table "
            + ops.root()
            + " ("
            + e.getMessage()
            + "), so it is unknown which files are still needed; nothing was removed. Check the "
            + "table (it may be damaged) before running maintenance again.",
        e);
  }

  /** The length of a file, or 0 if it cannot be read. */
  static long lengthOrZero(TableOperations ops, String location) {
    try {
      return ops.storage().length(location);
    } catch (IOException e) {
      return 0;
    }
  }
}
