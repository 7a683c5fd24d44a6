package io.datashard.internal;

import io.datashard.CloseableIterator;
import io.datashard.CommitConflictException;
import io.datashard.CommitStateUnknownException;
import io.datashard.CorruptTableException;
import io.datashard.DataFile;
import io.datashard.DataShardException;
import io.datashard.FileFormat;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.TableOptions;
import io.datashard.TableProperties;
import io.datashard.ValidationException;
import io.datashard.internal.meta.PartitionSpec;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.storage.LocalStorage;
import io.datashard.storage.Locations;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The implementation behind {@link io.datashard.Table}: appends, snapshots and scans. */
public final class TableCore {
  private static final Logger LOG = LoggerFactory.getLogger(TableCore.class);

  private final TableOperations ops;
  private final Storage storage;
  private final TableOptions options;
  private final java.util.concurrent.atomic.AtomicLong conflictRetries =
      new java.util.concurrent.atomic.AtomicLong();
  private final GroupCommit group;

  private TableCore(TableOperations ops, TableOptions options) {
    this.ops = ops;
    this.storage = ops.storage();
    this.options = options;
    this.group = new GroupCommit(this, ops.metadataDir());
  }

  private static String rootOf(Path dir) {
    return dir.toAbsolutePath().normalize().toString();
  }

  /** Creates a table; fails if one exists. */
  public static TableCore create(
      Path dir, Schema schema, Map<String, String> properties, TableOptions options) {
    return create(dir, schema, properties, options, List.of());
  }

