package io.datashard;

/**
 * Every table property DataShard reads, with its default and meaning, in one place. Table
 * properties are stored in the table's metadata (so every process and engine sees the same values);
 * set them when creating a table ({@link DataShard.TableBuilder#property}) or with {@code datashard
 * alter DIR --set KEY=VALUE}. Keys that Apache Iceberg defines keep Iceberg's names and meanings;
 * DataShard's own keys start with {@code datashard.}.
 */
public final class TableProperties {
  private TableProperties() {}

  // ---------------------------------------------------------------- writing data files

  /**
   * How deletes change the table: {@code copy-on-write} (the default: data files with deleted rows
   * are rewritten without them) or {@code merge-on-read} (a position delete file names the deleted
   * rows; readers leave them out, and compaction folds them in later).
   */
  public static final String DELETE_MODE = "write.delete.mode";

  /** As {@link #DELETE_MODE}, for overwrites (the rows a filter matches, replaced by new ones). */
  public static final String UPDATE_MODE = "write.update.mode";

  /** As {@link #DELETE_MODE}, for upserts. */
  public static final String MERGE_MODE = "write.merge.mode";

  /** The value of the write mode properties for copy-on-write (the default). */
  public static final String COPY_ON_WRITE = "copy-on-write";

  /** The value of the write mode properties for merge-on-read. */
  public static final String MERGE_ON_READ = "merge-on-read";

  /** The file format of new data files: {@code parquet}, {@code orc} or {@code avro}. */
  public static final String DEFAULT_FILE_FORMAT = "write.format.default";

  public static final String DEFAULT_FILE_FORMAT_DEFAULT = "parquet";

  /**
   * The Parquet compression codec, recorded for other engines when a table is created. DataShard
   * itself writes Parquet with zstd.
   */
  public static final String PARQUET_COMPRESSION = "write.parquet.compression-codec";

  public static final String PARQUET_COMPRESSION_DEFAULT = "zstd";

  /** The target size of the data files compaction writes, in bytes. */
  public static final String TARGET_FILE_SIZE_BYTES = "write.target-file-size-bytes";

  public static final long TARGET_FILE_SIZE_BYTES_DEFAULT = 128L * 1024 * 1024;

  /** Rows per data file of a streamed append ({@code Append.addAll(Iterator)}). */
  public static final String STREAM_ROWS_PER_FILE = "datashard.append.stream.rows-per-file";

  public static final long STREAM_ROWS_PER_FILE_DEFAULT = 1_000_000;

  /**
   * Further directories (absolute paths, comma-separated) whose files may be added to the table
   * with {@code Append.appendFile}. By default only files under the table directory may be.
   */
  public static final String DATA_FILES_ALLOWED_ROOTS = "datashard.data-files.allowed-roots";

  /** The Iceberg name mapping, for data files without field ids (set when such files are added). */
  public static final String NAME_MAPPING = "schema.name-mapping.default";

  // ---------------------------------------------------------------- commits

  /**
   * Group commit: concurrent appends of this machine's threads and processes share one snapshot
   * ({@code true}, the default) or each commits on its own.
   */
  public static final String GROUP_COMMIT_ENABLED = "datashard.commit.group.enabled";

  public static final boolean GROUP_COMMIT_ENABLED_DEFAULT = true;

  /** Appends of more rows than this commit on their own, not through group commit. */
  public static final String GROUP_COMMIT_MAX_ROWS = "datashard.commit.group.max-rows";

  public static final long GROUP_COMMIT_MAX_ROWS_DEFAULT = 1000;

  /** Whether small manifests are merged at commit time, so a snapshot lists few of them. */
  public static final String MANIFEST_MERGE_ENABLED = "commit.manifest-merge.enabled";

  public static final boolean MANIFEST_MERGE_ENABLED_DEFAULT = true;

  /** Manifests are merged once a snapshot would list at least this many data manifests. */
  public static final String MANIFEST_MIN_MERGE_COUNT = "commit.manifest.min-count-to-merge";

  public static final long MANIFEST_MIN_MERGE_COUNT_DEFAULT = 100;

  /** The target size of merged and rewritten manifests, in bytes; smaller manifests are merged. */
  public static final String MANIFEST_TARGET_SIZE_BYTES = "commit.manifest.target-size-bytes";

  public static final long MANIFEST_TARGET_SIZE_BYTES_DEFAULT = 8L * 1024 * 1024;

  /**
   * Prefix of the properties that record idempotent commits: {@code datashard.txn.APP} holds the
   * highest sequence number committed by application {@code APP}.
   */
  public static final String IDEMPOTENCY_PREFIX = "datashard.txn.";

  // ---------------------------------------------------------------- history and retention

  /**
   * Snapshot retention applied at every commit: at most this many snapshots stay in the table's
   * metadata (those a branch or tag needs are always kept).
   */
  public static final String MAX_SNAPSHOTS = "datashard.snapshots.max-count";

  public static final long MAX_SNAPSHOTS_DEFAULT = 100;

