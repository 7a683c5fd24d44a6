package io.datashard.internal;

import io.datashard.CloseableIterator;
import io.datashard.CorruptTableException;
import io.datashard.DataFile;
import io.datashard.DataShardException;
import io.datashard.FileFormat;
import io.datashard.Row;
import io.datashard.Snapshot;
import io.datashard.TableOptions;
import io.datashard.VerifyReport;
import io.datashard.VerifyReport.Kind;
import io.datashard.VerifyReport.Problem;
import io.datashard.internal.deletes.DeleteIndex;
import io.datashard.internal.deletes.PositionDeleteFiles;
import io.datashard.internal.maintenance.AutoCleanup;
import io.datashard.internal.maintenance.DeferredDeletes;
import io.datashard.internal.manifest.ManifestIO;
import io.datashard.internal.meta.SnapshotRef;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.internal.meta.TableMetadataParser;
import io.datashard.internal.parquet.ParquetFooters;
import io.datashard.storage.LocalStorage;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Checks a table directory against what its metadata records, without changing anything.
 *
 * <p>It checks that the current metadata file and the version hint parse; that every manifest list,
 * manifest and data file of the current snapshot (with {@code deep}, of every retained snapshot and
 * every ref, and every logged metadata file) exists, parses, has the length the table recorded
 * ({@code manifest_length} in the manifest list, {@code file_size_in_bytes} in the manifest) and
 * the recorded number of records (Parquet footer row counts; manifest file and row counts; the
 * snapshot's {@code total-records}). Then it lists the files in {@code data/} and {@code metadata/}
 * that nothing references: orphans, which interrupted writers and snapshots dropped by retention
 * leave behind. Names starting with a dot are coordination files (the commit lock, queues) and are
 * skipped, except {@code .NAME.RANDOM.tmp} temporaries of unfinished writes, which are reported as
 * warnings.
 *
 * <p>The manifest lists and manifests of every retained snapshot are always read, because orphans
 * can only be told apart from the files of older snapshots that way; without {@code deep} their
 * problems are not errors, but if one cannot be read the orphan list is left out.
 */
public final class Verifier {

  private final String root;
  private final boolean deep;
  private final Storage storage;
  private final List<Problem> problems = new ArrayList<>();
  private final Set<String> referenced = new HashSet<>();
  private final Map<String, Long> checked = new LinkedHashMap<>();
  private final Set<String> checkedLists = new HashSet<>();
  private final Map<String, List<ManifestIO.Entry>> manifestEntries = new HashMap<>();
  private final Map<String, List<ManifestIO.DeleteEntry>> deleteManifestFiles = new HashMap<>();
  private final Set<String> warnedDangling = new HashSet<>();
  private final Set<String> checkedDataFiles = new HashSet<>();
  private boolean referencesIncomplete;
  private boolean unreadableOutsideCheck;
  private TableCore core;
  private BiConsumer<Long, Long> progress;

  /** The count of unreferenced files the automatic cleanup will delete after its grace period. */
  public static final String AWAITING_CLEANUP = "files awaiting cleanup";

  private Verifier(Storage storage, String root, boolean deep) {
    this.storage = storage;
    this.root = root;
    this.deep = deep;
    for (String k :
        List.of("metadata files", "snapshots", "manifest lists", "manifests", "data files")) {
      checked.put(k, 0L);
    }
  }

  /**
   * Verifies the table at {@code dir}.
   *
   * @throws io.datashard.TableNotFoundException if there is no table there at all
   */
  public static VerifyReport verify(Path dir, boolean deep) {
    return verify(dir, deep, null);
  }

  /**
   * Verifies the table at {@code dir}, telling {@code progress} (if not null) how many snapshots of
   * how many are checked after each one.
   */
  public static VerifyReport verify(Path dir, boolean deep, BiConsumer<Long, Long> progress) {
    return verify(
        new LocalStorage(false), dir.toAbsolutePath().normalize().toString(), deep, progress);
  }

  /**
   * Verifies the table at {@code root} of a storage, telling {@code progress} (if not null) how
   * many snapshots of how many are checked after each one.
   */
  public static VerifyReport verify(
      Storage storage, String root, boolean deep, BiConsumer<Long, Long> progress) {
    Verifier v = new Verifier(storage, root, deep);
    v.progress = progress;
    v.run();
    List<Problem> sorted = new ArrayList<>(v.problems);
    sorted.sort(Comparator.comparing((Problem p) -> !p.kind().isError()));
    return new VerifyReport(v.root, deep, sorted, v.checked);
  }

  private void problem(Kind kind, String file, String message) {
    problems.add(new Problem(kind, file, message));
  }

  private void count(String what) {
    checked.merge(what, 1L, Long::sum);
  }

  private String metadataDir() {
    return root + "/" + FileNames.METADATA_DIR;
  }

  private void run() {
    int latestListed = latestListedVersion();
    String hintFile = metadataDir() + "/" + FileNames.VERSION_HINT;
    referenced.add(hintFile);
    try {
      core = TableCore.open(storage, root, TableOptions.defaults());
    } catch (CorruptTableException e) {
      String file =
          latestListed > 0 ? metadataDir() + "/" + FileNames.version(latestListed) : metadataDir();
      problem(Kind.UNREADABLE, file, "the current metadata file cannot be read: " + e.getMessage());
      return;
    }
    TableMetadata meta = core.metadata();
    referenced.add(meta.metadataFileLocation());
    count("metadata files");
    checkHint(hintFile, meta.version());
    for (TableMetadata.MetadataLogEntry e : meta.metadataLog()) {
      checkLoggedMetadata(core.resolvePath(e.file()));
    }

    Snapshot current = meta.currentSnapshot();
    if (meta.currentSnapshotId() != null && current == null) {
      problem(
          Kind.INCONSISTENT,
          meta.metadataFileLocation(),
          "current-snapshot-id "
              + meta.currentSnapshotId()
              + " names a snapshot the metadata does not contain");
    }
    for (Map.Entry<String, SnapshotRef> ref : meta.refs().entrySet()) {
      if (meta.snapshot(ref.getValue().snapshotId()) == null) {
        problem(
            Kind.INCONSISTENT,
            meta.metadataFileLocation(),
            "ref '"
                + ref.getKey()
                + "' points to snapshot "
                + ref.getValue().snapshotId()
                + ", which the metadata does not contain");
      }
    }
    // Fully checked snapshots first, so that a manifest shared with an older snapshot is reported
    // as an error of the snapshot that must be readable.
    List<Snapshot> order = new ArrayList<>();
    if (current != null) {
      order.add(current);
    }
    Set<Long> full = new HashSet<>();
    if (current != null) {
      full.add(current.snapshotId());
    }
    for (SnapshotRef ref : meta.refs().values()) {
      Snapshot s = meta.snapshot(ref.snapshotId());
      if (deep && s != null && full.add(s.snapshotId())) {
        order.add(s);
      }
    }
    List<Snapshot> rest = new ArrayList<>(meta.snapshots());
    rest.sort(Comparator.comparingLong(Snapshot::sequenceNumber).reversed());
    for (Snapshot s : rest) {
      if (deep) {
        full.add(s.snapshotId());
      }
      if (!order.contains(s)) {
        order.add(s);
      }
    }
    long done = 0;
    for (Snapshot s : order) {
      checkSnapshot(s, full.contains(s.snapshotId()));
      if (progress != null) {
        progress.accept(++done, (long) order.size());
      }
    }
    findUnreferenced();
  }

  private int latestListedVersion() {
    int max = 0;
    try {
      for (String name : storage.list(metadataDir())) {
        long v = FileNames.parseVersion(name);
        if (v <= Integer.MAX_VALUE) {
          max = Math.max(max, (int) v);
        }
      }
    } catch (IOException e) {
      // the open below reports the problem
    }
    return max;
  }

  private void checkHint(String hintFile, int version) {
    String text;
    try {
      text = new String(storage.readAll(hintFile), StandardCharsets.UTF_8).trim();
    } catch (NoSuchFileException e) {
      problem(
          Kind.STALE_HINT,
          hintFile,
          "the version hint is missing (the current version is "
              + version
              + "); Iceberg tools that find the table through it may not see the table. The next commit writes it.");
      return;
    } catch (IOException e) {
      problem(Kind.UNREADABLE, hintFile, "cannot read the version hint: " + e);
      return;
    }
    int hint;
    try {
      hint = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      problem(
          Kind.UNREADABLE,
          hintFile,
          "the version hint holds '" + abbreviate(text) + "', not a version number");
      return;
    }
    if (hint > version) {
      problem(
          Kind.INCONSISTENT,
          hintFile,
          "the version hint names version "
              + hint
              + ", but the newest metadata "
              + "file is version "
              + version
              + ": v"
              + hint
              + ".metadata.json was removed");
    } else if (hint < version) {
      problem(
          Kind.STALE_HINT,
          hintFile,
          "the version hint names version "
              + hint
              + ", the table is at version "
              + version
              + " (commits were following each other, or a writer stopped before updating it;"
              + " readers probe past it, the next commit fixes it)");
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }

  private void checkLoggedMetadata(String file) {
    referenced.add(file);
    try {
      if (!storage.exists(file)) {
        problem(Kind.MISSING, file, "an earlier metadata file the metadata log lists is not there");
        return;
      }
      if (deep) {
        TableMetadataParser.fromJson(file, storage.readAll(file));
      }
      count("metadata files");
    } catch (CorruptTableException e) {
      problem(
          Kind.UNREADABLE,
          file,
          "an earlier metadata file the metadata log lists cannot be parsed: " + e.getMessage());
    } catch (IOException e) {
      problem(
          Kind.UNREADABLE,
          file,
          "cannot read an earlier metadata file the metadata log lists: " + e);
    }
  }

  private void checkSnapshot(Snapshot s, boolean full) {
    if (full) {
      count("snapshots");
    }
    String what = "snapshot " + s.snapshotId();
    if (s.manifestList() == null) {
      problem(
          Kind.INCONSISTENT,
          core.metadata().metadataFileLocation(),
          what + " has no manifest list");
      return;
    }
    String list = core.resolvePath(s.manifestList());
    referenced.add(list);
    if (!full && checkedLists.contains(list)) {
      return;
    }
    List<ManifestIO.Manifest> manifests;
    try {
      manifests = ManifestIO.readList(storage, list);
    } catch (CorruptTableException e) {
      fail(full, e, list, "manifest list", "snapshot " + s.snapshotId());
      return;
    }
    if (checkedLists.add(list)) {
      count("manifest lists");
    }
    long liveRecords = 0;
    boolean hasDeletes = false;
    boolean complete = true;
    Set<String> liveDataPaths = new HashSet<>();
    List<ManifestIO.DeleteEntry> positionDeletes = new ArrayList<>();
    for (ManifestIO.Manifest m : manifests) {
      String path = core.resolvePath(m.path);
      referenced.add(path);
      hasDeletes |= m.isDeletes();
      if (m.isDeletes()) {
        List<ManifestIO.DeleteEntry> deleteFiles = deleteManifest(m, path, list, full);
        if (deleteFiles == null) {
          complete = false;
          continue;
        }
        for (ManifestIO.DeleteEntry d : deleteFiles) {
          DataFile f = d.file;
          String deletePath = core.resolvePath(f.path());
          referenced.add(deletePath);
          if (d.content == ManifestIO.POSITION_DELETES) {
            positionDeletes.add(d);
          }
          if (full && checkedDataFiles.add(deletePath)) {
            checkDataFile(f, deletePath, path, "delete file");
          }
        }
        continue;
      }
      List<ManifestIO.Entry> entries = manifest(m, path, list, full, s);
      if (entries == null) {
        complete = false;
        continue;
      }
      for (ManifestIO.Entry e : entries) {
        String dataPath = core.resolvePath(e.file.path());
        referenced.add(dataPath);
        liveDataPaths.add(e.file.path());
        liveRecords += e.file.recordCount();
        if (full && checkedDataFiles.add(dataPath)) {
          checkDataFile(e.file, dataPath, path, "data file");
        }
      }
    }
    if (full && complete) {
      for (ManifestIO.DeleteEntry d : positionDeletes) {
        String target =
            d.referencedDataFile != null ? d.referencedDataFile : DeleteIndex.singlePath(d.file);
        Set<String> targets = target != null ? Set.of(target) : deletedFrom(d);
        if (targets != null
            && !targets.isEmpty()
            && targets.stream().noneMatch(liveDataPaths::contains)
            && warnedDangling.add(d.file.path())) {
          target = String.join(", ", targets);
          problem(
              Kind.DANGLING_DELETES,
              core.resolvePath(d.file.path()),
              "the position delete file names the data file "
                  + target
                  + ", which "
                  + what
                  + " does not have: it deletes nothing; compacting the table drops it");
        }
      }
    }
    String total = s.summary().get("total-records");
    if (full && complete && !hasDeletes && total != null) {
      try {
        long recorded = Long.parseLong(total);
        if (recorded != liveRecords) {
          problem(
              Kind.WRONG_RECORD_COUNT,
              list,
              what
                  + " records total-records="
                  + recorded
                  + ", but its "
                  + "manifests list data files with "
                  + liveRecords
                  + " records");
        }
      } catch (NumberFormatException e) {
        // a summary is informational; a malformed one is not a storage problem
      }
    }
  }

  /**
   * The data files a position delete file names, read from it (its bounds did not tell); null if it
   * is too large to read here or cannot be read (its readability is checked apart).
   */
  private Set<String> deletedFrom(ManifestIO.DeleteEntry d) {
    if (d.file.recordCount() < 0 || d.file.recordCount() > 1_000_000) {
      return null;
    }
    Set<String> out = new HashSet<>();
    try (CloseableIterator<Row> rows =
        DataFileIO.read(
            storage,
            core.resolvePath(d.file.path()),
            d.file.format(),
            PositionDeleteFiles.SCHEMA.select(List.of("file_path")))) {
      while (rows.hasNext()) {
        Object p = rows.next().get(0);
        if (p != null) {
          out.add(p.toString());
        }
      }
    } catch (RuntimeException e) {
      return null;
    }
    return out;
  }

  /** Reads (once) a delete manifest; returns its live delete files, or null if it is unreadable. */
  private List<ManifestIO.DeleteEntry> deleteManifest(
      ManifestIO.Manifest m, String path, String list, boolean full) {
    if (deleteManifestFiles.containsKey(path)) {
      List<ManifestIO.DeleteEntry> known = deleteManifestFiles.get(path);
      if (known == null && !full) {
        referencesIncomplete = true;
      }
      return known;
    }
    List<ManifestIO.DeleteEntry> files;
    try {
      files = ManifestIO.liveDeleteEntries(storage, m, p -> path);
    } catch (CorruptTableException e) {
      deleteManifestFiles.put(path, null);
      fail(full, e, path, "delete manifest", "manifest list " + list);
      return null;
    } catch (DataShardException e) {
      // valid, but holds what this version cannot apply (deletion vectors): still referenced
      deleteManifestFiles.put(path, null);
      referencesIncomplete = true;
      if (full) {
        problem(Kind.UNREADABLE, path, e.getMessage());
      }
      return null;
    }
    deleteManifestFiles.put(path, files);
    count("delete manifests");
    return files;
  }

  /** Reads (once) and checks a manifest; returns its live entries, or null if it is unreadable. */
  private List<ManifestIO.Entry> manifest(
      ManifestIO.Manifest m, String path, String list, boolean full, Snapshot s) {
    if (manifestEntries.containsKey(path)) {
      List<ManifestIO.Entry> known = manifestEntries.get(path);
      if (known == null && !full) {
        referencesIncomplete = true;
      }
      return known;
    }
    List<ManifestIO.Entry> entries;
    try {
      entries = ManifestIO.liveEntries(storage, m, p -> path);
    } catch (CorruptTableException e) {
      manifestEntries.put(path, null);
      fail(full, e, path, "manifest", "manifest list " + list);
      return null;
    }
    manifestEntries.put(path, entries);
    count("manifests");
    if (!m.isDeletes()) {
      long files = entries.size();
      long rows = entries.stream().mapToLong(e -> e.file.recordCount()).sum();
      if (files != (long) m.addedFiles + m.existingFiles || rows != m.addedRows + m.existingRows) {
        String message =
            "manifest list "
                + list
                + " records "
                + (m.addedFiles + m.existingFiles)
                + " live files with "
                + (m.addedRows + m.existingRows)
                + " rows in it, but it holds "
                + files
                + " live files with "
                + rows
                + " rows";
        if (full) {
          problem(Kind.WRONG_RECORD_COUNT, path, message);
        }
      }
    }
    return entries;
  }

  private void fail(
      boolean full, CorruptTableException e, String file, String what, String referencedBy) {
    // Whatever the file references is unknown now, so orphans cannot be told apart.
    referencesIncomplete = true;
    if (!full) {
      unreadableOutsideCheck = true; // not part of this check: run with deep to check it
      return;
    }
    Kind kind = kindOf(e);
    String message;
    if (kind == Kind.MISSING) {
      message = "the " + what + " is not there (referenced by " + referencedBy + ")";
    } else {
      // The reader's message names the file; the report line names it already.
      String m = String.valueOf(e.getMessage());
      for (String prefix :
          List.of(
              "The " + what + " " + file + " ", "Cannot read the " + what + " " + file + ": ")) {
        if (m.startsWith(prefix)) {
          m = m.substring(prefix.length());
        }
      }
      message = m.replace("..", ".") + " (referenced by " + referencedBy + ")";
    }
    problem(kind, file, message);
  }

  private static Kind kindOf(CorruptTableException e) {
    if (e.getCause() instanceof NoSuchFileException) {
      return Kind.MISSING;
    }
    String m = String.valueOf(e.getMessage());
    if (m.contains("bytes, but the table recorded")) {
      return Kind.WRONG_LENGTH;
    }
    return Kind.UNREADABLE;
  }

  private void checkDataFile(DataFile f, String path, String manifest, String kind) {
    count(kind + "s");
    long length;
    try {
      length = storage.length(path);
    } catch (NoSuchFileException e) {
      problem(
          Kind.MISSING,
          path,
          "the " + kind + " is not there (listed in manifest " + manifest + ")");
      return;
    } catch (IOException e) {
      problem(
          Kind.UNREADABLE,
          path,
          "cannot read the " + kind + "'s length: " + e + " (listed in manifest " + manifest + ")");
      return;
    }
    if (f.fileSizeInBytes() >= 0 && length != f.fileSizeInBytes()) {
      problem(
          Kind.WRONG_LENGTH,
          path,
          "the "
              + kind
              + " has "
              + length
              + " bytes, but manifest "
              + manifest
              + " records "
              + f.fileSizeInBytes()
              + ": it was truncated, extended or replaced");
    }
    long rows;
    try {
      rows =
          f.format() == FileFormat.PARQUET
              ? ParquetFooters.rowCount(storage, path)
              : DataFileIO.handler(f.format()).recordCount(storage, path);
    } catch (IOException | RuntimeException e) {
      problem(
          Kind.UNREADABLE,
          path,
          "the "
              + kind
              + "'s "
              + (f.format() == FileFormat.PARQUET ? "Parquet footer" : f.format() + " content")
              + " cannot be read: "
              + e.getMessage()
              + " (listed in manifest "
              + manifest
              + ")");
      return;
    }
    if (rows != f.recordCount()) {
      problem(
          Kind.WRONG_RECORD_COUNT,
          path,
          "the "
              + kind
              + " holds "
              + rows
              + " rows, but manifest "
              + manifest
              + " records "
              + f.recordCount());
    }
  }

  private void findUnreferenced() {
    if (referencesIncomplete) {
      problem(
          Kind.INCOMPLETE,
          metadataDir(),
          "orphaned files are not listed: a manifest list or manifest "
              + (unreadableOutsideCheck
                  ? "of an older snapshot could not be read (run with --deep to see which)"
                  : "could not be read (see the errors)")
              + ", so it is unknown which files it references");
      return;
    }
    // Files of dropped snapshots that the automatic cleanup deletes after its grace period (or
    // lists at its next turn) are not orphans: they are counted, not reported.
    Set<String> scheduled = new HashSet<>(DeferredDeletes.scheduledFiles(core.operations()));
    scheduled.addAll(AutoCleanup.notYetScheduled(core.operations(), core.metadata()));
    for (String sub : List.of(FileNames.DATA_DIR, FileNames.METADATA_DIR)) {
      String top = root + "/" + sub;
      List<String> files = new ArrayList<>();
      try {
        for (Storage.FileInfo f : storage.walk(top)) {
          files.add(f.location());
        }
      } catch (IOException | RuntimeException e) {
        problem(Kind.INCOMPLETE, top, "cannot list the directory to find orphaned files: " + e);
        continue;
      }
      files.sort(Comparator.naturalOrder());
      for (String p : files) {
        String name = p.substring(p.lastIndexOf('/') + 1);
        if (hiddenBelow(top, p)) {
          continue;
        }
        if (FileNames.isHidden(name)) {
          if (name.endsWith(".tmp")) {
            problem(
                Kind.TEMPORARY_FILE,
                p,
                "a temporary file of a write that never finished (its "
                    + "process was killed or failed); safe to delete when no writer is running");
          }
          continue; // coordination files: the commit lock, Hadoop's .crc side files
        }
        if (!referenced.contains(p) && scheduled.contains(p)) {
          count(AWAITING_CLEANUP);
        } else if (!referenced.contains(p)) {
          problem(
              Kind.ORPHAN,
              p,
              "no retained snapshot and no metadata file references it (left by "
                  + "an interrupted or losing writer, or by a snapshot dropped by retention)");
        }
      }
    }
  }

  /**
   * True if a directory between {@code top} (exclusive) and the file {@code location} is hidden.
   */
  private static boolean hiddenBelow(String top, String location) {
    String[] parts = location.substring(top.length() + 1).split("/");
    for (int i = 0; i < parts.length - 1; i++) {
      if (FileNames.isHidden(parts[i])) {
        return true;
      }
    }
    return false;
  }
}
