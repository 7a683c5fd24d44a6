package io.datashard.internal.meta;

import java.util.Objects;

/** A named reference to a snapshot: a branch (such as {@code main}) or a tag. */
public final class SnapshotRef {
  public static final String MAIN = "main";

  private final long snapshotId;
  private final String type;
  private final Integer minSnapshotsToKeep;
  private final Long maxSnapshotAgeMs;
  private final Long maxRefAgeMs;

  public SnapshotRef(
      long snapshotId,
      String type,
      Integer minSnapshotsToKeep,
      Long maxSnapshotAgeMs,
      Long maxRefAgeMs) {
    this.snapshotId = snapshotId;
    this.type = Objects.requireNonNull(type, "type");
    this.minSnapshotsToKeep = minSnapshotsToKeep;
    this.maxSnapshotAgeMs = maxSnapshotAgeMs;
    this.maxRefAgeMs = maxRefAgeMs;
  }

  public static SnapshotRef branch(long snapshotId) {
    return new SnapshotRef(snapshotId, "branch", null, null, null);
  }

  public long snapshotId() {
    return snapshotId;
  }

  /** {@code branch} or {@code tag}. */
  public String type() {
    return type;
  }

  public boolean isBranch() {
    return type.equals("branch");
  }

  public Integer minSnapshotsToKeep() {
    return minSnapshotsToKeep;
  }

  public Long maxSnapshotAgeMs() {
    return maxSnapshotAgeMs;
  }

  public Long maxRefAgeMs() {
    return maxRefAgeMs;
  }

  /** This ref pointing at another snapshot, retention settings kept. */
  public SnapshotRef withSnapshot(long id) {
    return new SnapshotRef(id, type, minSnapshotsToKeep, maxSnapshotAgeMs, maxRefAgeMs);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof SnapshotRef)) {
      return false;
    }
    SnapshotRef r = (SnapshotRef) o;
    return snapshotId == r.snapshotId
        && type.equals(r.type)
        && Objects.equals(minSnapshotsToKeep, r.minSnapshotsToKeep)
        && Objects.equals(maxSnapshotAgeMs, r.maxSnapshotAgeMs)
        && Objects.equals(maxRefAgeMs, r.maxRefAgeMs);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(snapshotId) * 31 + type.hashCode();
  }
}
