package io.datashard.internal;

import io.datashard.DataFile;
import io.datashard.Ref;
import io.datashard.Snapshot;
import io.datashard.SnapshotDiff;
import io.datashard.ValidationException;
import io.datashard.internal.commit.BranchAppendCommit;
import io.datashard.internal.commit.CommitFiles;
import io.datashard.internal.commit.MetadataCommit;
import io.datashard.internal.commit.RollbackCommit;
import io.datashard.internal.commit.StagedAppend;
import io.datashard.internal.commit.TableOperations;
import io.datashard.internal.manifest.ManifestIO;
import io.datashard.internal.meta.SnapshotRef;
import io.datashard.internal.meta.TableMetadata;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * History operations: snapshot references (tags and branches, the spec's {@code refs}), appends to
 * a branch, rollback as a new commit, and the file-level difference of two snapshots. Every change
 * is a commit through the table's {@link io.datashard.internal.commit.Committer}; see {@link
 * RollbackCommit} for the rollback rule.
 */
public final class TableHistory {
  private final TableCore core;
  private final TableOperations ops;

  public TableHistory(TableCore core) {
    this.core = core;
    this.ops = core.operations();
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
    core.commit(
        new MetadataCommit(
            mode.name().toLowerCase(Locale.ROOT) + " " + kind + " " + name,
            base -> {
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
                core.reader()
                    .snapshot(base, target); // fails clearly if it never existed or has expired
                SnapshotRef r =
                    new SnapshotRef(
                        target, kind, minSnapshotsToKeep, maxSnapshotAgeMs, maxRefAgeMs);
                refs.put(name, r);
                result[0] = toRef(name, r);
              }
              return next.refs(refs);
            }));
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
    return core.reader().snapshot(meta, r.snapshotId());
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
      return core.appends().append(records, extraSummary);
    }
    TableMetadata read = ops.refresh();
    requireBranch(read, branch);
    if (read.schema().columns().isEmpty()) {
      throw new ValidationException(
          "Table " + core.location() + " has no schema yet; append to main first.");
    }
    CommitFiles files = CommitFiles.over(core.storage());
    StagedAppend staged = core.writer().stage(read, records, false, null, files);
    return core.commit(
            new BranchAppendCommit(
                core.reader(), branch, staged, extraSummary, this::requireBranch),
            files)
        .value();
  }

  SnapshotRef requireBranch(TableMetadata meta, String branch) {
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
    return core.commit(new RollbackCommit(core.reader(), targetId, expectedCurrent, force)).value();
  }

  // ------------------------------------------------------------------ diff

  /** The data files {@code toId} has and {@code fromId} has not, and the other way round. */
  public SnapshotDiff diff(long fromId, long toId) {
    TableMetadata meta = ops.refresh();
    Map<String, DataFile> from = liveByPath(core.reader().snapshot(meta, fromId));
    Map<String, DataFile> to = liveByPath(core.reader().snapshot(meta, toId));
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
    Map<String, DataFile> fromDeletes = deletesByPath(core.reader().snapshot(meta, fromId));
    Map<String, DataFile> toDeletes = deletesByPath(core.reader().snapshot(meta, toId));
    List<DataFile> addedDeletes = new ArrayList<>();
    toDeletes.forEach(
        (p, f) -> {
          if (!fromDeletes.containsKey(p)) {
            addedDeletes.add(f);
          }
        });
    List<DataFile> removedDeletes = new ArrayList<>();
    fromDeletes.forEach(
        (p, f) -> {
          if (!toDeletes.containsKey(p)) {
            removedDeletes.add(f);
          }
        });
    return new SnapshotDiff(fromId, toId, added, removed, addedDeletes, removedDeletes);
  }

  private Map<String, DataFile> deletesByPath(Snapshot s) {
    Map<String, DataFile> out = new LinkedHashMap<>();
    for (ManifestIO.Manifest m :
        ManifestIO.readList(core.operations().storage(), core.resolvePath(s.manifestList()))) {
      if (m.isDeletes()) {
        for (ManifestIO.DeleteEntry d :
            ManifestIO.liveDeleteEntries(
                core.operations().storage(), m, core.operations()::resolvePath)) {
          out.put(core.resolvePath(d.file.path()), d.file);
        }
      }
    }
    return out;
  }

  private Map<String, DataFile> liveByPath(Snapshot s) {
    Map<String, DataFile> out = new LinkedHashMap<>();
    for (DataFile f : core.reader().files(s)) {
      out.put(core.resolvePath(f.path()), f);
    }
    return out;
  }
}
