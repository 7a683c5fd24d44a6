package io.datashard;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A named reference to a snapshot (an Iceberg "snapshot reference"): a <em>tag</em> names one
 * snapshot for good, a <em>branch</em> is a line of commits whose head moves with each commit to
 * it. The table's own history is the branch {@code main}. Every ref keeps the snapshot it names
 * from expiring, so it can be read by name ({@link Scan#useRef(String)}) until the ref is removed.
 *
 * <p>Optional retention settings, as the Iceberg spec defines them: {@link #maxRefAge()} (the ref
 * itself is removed once its snapshot is older than this; never for {@code main}), and for branches
 * {@link #minSnapshotsToKeep()} (how many snapshots of the branch, head first, are kept) and {@link
 * #maxSnapshotAge()} (ancestors younger than this are kept too).
 */
public final class Ref {
  private final String name;
  private final long snapshotId;
  private final boolean branch;
  private final Integer minSnapshotsToKeep;
  private final Long maxSnapshotAgeMs;
  private final Long maxRefAgeMs;

  /** A ref value (see {@link Table#refs()} for the refs of a table). */
  public Ref(
      String name,
      long snapshotId,
      boolean branch,
      Integer minSnapshotsToKeep,
      Long maxSnapshotAgeMs,
      Long maxRefAgeMs) {
    this.name = Objects.requireNonNull(name, "name");
    this.snapshotId = snapshotId;
    this.branch = branch;
    this.minSnapshotsToKeep = minSnapshotsToKeep;
    this.maxSnapshotAgeMs = maxSnapshotAgeMs;
    this.maxRefAgeMs = maxRefAgeMs;
  }

  /** The ref's name. */
  public String name() {
    return name;
  }

  /** The id of the snapshot the ref points to (a branch's head). */
  public long snapshotId() {
    return snapshotId;
  }

  /** True for a branch. */
  public boolean isBranch() {
    return branch;
  }

  /** True for a tag. */
  public boolean isTag() {
    return !branch;
  }

  /** {@code branch} or {@code tag}, as written in the table metadata. */
  public String type() {
    return branch ? "branch" : "tag";
  }

  /** For a branch: how many of its snapshots (head first) expiry keeps, if the ref sets it. */
  public Optional<Integer> minSnapshotsToKeep() {
    return Optional.ofNullable(minSnapshotsToKeep);
  }

  /** For a branch: ancestors younger than this are kept, if the ref sets it. */
  public Optional<Duration> maxSnapshotAge() {
    return Optional.ofNullable(maxSnapshotAgeMs).map(Duration::ofMillis);
  }

  /** The ref is removed once its snapshot is older than this, if the ref sets it. */
  public Optional<Duration> maxRefAge() {
    return Optional.ofNullable(maxRefAgeMs).map(Duration::ofMillis);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Ref)) {
      return false;
    }
    Ref r = (Ref) o;
    return name.equals(r.name)
        && snapshotId == r.snapshotId
        && branch == r.branch
        && Objects.equals(minSnapshotsToKeep, r.minSnapshotsToKeep)
        && Objects.equals(maxSnapshotAgeMs, r.maxSnapshotAgeMs)
        && Objects.equals(maxRefAgeMs, r.maxRefAgeMs);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Long.hashCode(snapshotId);
  }

  @Override
  public String toString() {
    return type() + " " + name + " -> " + snapshotId;
  }
}
