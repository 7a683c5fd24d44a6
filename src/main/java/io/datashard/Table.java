package io.datashard;

import io.datashard.internal.PartitionSpecs;
import io.datashard.internal.TableCore;
import io.datashard.internal.TableHistory;
import io.datashard.internal.meta.TableMetadata;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A table on a directory. Any number of threads and OS processes may use the same table at once:
 * every commit is atomic, and appends never lose or duplicate rows.
 *
 * <pre>{@code
 * Table t = DataShard.open(dir);
 * Snapshot s = t.newAppend().add(Map.of("id", 1L)).commit();
 * List<Row> now = t.scan().toList();
 * List<Row> then = t.scan().useSnapshot(s.snapshotId()).toList();
 * }</pre>
 *
 * <p>A {@code Table} object caches the version it last saw; {@link #refresh()} reloads it. Reads
 * ({@link #scan()}) and commits always start from the newest version.
 */
public final class Table {
  private final TableCore core;

  Table(TableCore core) {
    this.core = core;
  }

  /** The table directory. */
  public String location() {
    return core.location();
  }

  /** Reloads the newest version and returns this table. */
  public Table refresh() {
    core.refresh();
    return this;
  }

  /**
   * The current schema (it has no columns if the table was created without one and has no data
   * yet).
   */
  public Schema schema() {
    return core.metadata().schema();
  }

  /** The table's properties. */
  public Map<String, String> properties() {
    return core.metadata().properties();
  }

  /** The Iceberg table format version (2). */
  public int formatVersion() {
    return core.metadata().formatVersion();
  }

  /** The table's UUID, which stays the same for its whole life. */
  public String uuid() {
    return core.metadata().tableUuid();
  }

  /** The number N of the version last read ({@code metadata/vN.metadata.json}). */
  public int metadataVersion() {
    return core.metadata().version();
  }

  /** The location of the metadata file of the version last read. */
  public String metadataLocation() {
    return core.metadata().metadataFileLocation();
  }

  /** The id of the partition spec new data is written with. */
  public int partitionSpecId() {
    return core.metadata().spec().specId();
  }

  /** The current snapshot, empty when nothing was committed yet. */
  public Optional<Snapshot> currentSnapshot() {
    return Optional.ofNullable(core.refresh().currentSnapshot());
  }

  /** All retained snapshots, oldest first. */
  public List<Snapshot> snapshots() {
    return core.reader().snapshots();
  }

  /**
   * The snapshot with this id.
   *
   * @throws ValidationException if the table has no such (retained) snapshot
   */
  public Snapshot snapshot(long snapshotId) {
    return core.reader().snapshot(core.refresh(), snapshotId);
  }

  /**
   * The snapshot that was current at this instant.
   *
   * @throws ValidationException if the table had no snapshot yet at that time
   */
  public Snapshot snapshotAsOf(Instant instant) {
    return core.reader().snapshotAsOf(core.refresh(), instant.toEpochMilli());
  }

  /** Starts an append. */
  public Append newAppend() {
    return new Append(core);
  }

  /**
   * Starts an append written file by file, for appends too large for memory whose caller chooses
   * the file boundaries (see {@link StreamingAppend}).
   */
  public StreamingAppend newStreamingAppend() {
    return new StreamingAppend(core.appends().bulk());
  }

  /** Appends records (maps, Java records or rows) in one commit and returns its snapshot. */
  public Snapshot append(List<?> records) {
    return newAppend().addAll(records).commit();
  }

  /** Starts a read-modify-write transaction with options (attempts, idempotency key). */
  public TransactionRunner newTransaction() {
    return new TransactionRunner(core);
  }

  /**
   * Runs a serializable read-modify-write transaction with the default options and returns the
   * function's value. See {@link TransactionRunner}.
   */
  public <T> T transaction(Function<Transaction, T> body) {
    return newTransaction().run(body).value();
  }

  /**
   * Starts a read of the rows that commits inserted, deleted or updated between two snapshots (see
   * {@link ChangeScan}).
   */
  public ChangeScan changes() {
    return new ChangeScan(core);
  }

  /**
   * The change consumer of this name: a reader of changes with a durable cursor in the table (see
   * {@link ChangeConsumer}). A consumer that never committed starts from an empty table.
   */
  public ChangeConsumer consumer(String name) {
    return new ChangeConsumer(core, name);
  }

  /** The names of the change consumers that hold a cursor in this table, sorted. */
  public List<String> consumers() {
    return ChangeConsumer.names(core.refresh().refs().keySet());
  }

  /** Starts a scan of the current snapshot (or another, see {@link Scan}). */
  public Scan scan() {
    return new Scan(core);
  }

  /**
   * Starts a schema change (add, drop, rename, move, widen columns), committed with {@link
   * UpdateSchema#commit()}. Data files are not rewritten: they are read by field id.
   */
  public UpdateSchema updateSchema() {
    return new UpdateSchema(core);
  }

  /**
   * The table's partitioning for new data, as terms such as {@code day(ts)} or {@code bucket(16,
   * id)}; empty when unpartitioned.
   */
  public List<String> partitioning() {
    TableMetadata meta = core.metadata();
    return PartitionSpecs.terms(meta.spec(), meta.schema());
  }

  /**
   * Starts a change of the table's properties, committed with {@link UpdateProperties#commit()}.
   */
  public UpdateProperties updateProperties() {
    return new UpdateProperties(core);
  }

  /**
   * Starts a change of the partitioning of new data, committed with {@link
   * UpdatePartitioning#commit()}.
   */
  public UpdatePartitioning updatePartitioning() {
    return new UpdatePartitioning(core);
  }

  // ---------------------------------------------------------------- history: refs, rollback, diff

  /** The table's branches and tags by name: {@code main} first, then by name. */
  public Map<String, Ref> refs() {
    return new TableHistory(core).refs();
  }

  /** Creates, moves or removes the tag with this name (see {@link RefChange}). */
  public RefChange tag(String name) {
    return new RefChange(new TableHistory(core), name, false);
  }

  /** Creates, moves or removes the branch with this name (see {@link RefChange}). */
  public RefChange branch(String name) {
    return new RefChange(new TableHistory(core), name, true);
  }

  /**
   * Starts a rollback to an earlier snapshot, as a new commit; it expects the snapshot current now
   * to still be current when it commits (see {@link Rollback}).
   */
  public Rollback rollback() {
    return new Rollback(new TableHistory(core), core.refresh().currentSnapshotId());
  }

  /**
   * The data files added and removed between two retained snapshots, with their record counts.
   *
   * @throws ValidationException if either snapshot does not exist (any more)
   */
  public SnapshotDiff diff(long fromSnapshotId, long toSnapshotId) {
    return new TableHistory(core).diff(fromSnapshotId, toSnapshotId);
  }

  /** Starts a delete of the rows a filter matches (see {@link Delete}). */
  public Delete newDelete() {
    return new Delete(core, false);
  }

  /** Starts an overwrite: the rows a filter matches are replaced by new records, atomically. */
  public Delete newOverwrite() {
    return new Delete(core, true);
  }

  /**
   * Starts an upsert (merge by key): rows with a matching key are replaced, the others inserted.
   */
  public Upsert newUpsert() {
    return new Upsert(core);
  }

  /** Maintenance operations: expire snapshots, remove orphan files, compact, rewrite manifests. */
  public Maintenance maintenance() {
    return new Maintenance(core);
  }

  /**
   * How many commit attempts made through this object lost a race to another writer and were
   * retried (a measure of contention; retried commits are not duplicated).
   */
  public long conflictRetries() {
    return core.conflictRetries();
  }

  @Override
  public String toString() {
    return "Table(" + location() + ")";
  }
}