  /**
   * Creates a table partitioned by {@code partitionTerms} (see {@link Transforms#parseTerm}); fails
   * if one exists.
   */
  public static TableCore create(
      Path dir,
      Schema schema,
      Map<String, String> properties,
      TableOptions options,
      List<String> partitionTerms) {
    String root = rootOf(dir);
    TableOperations ops = new TableOperations(new LocalStorage(options.durable()), root);
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new ValidationException(
          "Cannot create a table at " + root + ": it is a file, not a directory");
    }
    if (ops.exists()) {
      throw new ValidationException(
          "Cannot create a table at "
              + root
              + ": a table already exists there. "
              + "Open it instead, or choose another directory.");
    }
    TableMetadata initial = initialMetadata(root, schema, properties, partitionTerms);
    try {
      ops.commit(null, initial);
    } catch (CommitConflictException e) {
      throw new ValidationException(
          "Cannot create a table at "
              + root
              + ": another process created it at "
              + "the same moment. Open it instead.",
          e);
    }
    return new TableCore(ops, options);
  }

  /** Opens an existing table. */
  public static TableCore open(Path dir, TableOptions options) {
    return open(new LocalStorage(options.durable()), dir, options);
  }

  /** Opens an existing table through a given storage (tests use fault-injecting ones). */
  public static TableCore open(Storage storage, Path dir, TableOptions options) {
    TableOperations ops = new TableOperations(storage, rootOf(dir));
    ops.refresh();
    return new TableCore(ops, options);
  }

  /** Opens a table, creating it if absent; safe when processes race to create it. */
  public static TableCore openOrCreate(
      Path dir, Schema schema, Map<String, String> properties, TableOptions options) {
    return openOrCreate(dir, schema, properties, options, List.of());
  }

  /** Opens a table, creating it partitioned by {@code partitionTerms} if absent. */
  public static TableCore openOrCreate(
      Path dir,
      Schema schema,
      Map<String, String> properties,
      TableOptions options,
      List<String> partitionTerms) {
    String root = rootOf(dir);
    TableOperations ops = new TableOperations(new LocalStorage(options.durable()), root);
    if (!ops.exists()) {
      try {
        ops.commit(null, initialMetadata(root, schema, properties, partitionTerms));
      } catch (CommitConflictException e) {
        // another process created it first: fine
      }
    }
    ops.refresh();
    return new TableCore(ops, options);
  }

  static TableMetadata initialMetadata(String root, Schema schema, Map<String, String> properties) {
    return initialMetadata(root, schema, properties, List.of());
  }

  static TableMetadata initialMetadata(
      String root, Schema schema, Map<String, String> properties, List<String> partitionTerms) {
    Schema s = schema == null ? new Schema(0, List.of()) : schema.withSchemaId(0);
    PartitionSpec spec = PartitionSpec.unpartitioned();
    if (!partitionTerms.isEmpty()) {
      if (s.columns().isEmpty()) {
        throw new ValidationException(
            "Cannot partition table "
                + root
                + " by "
                + partitionTerms
                + ": it has no "
                + "schema yet. Create it with a schema to partition it.");
      }
      spec = PartitionSpecs.of(0, s, partitionTerms, PartitionSpec.FIRST_FIELD_ID - 1);
    }
    Map<String, String> props = new LinkedHashMap<>();
    props.put(TableProperties.DEFAULT_FILE_FORMAT, TableProperties.DEFAULT_FILE_FORMAT_DEFAULT);
    props.put(TableProperties.PARQUET_COMPRESSION, TableProperties.PARQUET_COMPRESSION_DEFAULT);
    props.putAll(properties);
    long now = System.currentTimeMillis();
    return TableMetadata.builder()
        .formatVersion(2)
        .tableUuid(UUID.randomUUID().toString())
        .location(root)
        .lastSequenceNumber(0)
        .lastUpdatedMillis(now)
        .lastColumnId(s.highestFieldId())
        .schemas(List.of(s))
        .currentSchemaId(0)
        .specs(List.of(spec))
        .defaultSpecId(0)
        .lastPartitionId(spec.lastAssignedFieldId())
        .sortOrders(List.of(unsortedOrder()))
        .defaultSortOrderId(0)
        .properties(props)
        .build();
  }

  private static com.fasterxml.jackson.databind.JsonNode unsortedOrder() {
    com.fasterxml.jackson.databind.node.ObjectNode n =
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    n.put("order-id", 0);
    n.putArray("fields");
    return n;
  }

  public String location() {
    return ops.root();
  }

  /** Commit attempts retried after losing a race, since this object was made. */
  public long conflictRetries() {
    return conflictRetries.get();
  }

  /** The last loaded version. */
  public TableMetadata metadata() {
    return ops.current();
  }

  public TableMetadata refresh() {
    return ops.refresh();
  }

  public List<Snapshot> snapshots() {
    List<Snapshot> list = new ArrayList<>(refresh().snapshots());
    list.sort(
        Comparator.comparingLong(Snapshot::sequenceNumber)
            .thenComparingLong(Snapshot::timestampMillis));
    return list;
  }

  public Snapshot snapshot(TableMetadata meta, long id) {
    Snapshot s = meta.snapshot(id);
    if (s == null) {
      throw new ValidationException(
          "Table "
              + location()
              + " has no snapshot "
              + id
              + ": it never existed or "
              + "has expired. List the retained snapshots with Table.snapshots() or 'datashard snapshots'.");
    }
    return s;
  }

  public Snapshot snapshotAsOf(TableMetadata meta, long millis) {
    Long found = null;
    for (TableMetadata.SnapshotLogEntry e : meta.snapshotLog()) {
      if (e.timestampMillis() <= millis && meta.snapshot(e.snapshotId()) != null) {
        found = e.snapshotId();
      }
    }
    if (found == null) {
      String oldest =
          meta.snapshotLog().isEmpty()
              ? "the table has no snapshots yet"
              : "the oldest retained snapshot is from "
                  + java.time.Instant.ofEpochMilli(meta.snapshotLog().get(0).timestampMillis());
      throw new ValidationException(
          "Table "
              + location()
              + " had no snapshot at or before "
              + java.time.Instant.ofEpochMilli(millis)
              + ": "
              + oldest
              + ". Choose a later time.");
    }
    return meta.snapshot(found);
  }

  /** The snapshot a scan reads: by id, by time, or the current one (null if none). */
  public Snapshot resolve(Long snapshotId, Long asOfMillis) {
    TableMetadata meta = refresh();
    if (snapshotId != null) {
      return snapshot(meta, snapshotId);
    }
    if (asOfMillis != null) {
      return snapshotAsOf(meta, asOfMillis);
    }
    return meta.currentSnapshot();
  }

  /** The schema rows of this snapshot are read with, narrowed to the columns (null: all). */
  public Schema projection(Snapshot snapshot, List<String> columns) {
    TableMetadata meta = ops.current();
    Schema schema = meta.schema();
    // The current snapshot reads under the current schema (which a schema change may have made
    // newer
    // than the snapshot's); time travel reads under the schema each snapshot was written with.
    if (snapshot != null
        && snapshot.schemaId() != null
        && meta.schema(snapshot.schemaId()) != null
        && !java.util.Objects.equals(snapshot.snapshotId(), meta.currentSnapshotId())) {
      schema = meta.schema(snapshot.schemaId());
    }
    return columns == null ? schema : schema.select(columns);
  }

  // ------------------------------------------------------------------ reading

  /** The live data files of a snapshot. */
  public List<DataFile> files(Snapshot snapshot) {
    List<DataFile> out = new ArrayList<>();
    if (snapshot == null) {
      return out;
    }
    for (ManifestIO.Entry e : liveEntries(snapshot)) {
      out.add(e.file);
    }
    return out;
  }

  /** The live entries of the snapshot read last, by its manifest list's location. */
  private static final class SnapshotEntries {
    final String manifestList;
    final List<ManifestIO.Entry> entries;

    SnapshotEntries(String manifestList, List<ManifestIO.Entry> entries) {
      this.manifestList = manifestList;
      this.entries = entries;
    }
  }

  /** Snapshots with more live files than this are not kept in memory between reads. */
  private static final int CACHED_ENTRIES_MAX = 10_000;

  private volatile SnapshotEntries lastEntries;

  /**
   * The live entries of a snapshot. Those of the snapshot read last are kept: a manifest list and
   * its manifests never change once written, and a transaction reads the same snapshot to scan it
   * and again to replace its files.
   */
  List<ManifestIO.Entry> liveEntries(Snapshot snapshot) {
    String list = resolvePath(snapshot.manifestList());
    SnapshotEntries cached = lastEntries;
    if (cached != null && cached.manifestList.equals(list)) {
      return cached.entries;
    }
    List<ManifestIO.Entry> out = new ArrayList<>();
    for (ManifestIO.Manifest m : ManifestIO.readList(storage, list)) {
      if (m.isDeletes()) {
        throw new DataShardException(
            "Snapshot "
                + snapshot.snapshotId()
                + " of table "
                + location()
                + " has delete files (row-level deletes), which this version of DataShard cannot apply yet. "
                + "Read it with Apache Iceberg, or compact the table there first.");
      }
      out.addAll(ManifestIO.liveEntries(storage, m, this::resolvePath));
    }
    List<ManifestIO.Entry> entries = java.util.Collections.unmodifiableList(out);
    if (entries.size() <= CACHED_ENTRIES_MAX) {
      lastEntries = new SnapshotEntries(list, entries);
    }
    return entries;
  }

  public long count(Snapshot snapshot) {
    long n = 0;
    for (DataFile f : files(snapshot)) {
      n += f.recordCount();
    }
    return n;
  }

  public CloseableIterator<Row> scan(Snapshot snapshot, List<String> columns) {
    return readFiles(files(snapshot), projection(snapshot, columns));
  }

  /**
   * The rows of a snapshot, with up to {@code threads} data files read at once (rows still come in
   * file order, as from {@link #scan(Snapshot, List)}; see {@link ParallelRows}).
   */
  public CloseableIterator<Row> scan(Snapshot snapshot, List<String> columns, int threads) {
    List<DataFile> files = files(snapshot);
    Schema projection = projection(snapshot, columns);
    if (threads <= 1 || files.size() <= 1) {
      return readFiles(files, projection);
    }
    List<java.util.function.Supplier<CloseableIterator<Row>>> sources = new ArrayList<>();
    for (DataFile f : files) {
      sources.add(() -> DataFileIO.read(storage, resolvePath(f.path()), f.format(), projection));
    }
    return new ParallelRows<>(sources, Math.min(threads, files.size()));
  }

  /**
   * The rows of data files one file after the other, read with one projection; one file open at a
   * time.
   */
  CloseableIterator<Row> readFiles(List<DataFile> dataFiles, Schema projection) {
    Iterator<DataFile> files = dataFiles.iterator();
    return new CloseableIterator<Row>() {
      private CloseableIterator<Row> current;

      @Override
      public boolean hasNext() {
        while (current == null || !current.hasNext()) {
          if (current != null) {
            current.close();
            current = null;
          }
          if (!files.hasNext()) {
            return false;
          }
          DataFile f = files.next();
          current = DataFileIO.read(storage, resolvePath(f.path()), f.format(), projection);
        }
        return true;
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return current.next();
      }

      @Override
      public void close() {
        if (current != null) {
          current.close();
          current = null;
        }
      }
    };
  }

  /**
   * Maps a location recorded in metadata to one this process can open: {@code file:} URIs are
   * handled by the storage; locations under the recorded table location are rebased onto the
   * directory the table was opened at, so a moved or copied table still reads.
   */
  public String resolvePath(String recorded) {
    String path = Locations.stripFileScheme(recorded);
    String recordedRoot = Locations.stripFileScheme(ops.current().location());
    if (recordedRoot.endsWith("/")) {
      recordedRoot = recordedRoot.substring(0, recordedRoot.length() - 1);
    }
    if (!recordedRoot.equals(ops.root()) && path.startsWith(recordedRoot + "/")) {
      return ops.root() + path.substring(recordedRoot.length());
    }
    return path;
  }

  /** The storage data files are read through (for filtered scans). */
  Storage storage() {
    return storage;
  }

  // ------------------------------------------------------------------ appending

  /** Files written for an append, ready to commit: the data files and the manifest listing them. */
  public static final class Staged {
    final Schema schema;
    final boolean inferredSchema;
    final long snapshotId;
    final List<DataFile> files;
    final ManifestIO.Manifest manifest;
    final List<String> written;
    // When the change replaces the whole table: every file of the base snapshot, marked deleted.
    final boolean replacesAll;
    final List<ManifestIO.Manifest> deleteManifests;
    final long deletedFiles;
    final long deletedRecords;
    final long deletedBytes;
    final Long basedOnSnapshotId;

    /**
     * Table properties the commit sets when the base has none of that key (e.g. a name mapping).
     */
    final Map<String, String> defaultProperties = new LinkedHashMap<>();

    /**
     * Finishes the staged files (and the commit's manifest list) in the background until settled.
     */
    final BackgroundPublisher publisher;

    Staged(
        Schema schema,
        boolean inferredSchema,
        long snapshotId,
        List<DataFile> files,
        ManifestIO.Manifest manifest,
        List<String> written,
        boolean replacesAll,
        List<ManifestIO.Manifest> deleteManifests,
        List<DataFile> deleted,
        Long basedOnSnapshotId,
        BackgroundPublisher publisher) {
      this.publisher = publisher;
      this.basedOnSnapshotId = basedOnSnapshotId;
      this.schema = schema;
      this.inferredSchema = inferredSchema;
      this.snapshotId = snapshotId;
      this.files = files;
      this.manifest = manifest;
      this.written = written;
      this.replacesAll = replacesAll;
      this.deleteManifests = List.copyOf(deleteManifests);
      long records = 0;
      long bytes = 0;
      for (DataFile f : deleted) {
        records += f.recordCount();
        bytes += f.fileSizeInBytes();
      }
      this.deletedFiles = deleted.size();
      this.deletedRecords = records;
      this.deletedBytes = bytes;
    }
  }

  /** What a commit may be rebased onto when another writer commits first. */
  public interface RebasePolicy {
    /** Throws {@link ReadConflict} if the change cannot move onto {@code newBase}. */
    void check(TableMetadata newBase);
  }

  /** A transaction's reads are stale: the table changed under them. Internal: triggers a re-run. */
  public static final class ReadConflict extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ReadConflict(String message) {
      super(message, null, false, false);
    }
  }

  /** Blind appends: any new base is fine. */
  public static final RebasePolicy BLIND = newBase -> {};

  /** Serializable: only a base whose current snapshot is the one that was read. */
  public static RebasePolicy requireSnapshot(Long readSnapshotId) {
    return newBase -> {
      if (!java.util.Objects.equals(newBase.currentSnapshotId(), readSnapshotId)) {
        throw new ReadConflict(
            "snapshot "
                + readSnapshotId
                + " was read, but "
                + newBase.currentSnapshotId()
                + " is now current");
      }
    };
  }

  /**
   * Idempotency tag of a commit: the table records the highest sequence committed per application
   * id.
   */
  public static final class IdempotencyKey {
    final String appId;
    final long sequence;

    public IdempotencyKey(String appId, long sequence) {
      if (appId == null || appId.isBlank()) {
        throw new ValidationException("An idempotency application id must not be empty");
      }
      this.appId = appId;
      this.sequence = sequence;
    }

    String property() {
      return TableProperties.IDEMPOTENCY_PREFIX + appId;
    }

    /**
     * True if {@code meta} already holds a commit with this (or a later) sequence for this
     * application.
     */
    public boolean appliedIn(TableMetadata meta) {
      String v = meta.properties().get(property());
      if (v == null) {
        return false;
      }
      try {
        return Long.parseLong(v) >= sequence;
      } catch (NumberFormatException e) {
        return false;
      }
    }
  }

  /** Thrown when an idempotent commit finds its tag already in the table. */
  public static final class AlreadyApplied extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AlreadyApplied() {
      super(null, null, false, false);
    }
  }

  /**
   * Appends records in one atomic commit. With group commit on (table property {@code
   * datashard.commit.group.enabled}, default true) concurrent appends from any threads and
   * processes may share one snapshot; see {@link GroupCommit}. Appends of more than {@link
   * #GROUP_MAX_ROWS} rows (default {@value #DEFAULT_GROUP_MAX_ROWS}) commit on their own: sharing
   * saves little there, and queueing would copy all their rows once more.
   */
  public Snapshot append(List<Object> records, Map<String, String> extraSummary) {
    return append(records, List.of(), extraSummary, null);
  }

  /**
   * Appends records, written in {@code format} (null: the table's {@code write.format.default}),
   * and data files written elsewhere (checked by {@link DataFileRegistration}) in one atomic
   * commit. Only appends of records in the table's default format take part in group commit.
   */
  public Snapshot append(
      List<Object> records,
      List<DataFile> registered,
      Map<String, String> extraSummary,
      FileFormat format) {
    TableMetadata known = ops.current();
    if (registered.isEmpty()
        && (format == null
            || known != null && format == DataFileIO.defaultFormat(known.properties()))
        && known != null
        && GroupCommit.enabled(known)
        && !known.schema().columns().isEmpty()
        && records.size()
            <= known.propertyLong(
                TableProperties.GROUP_COMMIT_MAX_ROWS,
                TableProperties.GROUP_COMMIT_MAX_ROWS_DEFAULT)) {
      Schema schema = known.schema();
      List<Row> rows = convert(schema, records, false);
      Snapshot s = group.append(schema, rows, extraSummary);
      if (s != null) {
        return s;
      }
      // the schema changed since this table object read it: convert again against the new one
    }
    TableMetadata base = ops.refresh();
    Staged staged;
    if (registered.isEmpty()) {
      staged = stage(base, records, false, format);
    } else {
      if (base.schema().columns().isEmpty()) {
        throw new ValidationException(
            "Cannot add data files to table "
                + location()
                + ": it has no schema yet, "
                + "so the files cannot be checked against one. Create the table with a schema first.");
      }
      List<DataFile> checked = new ArrayList<>();
      boolean byName = false;
      java.util.Set<String> seen = new java.util.HashSet<>();
      DataFileRegistration r = new DataFileRegistration(this, base);
      for (DataFile f : registered) {
        if (!seen.add(f.path())) {
          throw new ValidationException(
              "Cannot add data file "
                  + f.path()
                  + " to table "
                  + location()
                  + ": it is given twice in one append (its rows would be duplicated). Add each file once.");
        }
        checked.add(r.check(f));
        byName |= r.matchedByName();
      }
      staged =
          stageRows(
              base,
              base.schema(),
              false,
              convert(base.schema(), records, true),
              false,
              format,
              checked);
      if (byName) {
        // files without field ids: tell other Iceberg readers to map their columns by name
        staged.defaultProperties.put(TableProperties.NAME_MAPPING, NameMapping.json(base.schema()));
      }
    }
    return commitStaged(base, staged, extraSummary, BLIND, null);
  }

  /** Rows a streamed append to a partitioned table holds at a time (split per partition). */
  public static final long STREAM_PARTITIONED_CHUNK = 100_000;

  /**
   * Appends the records an iterator yields, converted and written into Parquet data files while
   * they are read (files of at most {@value #STREAM_ROWS_PER_FILE} rows, default {@value
   * #DEFAULT_STREAM_ROWS_PER_FILE}), and committed in one snapshot: memory holds one file's writer
   * (and, in a partitioned table, up to {@value #STREAM_PARTITIONED_CHUNK} rows), not all the
   * records. A table without a schema yet, or whose files are not Parquet, takes the records into
   * memory and appends them the ordinary way. If a record does not fit the schema, the files
   * written so far are removed and nothing is committed.
   */
  public Snapshot appendStream(Iterator<?> records, Map<String, String> extraSummary) {
    try (BulkAppend bulk = new BulkAppend(this)) { // reads the newest version once
      TableMetadata known = bulk.base();
      if (bulk.needsSchema()
          || DataFileIO.defaultFormat(known.properties()) != FileFormat.PARQUET) {
        List<Object> all = new ArrayList<>();
        records.forEachRemaining(all::add);
        return append(all, List.of(), extraSummary, null); // (the bulk append wrote nothing)
      }
      io.datashard.Types.StructType type = bulk.schema().asStruct();
      long[] index = {0};
      Iterator<Row> rows =
          new Iterator<>() {
            @Override
            public boolean hasNext() {
              return records.hasNext();
            }

            @Override
            public Row next() {
              return RecordConverter.toRow(type, records.next(), index[0]++);
            }
          };
      long perFile =
          Math.max(
              1,
              known.propertyLong(
                  TableProperties.STREAM_ROWS_PER_FILE,
                  TableProperties.STREAM_ROWS_PER_FILE_DEFAULT));
      if (bulk.partitioned()) {
        perFile = Math.min(perFile, STREAM_PARTITIONED_CHUNK);
      }
      while (rows.hasNext()) {
        bulk.writeFile(limit(rows, perFile));
      }
      if (bulk.files().isEmpty()) {
        throw new ValidationException(
            "Nothing to append: the records' iterator yielded none, so nothing was " + "committed");
      }
      return bulk.commit(extraSummary);
    }
  }

  /** At most {@code n} more elements of {@code it}. */
  private static <T> Iterator<T> limit(Iterator<T> it, long n) {
    return new Iterator<>() {
      long left = n;

      @Override
      public boolean hasNext() {
        return left > 0 && it.hasNext();
      }

      @Override
      public T next() {
        if (left <= 0) {
          throw new NoSuchElementException();
        }
        left--;
        return it.next();
      }
    };
  }

  /** The table's operations (metadata versions and storage), for group commit and maintenance. */
  TableOperations operations() {
    return ops;
  }

  static List<Row> convert(Schema schema, List<?> records, boolean allowEmpty) {
    if (records.isEmpty() && !allowEmpty) {
      throw new ValidationException("Nothing to append: add at least one record before commit()");
    }
    List<Row> rows = new ArrayList<>(records.size());
    for (int i = 0; i < records.size(); i++) {
      rows.add(RecordConverter.toRow(schema.asStruct(), records.get(i), i));
    }
    return rows;
  }

  /** Converts and writes records as new files (nothing is visible until committed). */
  public Staged stage(TableMetadata base, List<?> records) {
    return stage(base, records, false);
  }

  /**
   * Converts and writes records as new files; with {@code replaceAll}, also marks every file of the
   * base snapshot deleted (the commit must then land on that same snapshot).
   */
  public Staged stage(TableMetadata base, List<?> records, boolean replaceAll) {
    return stage(base, records, replaceAll, null);
  }

  private Staged stage(TableMetadata base, List<?> records, boolean replaceAll, FileFormat format) {
    if (records.isEmpty() && !replaceAll) {
      throw new ValidationException("Nothing to append: add at least one record before commit()");
    }
    Schema schema = base.schema();
    boolean inferred = false;
    if (schema.columns().isEmpty() && !records.isEmpty()) {
      schema = SchemaInference.infer(records);
      inferred = true;
    }
    return stageRows(
        base, schema, inferred, convert(schema, records, true), replaceAll, format, List.of());
  }

  /**
   * Writes rows already converted to {@code schema} as new files (nothing is visible until
   * committed).
   */
  Staged stageRows(
      TableMetadata base, Schema schema, boolean inferred, List<Row> rows, boolean replaceAll) {
    return stageRows(base, schema, inferred, rows, replaceAll, null, List.of());
  }

  /**
   * Writes rows as a new file in {@code format} (null: the table's default) and stages it with
   * {@code registered} files written elsewhere (never deleted on failure: they are not ours).
   */
  private Staged stageRows(
      TableMetadata base,
      Schema schema,
      boolean inferred,
      List<Row> rows,
      boolean replaceAll,
      FileFormat format,
      List<DataFile> registered) {
    long snapshotId = newSnapshotId();
    List<String> written = new ArrayList<>();
    FileFormat fileFormat = format != null ? format : DataFileIO.defaultFormat(base.properties());
    PartitionSpec appendSpec = base.spec();
    // each file is forced and linked while the next is written; the commit waits for all of them
    BackgroundPublisher out = BackgroundPublisher.over(storage);
    try {
      List<DataFile> files = new ArrayList<>();
      ManifestIO.Manifest manifest = null;
      if (!rows.isEmpty()) {
        files.addAll(writeDataFiles(out, base, schema, rows, written, fileFormat));
      }
      files.addAll(registered);
      List<ManifestIO.Manifest> deletes = new ArrayList<>();
      List<DataFile> deleted = new ArrayList<>();
      Snapshot current = base.currentSnapshot();
      // one manifest of deleted entries per partition spec the files were written under
      Map<Integer, List<ManifestIO.Entry>> bySpec = new LinkedHashMap<>();
      if (replaceAll && current != null) {
        for (ManifestIO.Entry e : liveEntries(current)) {
          deleted.add(e.file);
          bySpec.computeIfAbsent(e.file.specId(), k -> new ArrayList<>()).add(e);
        }
      }
      if (!files.isEmpty()) {
        String manifestLocation =
            ops.metadataDir() + "/" + FileNames.manifest(FileNames.ManifestKind.ADDED);
        written.add(manifestLocation);
        List<ManifestIO.Entry> sameSpec =
            bySpec.size() == 1 ? bySpec.get(appendSpec.specId()) : null;
        if (sameSpec != null) {
          // the replaced files go in the same manifest as the new ones
          manifest =
              ManifestIO.writeReplacing(
                  out, manifestLocation, schema, appendSpec, snapshotId, files, sameSpec);
          bySpec.clear();
        } else {
          manifest =
              ManifestIO.writeAdded(out, manifestLocation, schema, appendSpec, snapshotId, files);
        }
      }
      for (Map.Entry<Integer, List<ManifestIO.Entry>> group : bySpec.entrySet()) {
        PartitionSpec spec = base.spec(group.getKey());
        if (spec == null) {
          throw new CorruptTableException(
              "Table "
                  + location()
                  + " lists files of partition spec "
                  + group.getKey()
                  + ", which its metadata does not define. Check the table (verify).");
        }
        String deleteLocation =
            ops.metadataDir() + "/" + FileNames.manifest(FileNames.ManifestKind.DELETED);
        written.add(deleteLocation);
        deletes.add(
            ManifestIO.writeDeleted(
                out, deleteLocation, base.schema(), spec, snapshotId, group.getValue()));
      }
      return new Staged(
          schema,
          inferred,
          snapshotId,
          files,
          manifest,
          written,
          replaceAll,
          deletes,
          deleted,
          base.currentSnapshotId(),
          out);
    } catch (IOException e) {
      out.settleQuietly();
      cleanup(written);
      throw new UncheckedIOException(
          "Writing new files for "
              + location()
              + " failed: "
              + e
              + ". Nothing was committed; check free disk space and permissions.",
          e);
    } catch (RuntimeException e) {
      out.settleQuietly();
      cleanup(written);
      throw e;
    }
  }

  /**
   * Writes rows (already converted to {@code schema}) as new data files, one per partition of the
   * table's default spec, and syncs their directories; each location goes in {@code written} before
   * the file is created. Nothing is visible until a commit lists the files.
   */
  List<DataFile> writeDataFiles(
      TableMetadata base, Schema schema, List<Row> rows, List<String> written) throws IOException {
    return writeDataFiles(base, schema, rows, written, DataFileIO.defaultFormat(base.properties()));
  }

  /** As {@link #writeDataFiles(TableMetadata, Schema, List, List)}, in {@code format}. */
  List<DataFile> writeDataFiles(
      TableMetadata base, Schema schema, List<Row> rows, List<String> written, FileFormat format)
      throws IOException {
    return writeDataFiles(storage, base, schema, rows, written, format);
  }

  /**
   * As {@link #writeDataFiles(TableMetadata, Schema, List, List, FileFormat)}, through {@code
   * storage}.
   */
  private List<DataFile> writeDataFiles(
      Storage storage,
      TableMetadata base,
      Schema schema,
      List<Row> rows,
      List<String> written,
      FileFormat format)
      throws IOException {
    List<DataFile> files = new ArrayList<>();
    if (rows.isEmpty()) {
      return files;
    }
    PartitionSpec spec = base.spec();
    Map<Row, List<Row>> byPartition = Partitioner.split(spec, schema, rows);
    java.util.Set<String> dirs = new java.util.LinkedHashSet<>();
    for (Map.Entry<Row, List<Row>> part : byPartition.entrySet()) {
      String dir = ops.dataDir() + Partitioner.directory(spec, schema, part.getKey());
      String dataLocation = dir + "/" + FileNames.dataFile(format);
      dirs.add(dir); // created, with its parent synced, by the storage when the first file is
      written.add(dataLocation);
      DataFile file =
          DataFileIO.write(storage, dataLocation, format, schema, part.getValue().iterator());
      if (!spec.isUnpartitioned()) {
        file = file.toBuilder().specId(spec.specId()).partition(part.getKey()).build();
      }
      files.add(file);
    }
    for (String dir : dirs) {
      storage.syncDirectory(dir);
    }
    return files;
  }

  /** Removes the files of a change that will not be committed. */
  public void discard(Staged staged) {
    staged.publisher.settleQuietly(); // a link still queued must not bring a removed name back
    cleanup(staged.written);
  }

  /**
   * Commits staged files as a new append snapshot, rebasing onto newer versions as the policy
   * allows. On any failure but an unknown commit state, the staged files are removed.
   *
   * @throws ReadConflict if the policy refuses a newer base (files removed)
   * @throws AlreadyApplied if the idempotency key is already in the table (files removed)
   */
  public Snapshot commitStaged(
      TableMetadata base,
      Staged staged,
      Map<String, String> extraSummary,
      RebasePolicy policy,
      IdempotencyKey key) {
    try {
      return commitLoop(base, staged, extraSummary, policy, key);
    } catch (CommitStateUnknownException e) {
      throw e;
    } catch (IOException e) {
      discard(staged);
      throw new UncheckedIOException(
          "Commit to " + location() + " failed: " + e + ". Nothing was committed.", e);
    } catch (RuntimeException e) {
      discard(staged);
      throw e;
    }
  }

  private Snapshot commitLoop(
      TableMetadata base,
      Staged staged,
      Map<String, String> extraSummary,
      RebasePolicy policy,
      IdempotencyKey key)
      throws IOException {
    long deadline = System.nanoTime() + options.commitTimeout().toNanos();
    long addedRecords = 0;
    long addedBytes = 0;
    for (DataFile f : staged.files) {
      addedRecords += f.recordCount();
      addedBytes += f.fileSizeInBytes();
    }
    for (int attempt = 0; ; attempt++) {
      if (attempt > 0) {
        conflictRetries.incrementAndGet();
      }
      Snapshot committed;
      try (CommitLock lock = CommitLock.acquire(ops.metadataDir(), COMMIT_LOCK_WAIT_MS)) {
        // Under the lock, start from the newest version: usually nobody can commit before us now.
        TableMetadata latest = ops.refresh();
        if (latest.version() != base.version()) {
          policy.check(latest);
          base = latest;
        }
        committed =
            attemptCommit(base, staged, extraSummary, key, attempt, addedRecords, addedBytes);
      }
      if (committed != null) {
        return committed;
      }
      if (attempt >= options.commitRetries() || System.nanoTime() > deadline) {
        throw new CommitConflictException(
            "Gave up committing to "
                + location()
                + " after "
                + (attempt + 1)
                + " attempts: other writers kept committing first. Nothing was committed; retry later or raise "
                + "TableOptions.commitRetries/commitTimeout.");
      }
      backoff(attempt);
    }
  }

  /** One attempt to commit staged files on {@code base}; null if another writer published first. */
  Snapshot attemptCommitStaged(
      TableMetadata base, Staged staged, Map<String, String> extraSummary, int attempt) {
    long addedRecords = 0;
    long addedBytes = 0;
    for (DataFile f : staged.files) {
      addedRecords += f.recordCount();
      addedBytes += f.fileSizeInBytes();
    }
    try {
      return attemptCommit(base, staged, extraSummary, null, attempt, addedRecords, addedBytes);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Commit to " + location() + " failed: " + e + ". Nothing was committed.", e);
    }
  }

  /** How long a committer waits for the advisory commit lock before going ahead without it. */
  static final long COMMIT_LOCK_WAIT_MS = 5_000;

  private static boolean isEarlierSchema(TableMetadata base, Schema schema) {
    Schema earlier = base.schema(schema.schemaId());
    return earlier != null && !earlier.columns().isEmpty() && earlier.sameColumns(schema);
  }

  /**
   * One attempt to publish the next version on {@code base}; null if another writer won the race.
   */
  private Snapshot attemptCommit(
      TableMetadata base,
      Staged staged,
      Map<String, String> extraSummary,
      IdempotencyKey key,
      int attempt,
      long addedRecords,
      long addedBytes)
      throws IOException {
    if (key != null && key.appliedIn(base)) {
      throw new AlreadyApplied();
    }
    TableMetadata.Builder next = TableMetadata.buildFrom(base);
    int schemaId;
    Schema current = base.schema();
    if (staged.inferredSchema && current.columns().isEmpty()) {
      next.addCurrentSchema(staged.schema);
      schemaId = base.schemas().stream().mapToInt(Schema::schemaId).max().orElse(-1) + 1;
    } else if (current.sameColumns(staged.schema) || isEarlierSchema(base, staged.schema)) {
      // Rows written under an earlier schema of this table commit as they are: files are read by
      // field id, and every schema change DataShard allows keeps older files readable.
      schemaId = current.schemaId();
    } else {
      throw new CommitConflictException(
          "The schema of table "
              + location()
              + " changed while this append "
              + "was being written (now "
              + current.asStruct()
              + "). Nothing was committed; append the records "
              + "again so they are checked against the new schema.");
    }
    if (key != null) {
      next.property(key.property(), Long.toString(key.sequence));
    }
    for (Map.Entry<String, String> p : staged.defaultProperties.entrySet()) {
      if (!base.properties().containsKey(p.getKey())) {
        next.property(p.getKey(), p.getValue());
      }
    }
    Snapshot parent = base.currentSnapshot();
    long sequenceNumber = base.lastSequenceNumber() + 1;
    long now = System.currentTimeMillis();
    long timestamp = parent == null ? now : Math.max(now, parent.timestampMillis());
    List<String> merged =
        new ArrayList<>(); // files this attempt writes; removed if it loses the race
    List<ManifestIO.Manifest> manifests = new ArrayList<>();
    if (staged.manifest != null) {
      manifests.add(staged.manifest);
    }
    if (staged.replacesAll) {
      if (!java.util.Objects.equals(base.currentSnapshotId(), staged.basedOnSnapshotId)) {
        throw new ReadConflict("the snapshot whose rows are being replaced is no longer current");
      }
      manifests.addAll(staged.deleteManifests);
    } else if (parent != null) {
      manifests.addAll(
          mergeSmallManifests(
              base,
              ManifestIO.readList(storage, resolvePath(parent.manifestList())),
              staged.snapshotId,
              merged));
    }
    String listLocation =
        ops.metadataDir() + "/" + FileNames.manifestList(staged.snapshotId, attempt);
    merged.add(listLocation);
    ManifestIO.writeList(
        staged.publisher,
        listLocation,
        staged.snapshotId,
        parent == null ? null : parent.snapshotId(),
        sequenceNumber,
        manifests);
    staged.publisher.syncDirectory(ops.metadataDir());
    Map<String, String> summary = summary(parent, staged, addedRecords, addedBytes, extraSummary);
    Snapshot snapshot =
        new Snapshot(
            staged.snapshotId,
            parent == null ? null : parent.snapshotId(),
            sequenceNumber,
            timestamp,
            listLocation,
            summary,
            schemaId);
    next.addSnapshotAsCurrent(snapshot)
        .lastUpdatedMillis(Math.max(timestamp, base.lastUpdatedMillis()));
    applyCommitRetention(base, next, now);
    try {
      // The new metadata is written while the files finish in the background; it is published
      // once every new file is forced, linked and its directory synced.
      TableMetadata committed = ops.commit(base, next.build(), staged.publisher::settle);
      autoCleanup(committed);
      return snapshot;
    } catch (CommitConflictException e) {
      cleanup(merged);
      return null;
    } catch (UncheckedIOException e) {
      cleanup(merged); // a new file could not be finished: nothing was published
      throw e;
    }
  }

  /**
   * Commits a new current schema computed from the newest version by {@code change} (see {@link
   * io.datashard.UpdateSchema}). An unchanged schema commits nothing; a schema equal to an earlier
   * one of the table becomes current again under its old id.
   *
   * @return the current schema afterwards
   */
  public Schema commitSchema(java.util.function.Function<TableMetadata, Schema> change) {
    return new TableMaintenance(this)
        .commitMetadata(
            "schema change",
            base -> {
              Schema next = change.apply(base);
              if (next.sameColumns(base.schema())) {
                return null;
              }
              TableMetadata.Builder b = TableMetadata.buildFrom(base);
              for (Schema s : base.schemas()) {
                if (s.sameColumns(next)) {
                  return b.currentSchemaId(s.schemaId());
                }
              }
              return b.addCurrentSchema(next);
            })
        .schema();
  }

  /** The terms of the current partition spec (empty when unpartitioned). */
  public List<String> partitioning() {
    TableMetadata meta = ops.current();
    return PartitionSpecs.terms(meta.spec(), meta.schema());
  }

  /**
   * Commits a new default partition spec: the current one without the fields named in {@code
   * removes} (by term or field name) and with the {@code adds} terms. A spec equal to an earlier
   * one becomes the default again under its old id.
   *
   * @return the terms of the default spec afterwards
   */
  public List<String> commitPartitioning(List<String> adds, List<String> removes) {
    TableMetadata committed =
        new TableMaintenance(this)
            .commitMetadata(
                "partitioning change",
                base -> {
                  Schema schema = base.schema();
                  if (schema.columns().isEmpty()) {
                    throw new ValidationException(
                        "Table "
                            + location()
                            + " has no schema yet, so it cannot be partitioned. "
                            + "Append data or create it with a schema first.");
                  }
                  PartitionSpec current = base.spec();
                  List<PartitionSpec.Field> fields = new ArrayList<>(current.fields());
                  for (String r : removes) {
                    PartitionSpec.Field hit = null;
                    for (PartitionSpec.Field f : fields) {
                      if (f.name().equals(r)
                          || Transforms.term(f, schema)
                              .replace(" ", "")
                              .equals(r.replace(" ", ""))) {
                        hit = f;
                      }
                    }
                    if (hit == null) {
                      throw new ValidationException(
                          "Cannot remove partition field '"
                              + r
                              + "': table "
                              + location()
                              + " is partitioned by "
                              + PartitionSpecs.terms(current, schema)
                              + ". Name one of those.");
                    }
                    fields.remove(hit);
                  }
                  java.util.Set<String> names = new java.util.HashSet<>();
                  fields.forEach(f -> names.add(f.name()));
                  int next = Math.max(base.lastPartitionId(), current.lastAssignedFieldId());
                  for (String a : adds) {
                    PartitionSpec.Field f = Transforms.parseTerm(a, schema, next + 1);
                    for (PartitionSpec.Field old : fields) {
                      if (old.sourceId() == f.sourceId() && old.transform().equals(f.transform())) {
                        throw new ValidationException(
                            "Cannot add partition term '"
                                + a
                                + "': table "
                                + location()
                                + " is already partitioned by it.");
                      }
                    }
                    // the same transform of the same column, in any earlier spec, keeps its field
                    // id (and name)
                    PartitionSpec.Field kept = null;
                    for (PartitionSpec spec : base.specs()) {
                      for (PartitionSpec.Field old : spec.fields()) {
                        if (old.sourceId() == f.sourceId()
                            && old.transform().equals(f.transform())) {
                          kept = old;
                        }
                      }
                    }
                    if (kept == null) {
                      next++;
                    } else {
                      f = kept;
                    }
                    PartitionSpecs.checkName(f, names, schema, a);
                    fields.add(f);
                  }
                  if (fields.equals(current.fields())) {
                    return null;
                  }
                  TableMetadata.Builder b = TableMetadata.buildFrom(base);
                  for (PartitionSpec s : base.specs()) {
                    if (s.fields().equals(fields)) {
                      return b.defaultSpecId(s.specId());
                    }
                  }
                  int id =
                      base.specs().stream().mapToInt(PartitionSpec::specId).max().orElse(-1) + 1;
                  List<PartitionSpec> specs = new ArrayList<>(base.specs());
                  specs.add(new PartitionSpec(id, fields));
                  return b.specs(specs)
                      .defaultSpecId(id)
                      .lastPartitionId(Math.max(base.lastPartitionId(), next));
                });
    return PartitionSpecs.terms(committed.spec(), committed.schema());
  }

  /**
   * Runs the automatic cleanup after a commit when {@link TableProperties#CLEANUP_EVERY_COMMITS}
   * asks for it.
   */
  private void autoCleanup(TableMetadata committed) {
    long every =
        Math.min(
            100,
            committed.propertyLong(
                TableProperties.CLEANUP_EVERY_COMMITS,
                TableProperties.CLEANUP_EVERY_COMMITS_DEFAULT));
    if (every <= 0 || committed.version() % every != 0) {
      return;
    }
    try {
      java.util.Set<Long> retained = new java.util.HashSet<>();
      committed.snapshots().forEach(x -> retained.add(x.snapshotId()));
      // Snapshots dropped since the last cleanup: those of the versions in between that this one
      // no longer has. A snapshot stays in about as many versions as are retained, so reading
      // every that-many-th version sees each of them (ones expired sooner are left for gc).
      int step = Math.max(1, retained.size());
      Map<Long, Snapshot> dropped = new LinkedHashMap<>();
      for (long v = Math.max(1, committed.version() - every); v < committed.version(); v += step) {
        for (Snapshot x : ops.load((int) v).snapshots()) {
          if (!retained.contains(x.snapshotId())) {
            dropped.put(x.snapshotId(), x);
          }
        }
      }
      if (!dropped.isEmpty()) {
        new TableMaintenance(this)
            .deleteFilesOnlyUsedBy(
                dropped.values(),
                committed,
                false,
                new TableMaintenance.Report("cleanup", false),
                true);
      }
    } catch (RuntimeException e) {
      // best effort: the commit has happened; a later cleanup or gc removes what is left
      LOG.warn(
          "Automatic cleanup after version {} of {} failed: {}",
          committed.version(),
          location(),
          e.toString());
    }
  }

  /**
   * What every commit does to the next version besides its own change: snapshot retention (see
   * {@link #RETAIN_MAX_COUNT}) and the metadata log entry for {@code base}.
   */
  static void applyCommitRetention(TableMetadata base, TableMetadata.Builder next, long now) {
    next.retainSnapshots(
        (int)
            base.propertyLong(TableProperties.MAX_SNAPSHOTS, TableProperties.MAX_SNAPSHOTS_DEFAULT),
        base.propertyLong(
            TableProperties.MAX_SNAPSHOT_AGE_MS, TableProperties.MAX_SNAPSHOT_AGE_MS_DEFAULT),
        (int)
            base.propertyLong(
                TableProperties.MIN_SNAPSHOTS_TO_KEEP,
                TableProperties.MIN_SNAPSHOTS_TO_KEEP_DEFAULT),
        now);
    logPrevious(base, next);
  }

  /**
   * Records {@code base} in the metadata log of the next version (bounded by
   * write.metadata.previous-versions-max).
   */
  static void logPrevious(TableMetadata base, TableMetadata.Builder next) {
    if (base.metadataFileLocation() != null) {
      next.addPreviousMetadata(
          new TableMetadata.MetadataLogEntry(base.lastUpdatedMillis(), base.metadataFileLocation()),
          (int)
              base.propertyLong(
                  TableProperties.METADATA_PREVIOUS_VERSIONS_MAX,
                  TableProperties.METADATA_PREVIOUS_VERSIONS_MAX_DEFAULT));
    }
  }

  /**
   * Keeps the number of manifests per snapshot bounded: once a snapshot would list at least {@code
   * commit.manifest.min-count-to-merge} data manifests (default 100), small manifests (below {@code
   * commit.manifest.target-size-bytes}, default 8 MB) are rewritten into larger ones, carrying
   * their live files over as EXISTING entries with their original snapshot ids and sequence
   * numbers. Off with {@code commit.manifest-merge.enabled=false}.
   *
   * <p>Merging is size-tiered, so that what a commit rewrites does not grow with the table: small
   * manifests are grouped by partition spec and by tier (the number of file entries, in powers of
   * {@link #MERGE_FANOUT}), and only a group with at least {@link #MERGE_FANOUT} members is merged,
   * which puts the result in a higher tier. The many one-commit manifests are merged often; a large
   * merged manifest is rewritten only once enough others of its size have gathered, so each file
   * entry is rewritten a few times in all (about one per tier) instead of once every {@code
   * min-count-to-merge} commits.
   */
  private List<ManifestIO.Manifest> mergeSmallManifests(
      TableMetadata base,
      List<ManifestIO.Manifest> manifests,
      long snapshotId,
      List<String> written)
      throws IOException {
    if (!Boolean.parseBoolean(
        base.property(
            TableProperties.MANIFEST_MERGE_ENABLED,
            Boolean.toString(TableProperties.MANIFEST_MERGE_ENABLED_DEFAULT)))) {
      return manifests;
    }
    long minCount =
        base.propertyLong(
            TableProperties.MANIFEST_MIN_MERGE_COUNT,
            TableProperties.MANIFEST_MIN_MERGE_COUNT_DEFAULT);
    long targetSize =
        base.propertyLong(
            TableProperties.MANIFEST_TARGET_SIZE_BYTES,
            TableProperties.MANIFEST_TARGET_SIZE_BYTES_DEFAULT);
    long dataManifests = manifests.stream().filter(m -> !m.isDeletes()).count();
    if (dataManifests + 1 < minCount) {
      return manifests;
    }
    List<ManifestIO.Manifest> out = new ArrayList<>();
    Map<List<Integer>, List<ManifestIO.Manifest>> groups = new LinkedHashMap<>();
    for (ManifestIO.Manifest m : manifests) {
      if (!m.isDeletes() && m.length < targetSize && base.spec(m.specId) != null) {
        groups.computeIfAbsent(List.of(m.specId, mergeTier(m)), k -> new ArrayList<>()).add(m);
      } else {
        out.add(m);
      }
    }
    for (Map.Entry<List<Integer>, List<ManifestIO.Manifest>> group : groups.entrySet()) {
      if (group.getValue().size() < MERGE_FANOUT) {
        out.addAll(group.getValue());
        continue;
      }
      int specId = group.getKey().get(0);
      List<ManifestIO.Manifest> bin = new ArrayList<>();
      long binSize = 0;
      for (ManifestIO.Manifest m : group.getValue()) {
        if (!bin.isEmpty() && binSize + m.length > targetSize) {
          out.add(mergeBin(base, specId, bin, snapshotId, written));
          bin = new ArrayList<>();
          binSize = 0;
        }
        bin.add(m);
        binSize += m.length;
      }
      if (bin.size() == 1) {
        out.add(bin.get(0));
      } else if (!bin.isEmpty()) {
        out.add(mergeBin(base, specId, bin, snapshotId, written));
      }
    }
    return out;
  }

  /**
   * How many manifests of one tier are merged together; also the ratio of entry counts between
   * tiers.
   */
  static final int MERGE_FANOUT = 4;

  /**
   * The merge tier of a manifest: floor(log base {@link #MERGE_FANOUT} of its number of entries).
   */
  static int mergeTier(ManifestIO.Manifest m) {
    long entries =
        Math.max(
            1L,
            (long) Math.max(0, m.addedFiles)
                + Math.max(0, m.existingFiles)
                + Math.max(0, m.deletedFiles));
    int tier = 0;
    for (long n = entries; n >= MERGE_FANOUT; n /= MERGE_FANOUT) {
      tier++;
    }
    return tier;
  }

  private ManifestIO.Manifest mergeBin(
      TableMetadata base,
      int specId,
      List<ManifestIO.Manifest> bin,
      long snapshotId,
      List<String> written)
      throws IOException {
    List<ManifestIO.Entry> entries = new ArrayList<>();
    for (ManifestIO.Manifest m : bin) {
      entries.addAll(ManifestIO.liveEntries(storage, m, this::resolvePath));
    }
    String location = ops.metadataDir() + "/" + FileNames.manifest(FileNames.ManifestKind.MERGED);
    written.add(location);
    return ManifestIO.writeExisting(
        storage, location, base.schema(), base.spec(specId), snapshotId, entries);
  }

  /**
   * Takes this table's advisory commit lock (see {@link CommitLock}) for a whole read-modify-write
   * transaction, so that concurrent transactions take turns instead of invalidating each other.
   */
  public AutoCloseable lockForTransaction() {
    return CommitLock.acquire(ops.metadataDir(), COMMIT_LOCK_WAIT_MS);
  }

  /** Counts one retry caused by a conflict (used by transactions that re-run). */
  public void countConflictRetry() {
    conflictRetries.incrementAndGet();
  }

  /** The commit options of this table object. */
  public TableOptions options() {
    return options;
  }

  private static Map<String, String> summary(
      Snapshot parent,
      Staged staged,
      long addedRecords,
      long addedBytes,
      Map<String, String> extra) {
    Map<String, String> s = new LinkedHashMap<>();
    String operation =
        staged.deletedFiles == 0 ? "append" : staged.files.isEmpty() ? "delete" : "overwrite";
    s.put("operation", operation);
    s.putAll(extra);
    int addedFiles = staged.files.size();
    if (addedFiles > 0) {
      s.put("added-data-files", Long.toString(addedFiles));
      s.put("added-records", Long.toString(addedRecords));
      s.put("added-files-size", Long.toString(addedBytes));
    }
    if (staged.deletedFiles > 0) {
      s.put("deleted-data-files", Long.toString(staged.deletedFiles));
      s.put("deleted-records", Long.toString(staged.deletedRecords));
      s.put("removed-files-size", Long.toString(staged.deletedBytes));
    }
    s.put("changed-partition-count", addedFiles > 0 || staged.deletedFiles > 0 ? "1" : "0");
    long totalRecords = parent == null ? 0 : parent.summaryLong("total-records", -1);
    long totalFiles = parent == null ? 0 : parent.summaryLong("total-data-files", -1);
    long totalSize = parent == null ? 0 : parent.summaryLong("total-files-size", -1);
    if (totalRecords >= 0 && totalFiles >= 0 && totalSize >= 0) {
      s.put("total-records", Long.toString(totalRecords + addedRecords - staged.deletedRecords));
      s.put("total-files-size", Long.toString(totalSize + addedBytes - staged.deletedBytes));
      s.put("total-data-files", Long.toString(totalFiles + addedFiles - staged.deletedFiles));
      s.put(
          "total-delete-files",
          parent == null ? "0" : parent.summary().getOrDefault("total-delete-files", "0"));
      s.put(
          "total-position-deletes",
          parent == null ? "0" : parent.summary().getOrDefault("total-position-deletes", "0"));
      s.put(
          "total-equality-deletes",
          parent == null ? "0" : parent.summary().getOrDefault("total-equality-deletes", "0"));
    }
    return s;
  }

  /** Sleeps a random, growing time before retry {@code attempt + 1}. */
  public static void backoff(int attempt) {
    long max = Math.min(100, 1L << Math.min(attempt, 7));
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(max + 1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommitConflictException(
          "Interrupted while waiting to retry a commit; nothing was committed", e);
    }
  }

  private void cleanup(List<String> locations) {
    for (String l : locations) {
      try {
        storage.delete(l);
      } catch (IOException e) {
        LOG.warn("Could not remove uncommitted file {}: {}", l, e.toString());
      }
    }
  }

  static long newSnapshotId() {
    UUID u = UUID.randomUUID();
    long id = (u.getMostSignificantBits() ^ u.getLeastSignificantBits()) & Long.MAX_VALUE;
    return id == 0 ? 1 : id;
  }
}
