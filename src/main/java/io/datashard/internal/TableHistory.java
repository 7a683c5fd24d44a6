package io.datashard.internal;

import io.datashard.CommitConflictException;
import io.datashard.CommitStateUnknownException;
import io.datashard.DataFile;
import io.datashard.DataShardException;
import io.datashard.Ref;
import io.datashard.Snapshot;
import io.datashard.SnapshotDiff;
import io.datashard.ValidationException;
import io.datashard.internal.meta.PartitionSpec;
import io.datashard.internal.meta.SnapshotRef;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * History operations: snapshot references (tags and branches, the spec's {@code refs}), appends to
 * a branch, rollback as a new commit, and the file-level difference of two snapshots.
 *
 * <p>Every change is a commit like any other: under the {@link CommitLock}, built on the newest
 * version and published exclusively; when another writer publishes first, the attempt's files are
 * removed and it is built again on the newer version (subject to the rules below).
 *
 * <p><b>Rollback rule.</b> A rollback makes a new snapshot on {@code main} whose data files are
 * exactly those of the target snapshot: it reuses the target's manifests and adds one that marks
 * the files added since as deleted (operation {@code overwrite}, summary key {@value
 * #ROLLBACK_SUMMARY_KEY} naming the target). The history is kept: earlier snapshots stay readable
 * by id. Because it discards the rows committed after the target, it is decided against a known
 * current snapshot (the one current when the caller read the table): if any other commit landed on
 * {@code main} since, the rollback fails with {@link CommitConflictException} and commits nothing,
 * so it never discards an append its caller has not seen. Only a forced rollback builds on whatever
 * is current at commit time, discarding those rows too.
 */
public final class TableHistory {
  /** The summary key of a rollback snapshot: the id of the snapshot whose data it restores. */
  public static final String ROLLBACK_SUMMARY_KEY = "datashard.rollback-to";

  private final TableCore core;
  private final TableOperations ops;
  private final Storage storage;

  public TableHistory(TableCore core) {
    this.core = core;
    this.ops = core.operations();
    this.storage = ops.storage();
  }

  // ------------------------------------------------------------------ refs

  /** How a ref change treats an existing ref of that name. */
  public enum RefMode {
    CREATE,
    REPLACE,
    REMOVE
  }

  /** The refs of the newest version, by name (main first, then by name). */
  public Map<String, Ref> refs() {
    return refs(ops.refresh());
  }

  static Map<String, Ref> refs(TableMetadata meta) {
    Map<String, Ref> out = new LinkedHashMap<>();
    SnapshotRef main = meta.refs().get(SnapshotRef.MAIN);
    if (main != null) {
      out.put(SnapshotRef.MAIN, toRef(SnapshotRef.MAIN, main));
    }
    new TreeMap<>(meta.refs())
        .forEach(
            (name, r) -> {
              if (!name.equals(SnapshotRef.MAIN)) {
                out.put(name, toRef(name, r));
              }
            });
    return out;
  }

  private static Ref toRef(String name, SnapshotRef r) {
    return new Ref(
        name,
        r.snapshotId(),
        r.isBranch(),
        r.minSnapshotsToKeep(),
        r.maxSnapshotAgeMs(),
        r.maxRefAgeMs());
  }

  /**
   * Creates, moves or removes a tag or branch in one commit.
   *
   * @param snapshotId the snapshot to point at (null: main's current snapshot); ignored for REMOVE
   * @return the ref as committed (for REMOVE, the ref that was removed)
   */
  public Ref changeRef(
      String name,
      boolean branch,
      RefMode mode,
      Long snapshotId,
      Integer minSnapshotsToKeep,
      Long maxSnapshotAgeMs,
      Long maxRefAgeMs) {
    String kind = branch ? "branch" : "tag";
    if (name == null || name.isBlank() || !name.equals(name.strip())) {
      throw new ValidationException(
          "Invalid "
              + kind
              + " name '"
              + name
              + "': a ref name must be non-empty and "
              + "must not start or end with spaces");
    }
    if (name.equals(SnapshotRef.MAIN)) {
      throw new ValidationException(
          "The branch 'main' is the table's own history: it cannot be created, moved "
              + "or removed as a "
              + kind
              + ". Use a rollback to give main the data of another snapshot, or choose "
              + "another name.");
    }
    if (!branch && (minSnapshotsToKeep != null || maxSnapshotAgeMs != null)) {
      throw new ValidationException(
          "Tag '"
              + name
              + "': min-snapshots-to-keep and max-snapshot-age apply to "
              + "branches only (a tag keeps exactly one snapshot). Drop those settings or make a branch.");
    }
    if (minSnapshotsToKeep != null && minSnapshotsToKeep < 1) {
      throw new ValidationException(
          "Branch '"
              + name
              + "': min-snapshots-to-keep must be at least 1, got "
              + minSnapshotsToKeep);
    }
    if (maxSnapshotAgeMs != null && maxSnapshotAgeMs < 1
        || maxRefAgeMs != null && maxRefAgeMs < 1) {
      throw new ValidationException("Ref '" + name + "': a maximum age must be positive");
    }
    Ref[] result = new Ref[1];
    commit(
        mode.name().toLowerCase(java.util.Locale.ROOT) + " " + kind + " " + name,
        (base, written) -> {
          SnapshotRef existing = base.refs().get(name);
          TableMetadata.Builder next = TableMetadata.buildFrom(base);
          Map<String, SnapshotRef> refs = new LinkedHashMap<>(base.refs());
          if (existing != null && existing.isBranch() != branch) {
            throw new ValidationException(
                "Table "
                    + core.location()
                    + " already has a "
                    + existing.type()
                    + " named '"
                    + name
                    + "', not a "
                    + kind
                    + ". Use the "
                    + existing.type()
                    + " commands for it, or choose "
                    + "another name.");
          }
          if (mode == RefMode.REMOVE) {
            if (existing == null) {
              throw new ValidationException(
                  "Table "
                      + core.location()
                      + " has no "
                      + kind
                      + " named '"
                      + name
                      + "'. List the refs with Table.refs() or 'datashard "
                      + kind
                      + " DIR --list'.");
            }
            refs.remove(name);
            result[0] = toRef(name, existing);
          } else {
            if (existing != null && mode == RefMode.CREATE) {
              throw new ValidationException(
                  "Table "
                      + core.location()
                      + " already has a "
                      + kind
                      + " named '"
                      + name
                      + "' (at snapshot "
                      + existing.snapshotId()
                      + "). Replace it explicitly, remove it first, or "
                      + "choose another name.");
            }
            Long target = snapshotId != null ? snapshotId : base.currentSnapshotId();
            if (target == null) {
              throw new ValidationException(
                  "Table "
                      + core.location()
                      + " has no snapshot yet, so there is nothing "
                      + "for "
                      + kind
                      + " '"
                      + name
                      + "' to point at. Append data first.");
            }
            core.snapshot(base, target); // fails clearly if it never existed or has expired
            SnapshotRef r =
                new SnapshotRef(target, kind, minSnapshotsToKeep, maxSnapshotAgeMs, maxRefAgeMs);
            refs.put(name, r);
            result[0] = toRef(name, r);
          }
          next.refs(refs)
              .lastUpdatedMillis(Math.max(System.currentTimeMillis(), base.lastUpdatedMillis()));
          TableCore.logPrevious(base, next);
          return next.build();
        });
    return result[0];
  }

  /** The snapshot a ref points to. */
  public Snapshot resolveRef(String name) {
    TableMetadata meta = ops.refresh();
    SnapshotRef r = meta.refs().get(name);
    if (r == null) {
      if (name.equals(SnapshotRef.MAIN)) {
        return meta.currentSnapshot();
      }
      throw new ValidationException(
          "Table "
              + core.location()
              + " has no branch or tag named '"
              + name
              + "' (it has: "
              + String.join(", ", refs(meta).keySet())
              + "). List them with Table.refs() or "
              + "'datashard tag DIR --list'.");
    }
    return core.snapshot(meta, r.snapshotId());
  }

  // ------------------------------------------------------------------ branch appends

  /**
   * Appends records to a branch other than main in one commit: the new snapshot's parent is the
   * branch head, the branch moves to it, and main does not change. Blind like any append: if
   * another writer commits first (to any branch), it is rebuilt on the branch's newest head.
   */
  public Snapshot appendToBranch(
      String branch, List<Object> records, Map<String, String> extraSummary) {
    if (branch.equals(SnapshotRef.MAIN)) {
      return core.append(records, extraSummary);
    }
    TableMetadata read = ops.refresh();
    requireBranch(read, branch);
    if (read.schema().columns().isEmpty()) {
      throw new ValidationException(
          "Table " + core.location() + " has no schema yet; append to main first.");
    }
    TableCore.Staged staged = core.stage(read, records);
    long addedRecords = staged.files.stream().mapToLong(DataFile::recordCount).sum();
    long addedBytes = staged.files.stream().mapToLong(DataFile::fileSizeInBytes).sum();
    Snapshot[] made = new Snapshot[1];
    try {
      commit(
          "append to branch " + branch,
          (base, written) -> {
            SnapshotRef ref = requireBranch(base, branch);
            if (!base.schema().sameColumns(staged.schema)) {
              throw new CommitConflictException(
                  "The schema of table "
                      + core.location()
                      + " changed while this "
                      + "append was being written. Nothing was committed; append the records again.");
            }
            Snapshot parent = core.snapshot(base, ref.snapshotId());
            List<ManifestIO.Manifest> manifests = new ArrayList<>();
            manifests.add(staged.manifest);
            manifests.addAll(ManifestIO.readList(storage, core.resolvePath(parent.manifestList())));
            Map<String, String> summary = new LinkedHashMap<>();
            summary.put("operation", "append");
            summary.putAll(extraSummary);
            summary.put("added-data-files", Integer.toString(staged.files.size()));
            summary.put("added-records", Long.toString(addedRecords));
            summary.put("added-files-size", Long.toString(addedBytes));
            summary.put("changed-partition-count", "1");
            TableMaintenance.totals(parent, summary, staged.files.size(), addedRecords, addedBytes);
            Snapshot s =
                writeSnapshot(base, parent, staged.snapshotId, manifests, summary, written);
            made[0] = s;
            TableMetadata.Builder next = TableMetadata.buildFrom(base);
            List<Snapshot> snapshots = new ArrayList<>(base.snapshots());
            snapshots.add(s);
            Map<String, SnapshotRef> refs = new LinkedHashMap<>(base.refs());
            refs.put(branch, ref.withSnapshot(s.snapshotId()));
            next.snapshots(snapshots)
                .refs(refs)
                .lastSequenceNumber(s.sequenceNumber())
                .lastUpdatedMillis(Math.max(s.timestampMillis(), base.lastUpdatedMillis()));
            TableCore.applyCommitRetention(base, next, System.currentTimeMillis());
            return next.build();
          });
    } catch (CommitStateUnknownException e) {
      throw e;
    } catch (RuntimeException e) {
      core.discard(staged);
      throw e;
    }
    return made[0];
  }

  private SnapshotRef requireBranch(TableMetadata meta, String branch) {
    SnapshotRef ref = meta.refs().get(branch);
    if (ref == null || !ref.isBranch()) {
      throw new ValidationException(
          "Table "
              + core.location()
              + " has no branch named '"
              + branch
              + "'"
              + (ref == null ? "" : " (it is a tag, which cannot take commits)")
              + ". Create the branch first "
              + "(Table.branch(name).create() or 'datashard branch DIR NAME').");
    }
    return ref;
  }

  // ------------------------------------------------------------------ rollback

  /**
   * Commits a new snapshot on main whose data is exactly that of {@code targetId} (see the class
   * comment for the rule).
   *
   * @param expectedCurrent the main snapshot the caller decided on (null: the table was empty)
   * @param force build on whatever is current at commit time instead of checking {@code
   *     expectedCurrent}
   * @return the new snapshot, or the current one if it already has the target's data files
   */
  public Snapshot rollback(long targetId, Long expectedCurrent, boolean force) {
    Snapshot[] made = new Snapshot[1];
    commit(
        "rollback to snapshot " + targetId,
        (base, written) -> {
          if (!force && !Objects.equals(base.currentSnapshotId(), expectedCurrent)) {
            throw new CommitConflictException(
                "Cannot roll back table "
                    + core.location()
                    + " to snapshot "
                    + targetId
                    + ": snapshot "
                    + expectedCurrent
                    + " was current when the rollback was decided, but "
                    + base.currentSnapshotId()
                    + " is current now (another process committed in between), and rolling "
                    + "back would discard its rows unseen. Nothing was committed; look at the table again and retry the "
                    + "rollback (or force it to discard whatever was committed since).");
          }
          Snapshot target = core.snapshot(base, targetId);
          Snapshot parent = base.currentSnapshot();
          List<ManifestIO.Manifest> targetManifests = dataManifests(target, "roll back");
          Set<String> targetPaths = new LinkedHashSet<>();
          List<DataFile> targetFiles = new ArrayList<>();
          for (ManifestIO.Manifest m : targetManifests) {
            for (DataFile f : ManifestIO.liveFiles(storage, m, core::resolvePath)) {
              targetPaths.add(core.resolvePath(f.path()));
              targetFiles.add(f);
            }
          }
          Map<Integer, List<ManifestIO.Entry>> removedBySpec = new LinkedHashMap<>();
          Set<String> currentPaths = new LinkedHashSet<>();
          List<DataFile> removed = new ArrayList<>();
          if (parent != null) {
            for (ManifestIO.Manifest m : dataManifests(parent, "roll back")) {
              for (ManifestIO.Entry e : ManifestIO.liveEntries(storage, m, core::resolvePath)) {
                String p = core.resolvePath(e.file.path());
                currentPaths.add(p);
                if (!targetPaths.contains(p)) {
                  removedBySpec.computeIfAbsent(m.specId, k -> new ArrayList<>()).add(e);
                  removed.add(e.file);
                }
              }
            }
          }
          List<DataFile> added = new ArrayList<>();
          for (DataFile f : targetFiles) {
            if (!currentPaths.contains(core.resolvePath(f.path()))) {
              added.add(f);
            }
          }
          if (parent != null && added.isEmpty() && removed.isEmpty()) {
            made[0] = parent;
            return null; // main already has exactly the target's files
          }
          long snapshotId = TableCore.newSnapshotId();
          List<ManifestIO.Manifest> manifests = new ArrayList<>();
          for (Map.Entry<Integer, List<ManifestIO.Entry>> e : removedBySpec.entrySet()) {
            String location =
                ops.metadataDir() + "/" + FileNames.manifest(FileNames.ManifestKind.ROLLBACK);
            written.add(location);
            manifests.add(
                ManifestIO.writeDeleted(
                    storage,
                    location,
                    base.schema(),
                    spec(base, e.getKey()),
                    snapshotId,
                    e.getValue()));
          }
          manifests.addAll(targetManifests);
          Map<String, String> summary = new LinkedHashMap<>();
          summary.put("operation", "overwrite");
          summary.put(ROLLBACK_SUMMARY_KEY, Long.toString(targetId));
          TableMaintenance.putChangeCounts(summary, added, removed);
          summary.put(
              "total-records",
              Long.toString(targetFiles.stream().mapToLong(DataFile::recordCount).sum()));
          summary.put(
              "total-files-size",
              Long.toString(targetFiles.stream().mapToLong(DataFile::fileSizeInBytes).sum()));
          summary.put("total-data-files", Integer.toString(targetFiles.size()));
          summary.put("total-delete-files", "0");
          summary.put("total-position-deletes", "0");
          summary.put("total-equality-deletes", "0");
          Snapshot s = writeSnapshot(base, parent, snapshotId, manifests, summary, written);
          made[0] = s;
          TableMetadata.Builder next = TableMetadata.buildFrom(base);
          next.addSnapshotAsCurrent(s)
              .lastUpdatedMillis(Math.max(s.timestampMillis(), base.lastUpdatedMillis()));
          TableCore.applyCommitRetention(base, next, System.currentTimeMillis());
          return next.build();
        });
    return made[0];
  }

  // ------------------------------------------------------------------ diff

  /** The data files {@code toId} has and {@code fromId} has not, and the other way round. */
  public SnapshotDiff diff(long fromId, long toId) {
    TableMetadata meta = ops.refresh();
    Map<String, DataFile> from = liveByPath(core.snapshot(meta, fromId));
    Map<String, DataFile> to = liveByPath(core.snapshot(meta, toId));
    List<DataFile> added = new ArrayList<>();
    to.forEach(
        (p, f) -> {
          if (!from.containsKey(p)) {
            added.add(f);
          }
        });
    List<DataFile> removed = new ArrayList<>();
    from.forEach(
        (p, f) -> {
          if (!to.containsKey(p)) {
            removed.add(f);
          }
        });
    return new SnapshotDiff(fromId, toId, added, removed);
  }

  private Map<String, DataFile> liveByPath(Snapshot s) {
    Map<String, DataFile> out = new LinkedHashMap<>();
    for (DataFile f : core.files(s)) {
      out.put(core.resolvePath(f.path()), f);
    }
    return out;
  }

  // ------------------------------------------------------------------ helpers

  private List<ManifestIO.Manifest> dataManifests(Snapshot s, String what) {
    List<ManifestIO.Manifest> out =
        ManifestIO.readList(storage, core.resolvePath(s.manifestList()));
    for (ManifestIO.Manifest m : out) {
      if (m.isDeletes()) {
        throw new DataShardException(
            "Cannot "
                + what
                + " table "
                + core.location()
                + ": snapshot "
                + s.snapshotId()
                + " has delete files (row-level deletes), which this version of DataShard cannot "
                + "rewrite. Do it with Apache Iceberg, or compact the table there first.");
      }
    }
    return out;
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

  private Snapshot writeSnapshot(
      TableMetadata base,
      Snapshot parent,
      long snapshotId,
      List<ManifestIO.Manifest> manifests,
      Map<String, String> summary,
      List<String> written)
      throws IOException {
    long sequenceNumber = base.lastSequenceNumber() + 1;
    long now = System.currentTimeMillis();
    long timestamp = parent == null ? now : Math.max(now, parent.timestampMillis());
    String listLocation = ops.metadataDir() + "/" + FileNames.manifestList(snapshotId, 0);
    written.add(listLocation);
    ManifestIO.writeList(
        storage,
        listLocation,
        snapshotId,
        parent == null ? null : parent.snapshotId(),
        sequenceNumber,
        manifests);
    return new Snapshot(
        snapshotId,
        parent == null ? null : parent.snapshotId(),
        sequenceNumber,
        timestamp,
        listLocation,
        summary,
        base.currentSchemaId());
  }

  /**
   * Builds the next version on {@code base}; files it writes go in {@code written}. Null: nothing
   * to commit.
   */
  /**
   * Commits a change like the maintenance commits do: under the commit lock, on the newest version,
   * built again if another writer published first (see {@link TableMaintenance#commit}).
   */
  private void commit(String what, TableMaintenance.Change change) {
    new TableMaintenance(core).commit(what, change);
  }
}
