package io.datashard.internal;

import io.datashard.Schema;
import io.datashard.TableOptions;
import io.datashard.ValidationException;
import io.datashard.internal.commit.Appends;
import io.datashard.internal.commit.CommitFiles;
import io.datashard.internal.commit.CommitLock;
import io.datashard.internal.commit.Committer;
import io.datashard.internal.commit.DataWriter;
import io.datashard.internal.commit.GroupCommit;
import io.datashard.internal.commit.NewTable;
import io.datashard.internal.commit.PendingCommit;
import io.datashard.internal.commit.TableOperations;
import io.datashard.internal.maintenance.AutoCleanup;
import io.datashard.internal.maintenance.AutoCompaction;
import io.datashard.internal.maintenance.UpkeepOwner;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.internal.scan.TableReader;
import io.datashard.storage.LocalStorage;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One open table: its versions and storage ({@link TableOperations}), how it is read ({@link
 * TableReader}), and how changes to it are written and committed ({@link DataWriter}, {@link
 * Committer}, {@link Appends}). Made by {@link #create} and {@link #open}; what the public API's
 * {@link io.datashard.Table} stands on.
 */
public final class TableCore {
  private final TableOperations ops;
  private final TableOptions options;
  private final TableReader reader;
  private final DataWriter writer;
  private final Committer committer;
  private final Appends appends;

  private TableCore(TableOperations ops, TableOptions options) {
    this.ops = ops;
    this.options = options;
    this.reader = new TableReader(ops);
    this.writer = new DataWriter(ops, reader);
    this.committer = new Committer(ops, options, this::upkeep);
    this.appends = new Appends(reader, writer, committer, new GroupCommit(ops, committer, writer));
  }

  /**
   * The automatic upkeep after a commit: compaction of small files, then cleanup of the files only
   * dropped snapshots used (each when due; see {@link AutoCompaction} and {@link AutoCleanup}), by
   * the one process that runs the table's upkeep ({@link UpkeepOwner}).
   */
  private void upkeep(TableMetadata committed) {
    UpkeepOwner.of(this).afterCommit(this, committed);
  }

  private static String rootOf(Path dir) {
    return dir.toAbsolutePath().normalize().toString();
  }

  /** Creates a table in a local directory; fails if one exists there. */
  public static TableCore create(
      Path dir,
      Schema schema,
      Map<String, String> properties,
      TableOptions options,
      List<String> partitionTerms) {
    return create(
        new LocalStorage(options.durable()),
        rootOf(dir),
        schema,
        properties,
        options,
        partitionTerms);
  }

  /**
   * Creates a table at {@code root} of a storage, partitioned by {@code partitionTerms} (see {@link
   * Transforms#parseTerm}); fails if one exists there.
   */
  public static TableCore create(
      Storage storage,
      String root,
      Schema schema,
      Map<String, String> properties,
      TableOptions options,
      List<String> partitionTerms) {
    TableOperations ops = new TableOperations(storage, root);
    boolean isFile;
    try {
      isFile = storage.exists(root);
    } catch (IOException e) {
      isFile = false;
    }
    if (isFile) {
      throw new ValidationException(
          "Cannot create a table at " + root + ": it is a file, not a directory");
    }
    if (ops.exists()) {
      throw new ValidationException(
          "Cannot create a table at "
              + root
              + ": a table already exists there. Open it instead, or choose another directory.");
    }
    if (!NewTable.create(ops, schema, properties, partitionTerms)) {
      throw new ValidationException(
          "Cannot create a table at "
              + root
              + ": another process created it at the same moment. Open it instead.");
    }
    return new TableCore(ops, options);
  }

  /** Opens an existing table in a local directory. */
  public static TableCore open(Path dir, TableOptions options) {
    return open(new LocalStorage(options.durable()), dir, options);
  }

  /** Opens an existing table in a directory through a given storage (tests use faulty ones). */
  public static TableCore open(Storage storage, Path dir, TableOptions options) {
    return open(storage, rootOf(dir), options);
  }

  /** Opens the existing table at {@code root} of a storage. */
  public static TableCore open(Storage storage, String root, TableOptions options) {
    TableOperations ops = new TableOperations(storage, root);
    ops.refresh();
    return new TableCore(ops, options);
  }

  /** Opens a local table, creating it if absent; safe when processes race to create it. */
  public static TableCore openOrCreate(
      Path dir,
      Schema schema,
      Map<String, String> properties,
      TableOptions options,
      List<String> partitionTerms) {
    return openOrCreate(
        new LocalStorage(options.durable()),
        rootOf(dir),
        schema,
        properties,
        options,
        partitionTerms);
  }

  /** Opens the table at {@code root} of a storage, creating it if absent. */
  public static TableCore openOrCreate(
      Storage storage,
      String root,
      Schema schema,
      Map<String, String> properties,
      TableOptions options,
      List<String> partitionTerms) {
    TableOperations ops = new TableOperations(storage, root);
    if (!ops.exists()) {
      NewTable.create(ops, schema, properties, partitionTerms); // or another process did
    }
    ops.refresh();
    return new TableCore(ops, options);
  }

  /** The table's location. */
  public String location() {
    return ops.root();
  }

  /** The last loaded version. */
  public TableMetadata metadata() {
    return ops.current();
  }

  /** Loads the newest version. */
  public TableMetadata refresh() {
    return ops.refresh();
  }

  /** The options of this table object. */
  public TableOptions options() {
    return options;
  }

  /** The table's versions and storage. */
  public TableOperations operations() {
    return ops;
  }

  /** The storage the table's files are read and written through. */
  public Storage storage() {
    return ops.storage();
  }

  /** How the table is read. */
  public TableReader reader() {
    return reader;
  }

  /** How new data files are written. */
  public DataWriter writer() {
    return writer;
  }

  /** Appends to main. */
  public Appends appends() {
    return appends;
  }

  /** Commits a change (see {@link Committer}), with new files finished in the background. */
  public <T> Committer.Committed<T> commit(PendingCommit<T> change) {
    return committer.commit(change, CommitFiles.over(ops.storage()));
  }

  /** Commits a change whose prepared files are already recorded in {@code files}. */
  public <T> Committer.Committed<T> commit(PendingCommit<T> change, CommitFiles files) {
    return committer.commit(change, files);
  }

  /** Maps a recorded location to one this process can open (see {@link TableOperations}). */
  public String resolvePath(String recorded) {
    return ops.resolvePath(recorded);
  }

  /** Commit attempts retried after losing a race, since this object was made. */
  public long conflictRetries() {
    return committer.conflictRetries();
  }

  /** Takes this table's advisory commit lock (tests hold it to keep commits waiting). */
  public CommitLock lock() {
    return CommitLock.acquire(ops.storage(), ops.metadataDir(), Committer.LOCK_WAIT_MS);
  }
}
