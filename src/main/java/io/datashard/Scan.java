package io.datashard;

import io.datashard.internal.TableCore;
import io.datashard.internal.TableHistory;
import io.datashard.internal.scan.FilteredScan;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A read of a table's rows at one snapshot: the current one by default, or any retained snapshot by
 * id or by time (time travel).
 *
 * <pre>{@code
 * long n = table.scan().count();
 * List<Row> old = table.scan().asOf(Instant.parse("2026-01-01T00:00:00Z")).select("id").toList();
 * List<Row> some = table.scan().filter("score > 0.5 and tag = 'x'").select("id").toList();
 * ScanReport r = table.scan().filter(Expressions.equal("tag", "x")).explain();
 * }</pre>
 *
 * <p>With a filter, data files whose manifest statistics (bounds, null and NaN counts) rule out
 * every match are skipped without being opened, Parquet row groups are skipped by their footer
 * statistics, and the remaining rows are tested exactly; see {@link Expressions} for what filters
 * mean.
 */
public final class Scan {
  private final TableCore core;
  private Long snapshotId;
  private Long asOfMillis;
  private String ref;
  private List<String> columns;
  private int threads = 1;
  private Expression filter;
  private Consumer<ScanReport> reporter;
  // Set for scans inside a transaction: the scan is pinned to the transaction's snapshot (null for
  // an
  // empty table) and tells the transaction when it reads.
  private final boolean pinned;
  private final Snapshot pinnedSnapshot;
  private final Runnable onRead;

  Scan(TableCore core) {
    this.core = core;
    this.pinned = false;
    this.pinnedSnapshot = null;
    this.onRead = () -> {};
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
        throw new ValidationException(
            "A scan inside a transaction reads the transaction's snapshot; "
                + "useSnapshot/asOf are not allowed there. Use table.scan() outside the transaction for time travel.");
      }
      onRead.run();
      return pinnedSnapshot;
    }
    if (ref != null) {
      return new TableHistory(core).resolveRef(ref);
    }
    return core.reader().resolve(snapshotId, asOfMillis);
  }

  /**
   * Reads the snapshot a branch or tag points to (a branch's head); {@code main} is the current
   * snapshot.
   */
  public Scan useRef(String name) {
    this.ref = Objects.requireNonNull(name, "name");
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

  /**
   * Returns only the rows the filter is true for. Called again, the filters are combined with and.
   * The filter may use columns that {@link #select} leaves out.
   *
   * @throws ValidationException (when the scan runs) if the filter names an unknown column or
   *     compares a column with a value of another type
   */
  public Scan filter(Expression expression) {
    if (expression == null) {
      throw new ValidationException(
          "Scan.filter was given a null filter; pass an Expression, or "
              + "Expressions.alwaysTrue() for none.");
    }
    this.filter = filter == null ? expression : Expressions.and(filter, expression);
    return this;
  }

  /**
   * Returns only the rows the filter is true for; the filter is in the text form of {@link
   * Expressions#parse(String)}, such as {@code "score > 0.5 and tag = 'x'"}.
   *
   * @throws ValidationException if the text is not a valid filter
   */
  public Scan filter(String expression) {
    return filter(Expressions.parse(expression));
  }

  /** The filter of this scan ({@link Expressions#alwaysTrue()} when none). */
  public Expression filter() {
    return filter == null ? Expressions.alwaysTrue() : filter;
  }

  /**
   * Hands a {@link ScanReport} to the consumer each time a read of this scan ends: when an iterator
   * is exhausted or closed, or a count is done.
   */
  public Scan reportTo(Consumer<ScanReport> consumer) {
    this.reporter = consumer;
    return this;
  }

  /**
   * Runs the scan to the end, discarding the rows, and reports what it read: files considered,
   * pruned and opened, row groups skipped, rows read and matched.
   */
  public ScanReport explain() {
    ScanReport[] out = new ScanReport[1];
    try (CloseableIterator<Row> rows = planned().rows(r -> out[0] = r)) {
      while (rows.hasNext()) {
        rows.next();
      }
    }
    if (reporter != null) {
      reporter.accept(out[0]);
    }
    return out[0];
  }

  private FilteredScan planned() {
    return new FilteredScan(core.reader(), target(), columns, filter);
  }

  private boolean plain() {
    return filter == null && reporter == null;
  }

  /** The snapshot this scan reads, or null if the table has none. */
  public Snapshot snapshot() {
    return target();
  }

  /** The schema of the rows this scan returns. */
  public Schema schema() {
    return core.reader().projection(target(), columns);
  }

  /**
   * Reads up to {@code threads} data files at once on a thread pool (default 1: one after the
   * other). Rows still come in the same order; memory grows with the number of files open at once
   * (each buffers a few thousand rows ahead), not with the table. Applies to scans without a
   * filter.
   */
  public Scan parallelism(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("parallelism must be at least 1, got " + threads);
    }
    this.threads = threads;
    return this;
  }

  /** The rows, streamed from the data files; close the iterator when done. */
  public CloseableIterator<Row> iterator() {
    if (plain()) {
      return core.reader().scan(target(), columns, threads);
    }
    return planned().rows(reporter == null ? r -> {} : reporter);
  }

  /** All rows in a list. */
  public List<Row> toList() {
    return iterator().toList();
  }

  /**
   * The number of rows: without a filter from the manifests' record counts (no data file is
   * opened); with one, exactly, by reading the files that pruning leaves (only the columns the
   * filter needs).
   */
  public long count() {
    if (plain()) {
      return core.reader().count(target());
    }
    FilteredScan scan = new FilteredScan(core.reader(), target(), filterColumns(), filter);
    long n = scan.count();
    if (reporter != null) {
      reporter.accept(scan.report());
    }
    return n;
  }

  // A count returns no column: read only what the filter needs.
  private List<String> filterColumns() {
    return List.of();
  }

  /**
   * The data files the scan reads: all live files, or with a filter those its statistics do not
   * rule out.
   */
  public List<DataFile> files() {
    if (filter == null) {
      return core.reader().files(target());
    }
    return planned().files();
  }
}
