package io.datashard;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One committed version of a table's data: an immutable record of when it was made, by which
 * operation, from which parent, and where its manifest list is.
 */
public final class Snapshot {
  private final long snapshotId;
  private final Long parentId;
  private final long sequenceNumber;
  private final long timestampMillis;
  private final String manifestList;
  private final Map<String, String> summary;
  private final Integer schemaId;

  /** A snapshot value; {@code summary} should hold an {@code operation} key. */
  public Snapshot(
      long snapshotId,
      Long parentId,
      long sequenceNumber,
      long timestampMillis,
      String manifestList,
      Map<String, String> summary,
      Integer schemaId) {
    this.snapshotId = snapshotId;
    this.parentId = parentId;
    this.sequenceNumber = sequenceNumber;
    this.timestampMillis = timestampMillis;
    this.manifestList = Objects.requireNonNull(manifestList, "manifestList");
    this.summary = Collections.unmodifiableMap(new LinkedHashMap<>(summary));
    this.schemaId = schemaId;
  }

  /** The snapshot's id, unique within its table. */
  public long snapshotId() {
    return snapshotId;
  }

  /** The id of the snapshot this one was built on, or null for the first. */
  public Long parentId() {
    return parentId;
  }

  /** The table sequence number this snapshot was committed with. */
  public long sequenceNumber() {
    return sequenceNumber;
  }

  /** When the snapshot was committed, in milliseconds since the epoch. */
  public long timestampMillis() {
    return timestampMillis;
  }

  /** The location of the Avro manifest list that lists this snapshot's manifests. */
  public String manifestList() {
    return manifestList;
  }

  /** The operation that made this snapshot ({@code append}, {@code overwrite}, ...), or null. */
  public String operation() {
    return summary.get("operation");
  }

  /** The snapshot summary: the operation and counters such as {@code added-records}. */
  public Map<String, String> summary() {
    return summary;
  }

  /** The id of the schema current when this snapshot was committed, or null if not recorded. */
  public Integer schemaId() {
    return schemaId;
  }

  /** A summary counter as a long, or the fallback when absent or not a number. */
  public long summaryLong(String key, long fallback) {
    String v = summary.get(key);
    if (v == null) {
      return fallback;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Snapshot)) {
      return false;
    }
    Snapshot s = (Snapshot) o;
    return snapshotId == s.snapshotId
        && Objects.equals(parentId, s.parentId)
        && sequenceNumber == s.sequenceNumber
        && timestampMillis == s.timestampMillis
        && manifestList.equals(s.manifestList)
        && summary.equals(s.summary)
        && Objects.equals(schemaId, s.schemaId);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(snapshotId);
  }

  @Override
  public String toString() {
    return "Snapshot{id="
        + snapshotId
        + ", parent="
        + parentId
        + ", seq="
        + sequenceNumber
        + ", ts="
        + timestampMillis
        + ", operation="
        + operation()
        + "}";
  }
}
