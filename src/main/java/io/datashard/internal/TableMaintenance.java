package io.datashard.internal;

import io.datashard.CloseableIterator;
import io.datashard.CommitConflictException;
import io.datashard.CommitStateUnknownException;
import io.datashard.DataFile;
import io.datashard.DataShardException;
import io.datashard.FileFormat;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.TableProperties;
import io.datashard.ValidationException;
import io.datashard.internal.meta.PartitionSpec;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.internal.meta.TableMetadataParser;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Table maintenance: expiring snapshots, removing orphan files, compacting small data files and
 * rewriting manifests. Each operation is safe while other processes commit:
 *
 * <ul>
 *   <li>changes to the table are commits like any other: a new metadata version built on the newest
 *       one under the {@link CommitLock}, published exclusively, and rebuilt on the newer version
 *       when another writer wins the race;
 *   <li>compaction and manifest rewriting rebase onto a newer version only if everything they
 *       rewrote is still there; otherwise they fail with {@link CommitConflictException} and remove
 *       what they wrote, so a concurrent commit is never lost;
 *   <li>files are deleted only when no retained snapshot of the newest version uses them, and
 *       orphan removal only deletes files older than a grace period, so files an in-flight commit
 *       has written but not yet committed survive.
 * </ul>
 */
public final class TableMaintenance {
  private static final Logger LOG = LoggerFactory.getLogger(TableMaintenance.class);

  /** Default grace period of orphan removal: files younger than this are never removed. */
  public static final long DEFAULT_ORPHAN_GRACE_MS = 3L * 24 * 3600 * 1000;

  private final TableCore core;
  private final TableOperations ops;
  private final Storage storage;
  // Tests: runs after a rewrite wrote its files and before it commits (to interleave other
  // commits).
  private Runnable beforeCommit = () -> {};

  public TableMaintenance(TableCore core) {
    this.core = core;
    this.ops = core.operations();
    this.storage = ops.storage();
  }

  /** Test hook: {@code r} runs after a rewrite wrote its files, just before it commits. */
  TableMaintenance beforeCommit(Runnable r) {
    this.beforeCommit = r;
    return this;
  }

  /** What an operation did, or would do in a dry run. */
  public static final class Report {
    public final String operation;
    public final boolean dryRun;

    /** Snapshots removed from the table's metadata. */
    public final List<Long> expiredSnapshots = new ArrayList<>();

    /** Files deleted from disk (or that would be). */
    public final List<String> deletedFiles = new ArrayList<>();

    public long deletedBytes;

    /** Files the current snapshot no longer uses (they stay on disk for older snapshots). */
    public final List<String> replacedFiles = new ArrayList<>();

    public long replacedBytes;

    /** Files written and committed. */
    public final List<String> addedFiles = new ArrayList<>();

    public long addedBytes;

    /** Files a rewrite writes (or, in a dry run, would write). */
    public int newFileCount;

    /** The snapshot the operation committed, or null. */
    public Long snapshotId;

    public Report(String operation, boolean dryRun) {
      this.operation = operation;
      this.dryRun = dryRun;
    }
  }

  // ------------------------------------------------------------------ expire snapshots

  /**
   * Removes old snapshots from the table (a commit), then deletes the manifest lists, manifests and
   * data files only those snapshots used. Never removes the current snapshot nor one a branch or
   * tag points to.
   *
   * @param olderThanMillis expire snapshots older than this (null: the table's {@code
   *     history.expire.max-snapshot-age-ms} before now)
   * @param retainLast always keep this many newest snapshots (null: {@code
   *     history.expire.min-snapshots-to-keep})
   * @param maxSnapshots keep at most this many (null: {@code datashard.snapshots.max-count})
   */
  public Report expireSnapshots(
      Long olderThanMillis, Integer retainLast, Integer maxSnapshots, boolean dryRun) {
    if (retainLast != null && retainLast < 1) {
      throw new ValidationException(
          "retainLast must be at least 1 (the current snapshot is always kept), got " + retainLast);
    }
    if (maxSnapshots != null && maxSnapshots < 1) {
      throw new ValidationException(
          "The maximum number of snapshots to keep must be at least 1, got " + maxSnapshots);
    }
    Report report = new Report("expire", dryRun);
    Map<Long, Snapshot> expired = new LinkedHashMap<>();
    TableMetadata after;
    if (dryRun) {
      TableMetadata base = ops.refresh();
      TableMetadata.Builder next = TableMetadata.buildFrom(base);
      Set<Long> dropped =
          retain(base, next, olderThanMillis, retainLast, maxSnapshots, System.currentTimeMillis());
      for (Snapshot s : base.snapshots()) {
        if (dropped.contains(s.snapshotId())) {
          expired.put(s.snapshotId(), s);
        }
      }
      after = next.build();
    } else {
      after =
          commit(
              "expire snapshots",
              (base, written) -> {
                expired.clear();
                long now = System.currentTimeMillis();
                TableMetadata.Builder next = TableMetadata.buildFrom(base);
                Set<Long> dropped =
                    retain(base, next, olderThanMillis, retainLast, maxSnapshots, now);
                if (dropped.isEmpty()
                    && next.build().refs().keySet().equals(base.refs().keySet())) {
                  return null; // nothing expired: neither a snapshot nor a branch or tag past its
                  // max age
                }
                for (Snapshot s : base.snapshots()) {
                  if (dropped.contains(s.snapshotId())) {
                    expired.put(s.snapshotId(), s);
                  }
                }
                next.lastUpdatedMillis(Math.max(now, base.lastUpdatedMillis()));
                TableCore.logPrevious(base, next);
                return next.build();
              });
    }
    report.expiredSnapshots.addAll(expired.keySet());
    if (!expired.isEmpty()) {
      deleteFilesOnlyUsedBy(expired.values(), after, dryRun, report, false);
    }
    return report;
  }

