package io.datashard;

import io.datashard.internal.TableCore;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * A read of a table's rows at one snapshot: the current one by default, or any retained snapshot
 * by id or by time (time travel).
 *
 * <pre>{@code
 * long n = table.scan().count();
 * List<Row> old = table.scan().asOf(Instant.parse("2026-01-01T00:00:00Z")).select("id").toList();
 * }</pre>
 */
public final class Scan {
  private final TableCore core;
  private Long snapshotId;
  private Long asOfMillis;
  private String ref;
  private List<String> columns;
  // Set for scans inside a transaction: the scan is pinned to the transaction's snapshot (null for an
  // empty table) and tells the transaction when it reads.
  private final boolean pinned;
  private final Snapshot pinnedSnapshot;
  private final Runnable onRead;

  Scan(TableCore core) {
    this.core = core;
    this.pinned = false;
    this.pinnedSnapshot = null;
    this.onRead = () -> { };
  }

  Scan(TableCore core, Snapshot pinnedSnapshot, Runnable onRead) {
    this.core = core;
    this.pinned = true;
    this.pinnedSnapshot = pinnedSnapshot;
    this.onRead = onRead;
  }

  private Snapshot target() {
    if (pinned) {
      if (snapshotId != null || asOfMillis != null || ref != null) {
        throw new ValidationException("A scan inside a transaction reads the transaction's snapshot; "
            + "useSnapshot/asOf are not allowed there. Use table.scan() outside the transaction for time travel.");
      }
      onRead.run();
      return pinnedSnapshot;
    }
    if (ref != null) {
      return new io.datashard.internal.TableHistory(core).resolveRef(ref);
    }
    return core.resolve(snapshotId, asOfMillis);
  }

  /** Reads the snapshot a branch or tag points to (a branch's head); {@code main} is the current snapshot. */
  public Scan useRef(String name) {
    this.ref = java.util.Objects.requireNonNull(name, "name");
    this.snapshotId = null;
    this.asOfMillis = null;
    return this;
  }

  /** Reads the snapshot with this id. */
  public Scan useSnapshot(long id) {
    this.snapshotId = id;
    this.asOfMillis = null;
    this.ref = null;
    return this;
  }

  /** Reads the snapshot that was current at this instant. */
  public Scan asOf(Instant instant) {
    return asOfMillis(instant.toEpochMilli());
  }

  /** Reads the snapshot that was current at this time (milliseconds since the epoch). */
  public Scan asOfMillis(long millis) {
    this.asOfMillis = millis;
    this.snapshotId = null;
    this.ref = null;
    return this;
  }

  /** Reads only these top-level columns, in this order. */
  public Scan select(String... names) {
    this.columns = Arrays.asList(names);
    return this;
  }

  /** Reads only these top-level columns, in this order. */
  public Scan select(List<String> names) {
    this.columns = List.copyOf(names);
    return this;
  }

  /** The snapshot this scan reads, or null if the table has none. */
  public Snapshot snapshot() {
    return target();
  }

  /** The schema of the rows this scan returns. */
  public Schema schema() {
    return core.projection(target(), columns);
  }

  /** The rows, streamed from the data files; close the iterator when done. */
  public CloseableIterator<Row> iterator() {
    return core.scan(target(), columns);
  }

  /** All rows in a list. */
  public List<Row> toList() {
    return iterator().toList();
  }

  /** The number of rows, from the manifests' record counts (no data file is opened). */
  public long count() {
    return core.count(target());
  }

  /** The data files the scan reads. */
  public List<DataFile> files() {
    return core.files(target());
  }
}