  /** Snapshots older than this (milliseconds) are dropped by retention and expiry. */
  public static final String MAX_SNAPSHOT_AGE_MS = "history.expire.max-snapshot-age-ms";

  public static final long MAX_SNAPSHOT_AGE_MS_DEFAULT = 5L * 24 * 3600 * 1000;

  /** The newest this many snapshots are always kept, however old. */
  public static final String MIN_SNAPSHOTS_TO_KEEP = "history.expire.min-snapshots-to-keep";

  public static final long MIN_SNAPSHOTS_TO_KEEP_DEFAULT = 10;

  /**
   * Branches and tags (but main) whose snapshot is older than this (ms) are removed; default never.
   */
  public static final String MAX_REF_AGE_MS = "history.expire.max-ref-age-ms";

  /**
   * A change consumer ({@link io.datashard.ChangeConsumer}) keeps every snapshot after its cursor
   * from expiring, unless the oldest change it has not read is older than this (ms): then it is
   * idle, and stops pinning history. Default 7 days.
   */
  public static final String CONSUMER_IDLE_MS = "datashard.consumer.idle-ms";

  /** Default of {@link #CONSUMER_IDLE_MS}: 7 days. */
  public static final long CONSUMER_IDLE_MS_DEFAULT = 7L * 24 * 3600 * 1000;

  /** How many earlier metadata files the metadata log of each version lists. */
  public static final String METADATA_PREVIOUS_VERSIONS_MAX =
      "write.metadata.previous-versions-max";

  public static final long METADATA_PREVIOUS_VERSIONS_MAX_DEFAULT = 100;

  /** Whether metadata files that fell out of the metadata log are deleted after a commit. */
  public static final String METADATA_DELETE_AFTER_COMMIT =
      "write.metadata.delete-after-commit.enabled";

  public static final boolean METADATA_DELETE_AFTER_COMMIT_DEFAULT = true;

  // ---------------------------------------------------------------- automatic upkeep

  /**
   * Every this many versions, the committer of that version also finds the files (manifest lists,
   * manifests, data files) that only snapshots dropped since then used, and schedules them for
   * deletion once {@link #CLEANUP_GRACE_MS} has passed, so files on disk stay bounded by the
   * retention without running maintenance. 0 turns it off; at most 100 (the metadata log must still
   * hold the version it compares with).
   */
  public static final String CLEANUP_EVERY_COMMITS = "datashard.cleanup.every-commits";

  public static final long CLEANUP_EVERY_COMMITS_DEFAULT = 10;

  /**
   * How long (milliseconds) the files of dropped snapshots are kept before the automatic cleanup
   * deletes them, so that a reader in another process still reading a just-dropped snapshot can
   * finish. A reader that is slower than this gets an error that names the expired snapshot. 0
   * deletes them at once.
   */
  public static final String CLEANUP_GRACE_MS = "datashard.cleanup.grace-ms";

  public static final long CLEANUP_GRACE_MS_DEFAULT = 10_000;

  /**
   * The most equality-delete keys a reader holds in memory for one data file (default 1,000,000).
   * When the equality deletes that apply to a data file have more rows, the file's delete columns
   * are read once per that many keys and the matching positions marked in a bitmap, so memory stays
   * at this many keys plus one bit per row of the data file.
   */
  public static final String DELETE_KEYS_MAX = "datashard.read.delete-keys-max";

  /** Default of {@link #DELETE_KEYS_MAX}. */
  public static final long DELETE_KEYS_MAX_DEFAULT = 1_000_000;

  /**
   * The write window (milliseconds, default one hour): the fence between writers and orphan
   * removal, which on an object store no lock can keep apart. A change commits only within 90% of
   * the window after it started writing its first file (measured on the writer's own clock; past
   * that it is refused, nothing committed and its files removed), and orphan removal never deletes
   * a file younger than the window unless told that no writer is running. The last 10% cover the
   * time from that check to the publish and the clock difference between the machine running gc and
   * the store. Raise it for changes that write for longer before they commit.
   */
  public static final String WRITE_WINDOW_MS = "datashard.write.window-ms";

  public static final long WRITE_WINDOW_MS_DEFAULT = 3_600_000;

  /**
   * Automatic compaction: after appends, a committing process merges small data files of one
   * partition into larger ones by size tiers, so that the table keeps few files however many small
   * appends it takes ({@code true}, the default) or leaves that to {@code datashard compact}.
   */
  public static final String COMPACTION_AUTO_ENABLED = "datashard.compaction.auto.enabled";

  public static final boolean COMPACTION_AUTO_ENABLED_DEFAULT = true;

  /**
   * How many files of one tier automatic compaction merges into one. A tier holds the files whose
   * row counts have the same order of magnitude in this base (1–9 rows, 10–99, ... for 10), so a
   * row is rewritten about log<sub>factor</sub>(rows in its partition) times in all, and a
   * partition keeps fewer than {@code factor} files per tier. At least 2.
   */
  public static final String COMPACTION_MERGE_FACTOR = "datashard.compaction.merge-factor";

  public static final long COMPACTION_MERGE_FACTOR_DEFAULT = 10;
}