  /**
   * Deletes the manifest lists, manifests and data files that the {@code expired} snapshots use and
   * no snapshot of {@code after} (a version without them) nor of the newest version uses. A commit
   * that drops snapshots can call this after it landed, to free their files at once.
   *
   * @param quick if every snapshot involved (expired and kept) is an append, skip reading manifests
   *     for data files: in a history of appends a data file that an expired snapshot reached is
   *     still reached by the later snapshots, so only manifest lists and manifests can be freed.
   *     This keeps the cost of an automatic cleanup independent of the number of live files. Data
   *     files of expired snapshots outside the main history (a dropped branch) are then left for
   *     {@link #removeOrphanFiles}; nothing needed is ever deleted.
   */
  public void deleteFilesOnlyUsedBy(
      java.util.Collection<Snapshot> expired,
      TableMetadata after,
      boolean dryRun,
      Report report,
      boolean quick) {
    List<Snapshot> kept = new ArrayList<>(after.snapshots());
    if (!dryRun) {
      kept.addAll(ops.refresh().snapshots());
    }
    boolean dataFiles = !(quick && allAppends(expired) && allAppends(kept));
    // What the retained snapshots use is kept. Read the newest version too: snapshots committed
    // since are built on retained ones, and their new files must never be taken for expired ones.
    Reach keep = new Reach(true, dataFiles);
    keep.addSnapshots(kept);
    Reach gone = new Reach(false, dataFiles);
    gone.addSnapshots(expired);
    List<String> candidates = new ArrayList<>();
    for (String f : gone.dataFiles.keySet()) {
      if (!keep.dataFiles.containsKey(f)) {
        candidates.add(f);
      }
    }
    for (String m : gone.manifests.keySet()) {
      if (!keep.manifests.containsKey(m)) {
        candidates.add(m);
      }
    }
    for (String l : gone.manifestLists) {
      if (!keep.manifestLists.contains(l)) {
        candidates.add(l);
      }
    }
    Map<String, Long> sizes = new HashMap<>(gone.dataFiles);
    sizes.putAll(gone.manifests);
    for (String f : candidates) {
      long size = sizes.getOrDefault(f, fileSize(f));
      if (dryRun ? Files.exists(Path.of(f)) : deleteQuietly(f)) {
        report.deletedFiles.add(f);
        report.deletedBytes += Math.max(0, size);
      }
    }
  }

  /** True if every snapshot only added files (operation "append", nothing deleted). */
  private static boolean allAppends(Iterable<Snapshot> snapshots) {
    for (Snapshot s : snapshots) {
      if (!"append".equals(s.operation())
          || s.summaryLong("deleted-data-files", 0) != 0
          || s.summaryLong("deleted-records", 0) != 0) {
        return false;
      }
    }
    return true;
  }

  private static Set<Long> retain(
      TableMetadata base,
      TableMetadata.Builder next,
      Long olderThanMillis,
      Integer retainLast,
      Integer maxSnapshots,
      long now) {
    long maxAge =
        olderThanMillis != null
            ? now - olderThanMillis
            : base.propertyLong(
                TableProperties.MAX_SNAPSHOT_AGE_MS, TableProperties.MAX_SNAPSHOT_AGE_MS_DEFAULT);
    int minKeep =
        retainLast != null
            ? retainLast
            : (int)
                base.propertyLong(
                    TableProperties.MIN_SNAPSHOTS_TO_KEEP,
                    TableProperties.MIN_SNAPSHOTS_TO_KEEP_DEFAULT);
    int maxCount =
        maxSnapshots != null
            ? maxSnapshots
            : (int)
                base.propertyLong(
                    TableProperties.MAX_SNAPSHOTS, TableProperties.MAX_SNAPSHOTS_DEFAULT);
    return next.retainSnapshots(maxCount, maxAge, minKeep, now);
  }

