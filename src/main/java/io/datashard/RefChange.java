package io.datashard;

import io.datashard.internal.TableHistory;
import java.time.Duration;

/**
 * Creates, moves or removes one tag or branch of a table, each in one commit. Made by {@link
 * Table#tag(String)} or {@link Table#branch(String)}.
 *
 * <pre>{@code
 * table.tag("v1").create();                              // tag main's current snapshot
 * table.tag("v1").snapshot(id).replace();                // create or move it
 * table.branch("dev").snapshot(id).minSnapshotsToKeep(5).create();
 * table.newAppend().toBranch("dev").add(row).commit();   // main does not change
 * table.tag("v1").remove();
 * }</pre>
 *
 * <p>A tag or branch keeps its snapshot (and a branch its first {@code min-snapshots-to-keep}
 * snapshots) from expiring, and with them their data files, until it is removed or moved.
 */
public final class RefChange {
  private final TableHistory history;
  private final String name;
  private final boolean branch;
  private Long snapshotId;
  private Integer minSnapshotsToKeep;
  private Long maxSnapshotAgeMs;
  private Long maxRefAgeMs;

  RefChange(TableHistory history, String name, boolean branch) {
    this.history = history;
    this.name = name;
    this.branch = branch;
  }

  /** Point at this snapshot (default: main's current snapshot). */
  public RefChange snapshot(long id) {
    this.snapshotId = id;
    return this;
  }

  /** Branches only: keep this many of the branch's snapshots (head first) through expiry. */
  public RefChange minSnapshotsToKeep(int n) {
    this.minSnapshotsToKeep = n;
    return this;
  }

  /** Branches only: keep the branch's snapshots younger than this through expiry. */
  public RefChange maxSnapshotAge(Duration age) {
    this.maxSnapshotAgeMs = age.toMillis();
    return this;
  }

  /** Remove the ref itself once its snapshot is older than this (default: never). */
  public RefChange maxRefAge(Duration age) {
    this.maxRefAgeMs = age.toMillis();
    return this;
  }

  /**
   * Creates the ref.
   *
   * @throws ValidationException if a ref of that name exists, or the snapshot does not
   */
  public Ref create() {
    return history.changeRef(
        name,
        branch,
        TableHistory.RefMode.CREATE,
        snapshotId,
        minSnapshotsToKeep,
        maxSnapshotAgeMs,
        maxRefAgeMs);
  }

  /**
   * Creates the ref, or moves an existing one of the same kind to the snapshot (with these
   * settings).
   *
   * @throws ValidationException if the snapshot does not exist, or the name belongs to the other
   *     kind
   */
  public Ref replace() {
    return history.changeRef(
        name,
        branch,
        TableHistory.RefMode.REPLACE,
        snapshotId,
        minSnapshotsToKeep,
        maxSnapshotAgeMs,
        maxRefAgeMs);
  }

  /**
   * Removes the ref; its snapshots then expire by the table's retention like any other.
   *
   * @return the ref as it was
   * @throws ValidationException if there is no such ref of this kind
   */
  public Ref remove() {
    return history.changeRef(name, branch, TableHistory.RefMode.REMOVE, null, null, null, null);
  }
}