  // ------------------------------------------------------------------ orphan files

  /**
   * Deletes files under {@code data/} and {@code metadata/} that neither a retained snapshot nor a
   * metadata file (current or in the metadata log) uses, if they were last modified more than
   * {@code graceMillis} ago. Names starting with a dot (lock file, temporaries, hidden
   * directories), the version hint and the metadata files of current or newer versions are never
   * touched.
   */
  public Report removeOrphanFiles(long graceMillis, boolean dryRun) {
    if (graceMillis < 0) {
      throw new ValidationException(
          "The grace period of orphan removal must not be negative, got " + graceMillis + " ms");
    }
    Report report = new Report("gc", dryRun);
    long cutoff = System.currentTimeMillis() - graceMillis;
    // List first, read the metadata second: a file that was old enough when listed and was
    // committed by then is referenced by what is read next.
    Map<String, Long> old = new LinkedHashMap<>();
    listOldFiles(Path.of(ops.dataDir()), cutoff, old);
    listOldFiles(Path.of(ops.metadataDir()), cutoff, old);
    TableMetadata meta = ops.refresh();
    Set<String> referenced = new HashSet<>();
    Reach reach = new Reach(true);
    if (meta.currentSnapshot() != null) {
      // Every file of the current snapshot must be found where its recorded location says, or the
      // listed names cannot be matched to the references safely (a path written in another form).
      reach.addSnapshots(List.of(meta.currentSnapshot()));
      List<String> current = new ArrayList<>(reach.manifestLists);
      current.addAll(reach.manifests.keySet());
      current.addAll(reach.dataFiles.keySet());
      for (String f : current) {
        if (!Files.exists(Path.of(f)) && stillCurrent(meta)) {
          throw new DataShardException(
              "The current snapshot of table "
                  + core.location()
                  + " uses "
                  + f
                  + ", which does not exist at that path, so files on disk cannot be matched to the table's references "
                  + "safely; nothing was removed. Check the table (it may be damaged or record paths in another form).");
        }
      }
    }
    reach.addSnapshots(meta.snapshots());
    referenced.addAll(reach.dataFiles.keySet());
    referenced.addAll(reach.manifests.keySet());
    referenced.addAll(reach.manifestLists);
    if (meta.metadataFileLocation() != null) {
      referenced.add(norm(meta.metadataFileLocation()));
    }
    // Files of older versions in the metadata log stay too, with what their snapshots use (best
    // effort: what expiry already removed is skipped).
    Reach logged = new Reach(false);
    for (TableMetadata.MetadataLogEntry e : meta.metadataLog()) {
      String file = norm(e.file());
      referenced.add(file);
      try {
        TableMetadata m = TableMetadataParser.fromJson(file, storage.readAll(file));
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
    referenced.addAll(logged.dataFiles.keySet());
    referenced.addAll(logged.manifests.keySet());
    referenced.addAll(logged.manifestLists);
    String metadataDir = norm(ops.metadataDir());
    for (Map.Entry<String, Long> f : old.entrySet()) {
      String path = f.getKey();
      if (referenced.contains(path)) {
        continue;
      }
      Path p = Path.of(path);
      if (p.getParent() != null && p.getParent().toString().equals(metadataDir)) {
        String name = p.getFileName().toString();
        if (name.equals(FileNames.VERSION_HINT)) {
          continue;
        }
        if (FileNames.parseVersion(name) >= meta.version()) {
          continue; // the current version or one committed since it was read
        }
      }
      if (dryRun || deleteQuietly(path)) {
        report.deletedFiles.add(path);
        report.deletedBytes += f.getValue();
      }
    }
    return report;
  }

  private boolean stillCurrent(TableMetadata meta) {
    return Objects.equals(ops.refresh().currentSnapshotId(), meta.currentSnapshotId());
  }

  /**
   * Adds the regular files under {@code dir} last modified before {@code cutoff}, skipping dot
   * names.
   */
  private static void listOldFiles(Path dir, long cutoff, Map<String, Long> out) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
              return !d.equals(dir) && d.getFileName().toString().startsWith(".")
                  ? FileVisitResult.SKIP_SUBTREE
                  : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
              if (attrs.isRegularFile()
                  && !f.getFileName().toString().startsWith(".")
                  && attrs.lastModifiedTime().toMillis() < cutoff) {
                out.put(f.toAbsolutePath().normalize().toString(), attrs.size());
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) {
              if (e instanceof NoSuchFileException) {
                return FileVisitResult.CONTINUE; // removed while listing
              }
              throw new UncheckedIOException(e);
            }
          });
    } catch (IOException | UncheckedIOException e) {
      throw new DataShardException(
          "Cannot list "
              + dir
              + " to find orphan files: "
              + e
              + ". Nothing was removed; check the directory's permissions.",
          e);
    }
  }

  // ------------------------------------------------------------------ compaction

  private record GroupKey(int specId, Row partition) {}

  /**
   * Rewrites the small data files of each partition (smaller than 3/4 of {@code targetFileSize})
   * into files of about {@code targetFileSize}, rows unchanged, and commits a {@code replace}
   * snapshot. Older snapshots keep reading the old files until they expire.
   */
  public Report compact(Long targetFileSize, int minInputFiles, boolean dryRun) {
    return compact(targetFileSize, minInputFiles, dryRun, (done, total) -> {});
  }

  /**
   * As {@link #compact(Long, int, boolean)}, telling {@code progress} the bytes of input files
   * rewritten so far and in all after each output file.
   */
  public Report compact(
      Long targetFileSize,
      int minInputFiles,
      boolean dryRun,
      java.util.function.BiConsumer<Long, Long> progress) {
    Report report = new Report("compact", dryRun);
    TableMetadata base = ops.refresh();
    long target =
        targetFileSize != null
            ? targetFileSize
            : base.propertyLong(
                TableProperties.TARGET_FILE_SIZE_BYTES,
                TableProperties.TARGET_FILE_SIZE_BYTES_DEFAULT);
    if (target < 1) {
      throw new ValidationException(
          "The target file size of compaction must be positive, got " + target);
    }
    if (minInputFiles < 2) {
      throw new ValidationException(
          "Compaction needs at least 2 input files per output file, got " + minInputFiles);
    }
    Snapshot current = base.currentSnapshot();
    if (current == null) {
      return report;
    }
    Map<GroupKey, List<DataFile>> groups = new LinkedHashMap<>();
    for (ManifestIO.Manifest m :
        ManifestIO.readList(storage, core.resolvePath(current.manifestList()))) {
      requireNoDeletes(m, "compact");
      for (DataFile f : ManifestIO.liveFiles(storage, m, core::resolvePath)) {
        if (f.fileSizeInBytes() < target * 3 / 4) {
          groups
              .computeIfAbsent(new GroupKey(m.specId, f.partition()), k -> new ArrayList<>())
              .add(f);
        }
      }
    }
    List<List<DataFile>> bins = new ArrayList<>();
    for (List<DataFile> small : groups.values()) {
      if (small.size() < minInputFiles) {
        continue;
      }
      List<DataFile> bin = new ArrayList<>();
      long size = 0;
      for (DataFile f : small) {
        if (!bin.isEmpty() && size + f.fileSizeInBytes() > target) {
          bins.add(bin);
          bin = new ArrayList<>();
          size = 0;
        }
        bin.add(f);
        size += f.fileSizeInBytes();
      }
      bins.add(bin);
    }
    bins.removeIf(b -> b.size() < 2);
    List<DataFile> replaced = new ArrayList<>();
    bins.forEach(replaced::addAll);
    for (DataFile f : replaced) {
      report.replacedFiles.add(f.path());
      report.replacedBytes += f.fileSizeInBytes();
    }
    report.newFileCount = bins.size();
    if (dryRun || bins.isEmpty()) {
      return report;
    }
    Schema schema = base.schema();
    List<DataFile> added = new ArrayList<>();
    List<String> written = new ArrayList<>();
    try {
      FileFormat format =
          DataFileIO.defaultFormat(base.properties()); // compacted files take the table's format
      long totalBytes = report.replacedBytes;
      long doneBytes = 0;
      progress.accept(0L, totalBytes);
      for (List<DataFile> bin : bins) {
        String location = ops.dataDir() + "/" + FileNames.dataFile(format);
        DataFile out;
        try (CloseableIterator<Row> rows = core.readFiles(bin, schema)) {
          written.add(location);
          out = DataFileIO.write(storage, location, format, schema, rows);
        }
        DataFile first = bin.get(0);
        added.add(out.toBuilder().specId(first.specId()).partition(first.partition()).build());
        for (DataFile f : bin) {
          doneBytes += f.fileSizeInBytes();
        }
        progress.accept(doneBytes, totalBytes);
      }
      storage.syncDirectory(ops.dataDir());
      beforeCommit.run();
      Set<String> removedPaths = new HashSet<>();
      replaced.forEach(f -> removedPaths.add(norm(f.path())));
      Snapshot committed = commitReplace(base, replaced, removedPaths, added);
      report.snapshotId = committed.snapshotId();
    } catch (IOException e) {
      cleanup(written);
      throw new UncheckedIOException(
          "Compacting "
              + core.location()
              + " failed: "
              + e
              + ". Nothing was committed and the new files were removed; check free disk space.",
          e);
    } catch (CommitStateUnknownException e) {
      throw e;
    } catch (RuntimeException e) {
      cleanup(written);
      throw e;
    }
    for (DataFile f : added) {
      report.addedFiles.add(f.path());
      report.addedBytes += f.fileSizeInBytes();
    }
    return report;
  }

  private Snapshot commitReplace(
      TableMetadata read, List<DataFile> replaced, Set<String> removedPaths, List<DataFile> added) {
    return commitRewrite(
        "compaction", "replace", read, replaced, removedPaths, added, Map.of(), base -> {});
  }

  /**
   * Commits a snapshot that removes the {@code replaced} data files (whose normalized paths are
   * {@code removedPaths}) and adds the {@code added} ones, on the newest version: other commits
   * since {@code read} are kept, unless one of the replaced files is gone or {@code check} refuses
   * the newest version by throwing {@link Rejected}; then a {@link CommitConflictException} is
   * thrown and nothing is committed (the data files in {@code added} are the caller's to remove).
   */
  Snapshot commitRewrite(
      String what,
      String operation,
      TableMetadata read,
      List<DataFile> replaced,
      Set<String> removedPaths,
      List<DataFile> added,
      Map<String, String> extraSummary,
      java.util.function.Consumer<TableMetadata> check) {
    long snapshotId = TableCore.newSnapshotId();
    Snapshot[] made = new Snapshot[1];
    commit(
        what,
        (base, written) -> {
          Snapshot parent = base.currentSnapshot();
          if (parent == null || base.currentSchemaId() != read.currentSchemaId()) {
            throw new Rejected(
                "the table was replaced or its schema changed since the " + what + " read it");
          }
          check.accept(base);
          List<ManifestIO.Manifest> manifests = new ArrayList<>();
          Map<Integer, List<ManifestIO.Entry>> deletedBySpec = new LinkedHashMap<>();
          int found = 0;
          for (ManifestIO.Manifest m :
              ManifestIO.readList(storage, core.resolvePath(parent.manifestList()))) {
            requireNoDeletes(m, "compact");
            List<ManifestIO.Entry> entries = ManifestIO.liveEntries(storage, m, core::resolvePath);
            List<ManifestIO.Entry> keep = new ArrayList<>();
            List<ManifestIO.Entry> drop = new ArrayList<>();
            for (ManifestIO.Entry e : entries) {
              (removedPaths.contains(norm(e.file.path())) ? drop : keep).add(e);
            }
            if (drop.isEmpty()) {
              manifests.add(m);
              continue;
            }
            found += drop.size();
            deletedBySpec.computeIfAbsent(m.specId, k -> new ArrayList<>()).addAll(drop);
            if (!keep.isEmpty()) {
              String location =
                  ops.metadataDir() + "/" + FileNames.manifest(FileNames.ManifestKind.REWRITTEN);
              written.add(location);
              manifests.add(
                  ManifestIO.writeExisting(
                      storage, location, base.schema(), spec(base, m.specId), snapshotId, keep));
            }
          }
          if (found != removedPaths.size()) {
            throw new Rejected(
                (removedPaths.size() - found)
                    + " of the "
                    + removedPaths.size()
                    + " files being compacted were removed from the table by a concurrent commit (an overwrite, "
                    + "delete or another compaction)");
          }
          List<ManifestIO.Manifest> head = new ArrayList<>();
          Map<Integer, List<DataFile>> addedBySpec = new LinkedHashMap<>();
          added.forEach(
              f -> addedBySpec.computeIfAbsent(f.specId(), k -> new ArrayList<>()).add(f));
          for (Map.Entry<Integer, List<DataFile>> e : addedBySpec.entrySet()) {
            String location =
                ops.metadataDir() + "/" + FileNames.manifest(FileNames.ManifestKind.REWRITTEN);
            written.add(location);
            head.add(
                ManifestIO.writeAdded(
                    storage,
                    location,
                    base.schema(),
                    spec(base, e.getKey()),
                    snapshotId,
                    e.getValue()));
          }
          for (Map.Entry<Integer, List<ManifestIO.Entry>> e : deletedBySpec.entrySet()) {
            String location =
                ops.metadataDir() + "/" + FileNames.manifest(FileNames.ManifestKind.REWRITTEN);
            written.add(location);
            head.add(
                ManifestIO.writeDeleted(
                    storage,
                    location,
                    base.schema(),
                    spec(base, e.getKey()),
                    snapshotId,
                    e.getValue()));
          }
          head.addAll(manifests);
          Map<String, String> summary = new LinkedHashMap<>();
          summary.put("operation", operation);
          summary.putAll(extraSummary);
          long[] delta = putChangeCounts(summary, added, replaced);
          Set<GroupKey> partitions = new HashSet<>();
          added.forEach(f -> partitions.add(new GroupKey(f.specId(), f.partition())));
          summary.put("changed-partition-count", Integer.toString(partitions.size()));
          totals(parent, summary, added.size() - replaced.size(), delta[0], delta[1]);
          made[0] = addSnapshot(base, parent, snapshotId, head, summary, written);
          return finish(base, made[0]);
        });
    return made[0];
  }

  // ------------------------------------------------------------------ rewrite manifests

  /**
   * Rewrites the data manifests of the current snapshot into as few manifests of about {@code
   * targetManifestSize} as fit, per partition spec, carrying every live file over as an EXISTING
   * entry with its original snapshot id and sequence numbers; commits a {@code replace} snapshot. A
   * spec whose files already sit in one manifest with no deleted entries is left alone.
   */
  public Report rewriteManifests(Long targetManifestSize, boolean dryRun) {
    Report report = new Report("rewrite-manifests", dryRun);
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
        ManifestIO.readList(storage, core.resolvePath(current.manifestList()))) {
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
        entries.addAll(ManifestIO.liveEntries(storage, m, core::resolvePath));
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
    long snapshotId = TableCore.newSnapshotId();
    List<ManifestIO.Manifest> created = new ArrayList<>();
    List<String> written = new ArrayList<>();
    Snapshot[] made = new Snapshot[1];
    try {
      for (Map.Entry<Integer, List<List<ManifestIO.Entry>>> e : chunks.entrySet()) {
        for (List<ManifestIO.Entry> chunk : e.getValue()) {
          String location =
              ops.metadataDir() + "/" + FileNames.manifest(FileNames.ManifestKind.MANIFEST_REWRITE);
          written.add(location);
          created.add(
              ManifestIO.writeExisting(
                  storage, location, read.schema(), spec(read, e.getKey()), snapshotId, chunk));
        }
      }
      Set<String> rewrittenPaths = new HashSet<>();
      rewritten.forEach(m -> rewrittenPaths.add(norm(m.path)));
      long entries = created.stream().mapToLong(m -> m.existingFiles).sum();
      beforeCommit.run();
      commit(
          "manifest rewrite",
          (base, attemptFiles) -> {
            Snapshot parent = base.currentSnapshot();
            if (parent == null) {
              throw new Rejected("the table has no current snapshot any more");
            }
            List<ManifestIO.Manifest> manifests = new ArrayList<>(created);
            int found = 0;
            for (ManifestIO.Manifest m :
                ManifestIO.readList(storage, core.resolvePath(parent.manifestList()))) {
              if (rewrittenPaths.contains(norm(m.path))) {
                found++;
              } else {
                manifests.add(m);
              }
            }
            if (found != rewrittenPaths.size()) {
              throw new Rejected(
                  (rewrittenPaths.size() - found)
                      + " of the "
                      + rewrittenPaths.size()
                      + " manifests being rewritten were replaced by a concurrent commit (manifest merging, a compaction "
                      + "or an overwrite)");
            }
            Map<String, String> summary = new LinkedHashMap<>();
            summary.put("operation", "replace");
            summary.put("manifests-created", Integer.toString(created.size()));
            summary.put("manifests-replaced", Integer.toString(rewrittenPaths.size()));
            summary.put("manifests-kept", Integer.toString(manifests.size() - created.size()));
            summary.put("entries-processed", Long.toString(entries));
            totals(parent, summary, 0, 0, 0);
            made[0] = addSnapshot(base, parent, snapshotId, manifests, summary, attemptFiles);
            return finish(base, made[0]);
          });
    } catch (CommitStateUnknownException e) {
      throw e;
    } catch (IOException e) {
      cleanup(written);
      throw new UncheckedIOException(
          "Rewriting the manifests of "
              + core.location()
              + " failed: "
              + e
              + ". Nothing was committed and the new files were removed; check free disk space.",
          e);
    } catch (RuntimeException e) {
      cleanup(written);
      throw e;
    }
    report.snapshotId = made[0].snapshotId();
    for (ManifestIO.Manifest m : created) {
      report.addedFiles.add(m.path);
      report.addedBytes += m.length;
    }
    return report;
  }

  // ------------------------------------------------------------------ commits

  /**
   * Commits a change of the metadata alone (no new snapshot, no files), under the commit lock and
   * retried on conflicts like the maintenance commits. {@code change} builds the next version from
   * the newest one, or returns null when there is nothing to change; it may throw {@link
   * ValidationException}, which is passed on with nothing committed.
   *
   * @return the committed version, or the newest one when there was nothing to change
   */
  public TableMetadata commitMetadata(
      String what, java.util.function.Function<TableMetadata, TableMetadata.Builder> change) {
    return commit(
        what,
        (base, written) -> {
          TableMetadata.Builder next = change.apply(base);
          if (next == null) {
            return null;
          }
          TableCore.logPrevious(base, next);
          return next.lastUpdatedMillis(
                  Math.max(System.currentTimeMillis(), base.lastUpdatedMillis()))
              .build();
        });
  }

  /**
   * Builds the next version on {@code base}; files it writes go in {@code written}. Null: nothing
   * to commit.
   */
  interface Change {
    TableMetadata apply(TableMetadata base, List<String> written) throws IOException;
  }

  /** The change cannot be applied to the newest version: fail without retrying. */
  static final class Rejected extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Rejected(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Commits a change: under the commit lock, builds it on the newest version and publishes the next
   * one; if another writer published first, removes this attempt's files and tries again.
   *
   * @return the committed version, or the newest one if the change had nothing to do
   */
  TableMetadata commit(String what, Change change) {
    long deadline = System.nanoTime() + core.options().commitTimeout().toNanos();
    for (int attempt = 0; ; attempt++) {
      if (attempt > 0) {
        core.countConflictRetry();
      }
      List<String> written = new ArrayList<>();
      try (CommitLock lock = CommitLock.acquire(ops.metadataDir(), TableCore.COMMIT_LOCK_WAIT_MS)) {
        TableMetadata base = ops.refresh();
        TableMetadata next;
        try {
          next = change.apply(base, written);
          if (next == null) {
            return base;
          }
          storage.syncDirectory(ops.metadataDir());
        } catch (Rejected e) {
          cleanup(written);
          throw new CommitConflictException(
              "Could not commit the "
                  + what
                  + " to "
                  + core.location()
                  + ": "
                  + e.getMessage()
                  + ". Nothing was committed and the files it wrote were removed; run it again.");
        } catch (IOException e) {
          cleanup(written);
          throw new UncheckedIOException(
              "Writing the "
                  + what
                  + " of "
                  + core.location()
                  + " failed: "
                  + e
                  + ". Nothing was committed; check free disk space and permissions.",
              e);
        } catch (RuntimeException e) {
          cleanup(written);
          throw e;
        }
        try {
          return ops.commit(base, next);
        } catch (CommitConflictException e) {
          cleanup(written);
        } catch (CommitStateUnknownException e) {
          throw e;
        } catch (RuntimeException e) {
          cleanup(written);
          throw e;
        }
      }
      if (attempt >= core.options().commitRetries() || System.nanoTime() > deadline) {
        throw new CommitConflictException(
            "Gave up committing the "
                + what
                + " to "
                + core.location()
                + " after "
                + (attempt + 1)
                + " attempts: other writers kept committing first. Nothing was committed; run it "
                + "again later.");
      }
      TableCore.backoff(attempt);
    }
  }

  private Snapshot addSnapshot(
      TableMetadata base,
      Snapshot parent,
      long snapshotId,
      List<ManifestIO.Manifest> manifests,
      Map<String, String> summary,
      List<String> written)
      throws IOException {
    long sequenceNumber = base.lastSequenceNumber() + 1;
    long timestamp = Math.max(System.currentTimeMillis(), parent.timestampMillis());
    String listLocation = ops.metadataDir() + "/" + FileNames.manifestList(snapshotId, 0);
    written.add(listLocation);
    ManifestIO.writeList(
        storage, listLocation, snapshotId, parent.snapshotId(), sequenceNumber, manifests);
    return new Snapshot(
        snapshotId,
        parent.snapshotId(),
        sequenceNumber,
        timestamp,
        listLocation,
        summary,
        base.currentSchemaId());
  }

  /**
   * The next version with {@code snapshot} current, with the table's commit-time retention applied.
   */
  private static TableMetadata finish(TableMetadata base, Snapshot snapshot) {
    TableMetadata.Builder next = TableMetadata.buildFrom(base);
    next.addSnapshotAsCurrent(snapshot)
        .lastUpdatedMillis(Math.max(snapshot.timestampMillis(), base.lastUpdatedMillis()));
    TableCore.applyCommitRetention(base, next, System.currentTimeMillis());
    return next.build();
  }

  /**
   * Puts the added/deleted data file, record and size counts of a change into a snapshot summary;
   * returns the change in records and in bytes.
   */
  static long[] putChangeCounts(
      Map<String, String> summary, List<DataFile> added, List<DataFile> removed) {
    long addedRecords = added.stream().mapToLong(DataFile::recordCount).sum();
    long addedBytes = added.stream().mapToLong(DataFile::fileSizeInBytes).sum();
    long removedRecords = removed.stream().mapToLong(DataFile::recordCount).sum();
    long removedBytes = removed.stream().mapToLong(DataFile::fileSizeInBytes).sum();
    summary.put("added-data-files", Integer.toString(added.size()));
    summary.put("added-records", Long.toString(addedRecords));
    summary.put("added-files-size", Long.toString(addedBytes));
    summary.put("deleted-data-files", Integer.toString(removed.size()));
    summary.put("deleted-records", Long.toString(removedRecords));
    summary.put("removed-files-size", Long.toString(removedBytes));
    return new long[] {addedRecords - removedRecords, addedBytes - removedBytes};
  }

  static void totals(
      Snapshot parent, Map<String, String> s, long fileDelta, long recordDelta, long sizeDelta) {
    long records = parent.summaryLong("total-records", -1);
    long files = parent.summaryLong("total-data-files", -1);
    long size = parent.summaryLong("total-files-size", -1);
    if (records >= 0 && files >= 0 && size >= 0) {
      s.put("total-records", Long.toString(records + recordDelta));
      s.put("total-files-size", Long.toString(size + sizeDelta));
      s.put("total-data-files", Long.toString(files + fileDelta));
      s.put("total-delete-files", parent.summary().getOrDefault("total-delete-files", "0"));
      s.put("total-position-deletes", parent.summary().getOrDefault("total-position-deletes", "0"));
      s.put("total-equality-deletes", parent.summary().getOrDefault("total-equality-deletes", "0"));
    }
  }

  private PartitionSpec spec(TableMetadata meta, int specId) {
    PartitionSpec spec = meta.spec(specId);
    if (spec == null) {
      throw new DataShardException(
          "Table "
              + core.location()
              + " lists files of partition spec "
              + specId
              + ", which its metadata does not define; the table may be damaged.");
    }
    return spec;
  }

  private void requireNoDeletes(ManifestIO.Manifest m, String what) {
    if (m.isDeletes()) {
      throw new DataShardException(
          "Cannot "
              + what
              + " table "
              + core.location()
              + ": it has delete files "
              + "(row-level deletes), which this version of DataShard cannot rewrite. Compact it with Apache Iceberg.");
    }
  }

  // ------------------------------------------------------------------ reachability

  /**
   * What a set of snapshots uses: manifest lists, manifests and live data files (normalized paths,
   * with sizes).
   */
  private final class Reach {
    private final boolean strict;
    private final boolean readDataFiles;
    final Set<String> manifestLists = new LinkedHashSet<>();
    final Map<String, Long> manifests = new LinkedHashMap<>();
    final Map<String, Long> dataFiles = new LinkedHashMap<>();

    /**
     * @param strict fail if a file of a snapshot the newest version still has cannot be read (else
     *     skip it: it may be gone already)
     */
    Reach(boolean strict) {
      this(strict, true);
    }

    /**
     * @param readDataFiles whether to read the manifests for the data files they list (else only
     *     manifest lists)
     */
    Reach(boolean strict, boolean readDataFiles) {
      this.strict = strict;
      this.readDataFiles = readDataFiles;
    }

    void addSnapshots(Iterable<Snapshot> snapshots) {
      for (Snapshot s : snapshots) {
        String list = norm(s.manifestList());
        if (!manifestLists.add(list)) {
          continue;
        }
        List<ManifestIO.Manifest> ms;
        try {
          ms = ManifestIO.readList(storage, list);
        } catch (RuntimeException e) {
          if (strict && stillRetained(s)) {
            throw unreadable(s, list, e);
          }
          continue;
        }
        for (ManifestIO.Manifest m : ms) {
          String path = norm(m.path);
          if (manifests.containsKey(path)) {
            continue;
          }
          manifests.put(path, m.length);
          if (!readDataFiles) {
            continue;
          }
          List<DataFile> live;
          try {
            live = ManifestIO.liveFiles(storage, m, core::resolvePath);
          } catch (RuntimeException e) {
            if (strict && stillRetained(s)) {
              throw unreadable(s, path, e);
            }
            continue;
          }
          for (DataFile f : live) {
            dataFiles.put(norm(f.path()), f.fileSizeInBytes());
          }
        }
      }
    }

    /**
     * True if the newest version still has this snapshot. A concurrent expiry in another process
     * may have removed the snapshot and its files since it was read: that is no reason to fail.
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
              + core.location()
              + " ("
              + e.getMessage()
              + "), so it is unknown which files are still needed; nothing "
              + "was removed. Check the table (it may be damaged) before running maintenance again.",
          e);
    }
  }

  /** A recorded location as a normalized local path. */
  private String norm(String recorded) {
    return Path.of(core.resolvePath(recorded)).toAbsolutePath().normalize().toString();
  }

  private long fileSize(String path) {
    try {
      return Files.size(Path.of(path));
    } catch (IOException e) {
      return 0;
    }
  }

  private boolean deleteQuietly(String path) {
    try {
      return storage.delete(path);
    } catch (IOException e) {
      LOG.warn("Could not remove {}: {}", path, e.toString());
      return false;
    }
  }

  private void cleanup(List<String> locations) {
    for (String l : locations) {
      deleteQuietly(l);
    }
  }
}
