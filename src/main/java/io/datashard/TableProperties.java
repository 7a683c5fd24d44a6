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

  /** How many earlier metadata files the metadata log of each version lists. */
  public static final String METADATA_PREVIOUS_VERSIONS_MAX =
      "write.metadata.previous-versions-max";

  public static final long METADATA_PREVIOUS_VERSIONS_MAX_DEFAULT = 100;

  /** Whether metadata files that fell out of the metadata log are deleted after a commit. */
  public static final String METADATA_DELETE_AFTER_COMMIT =
      "write.metadata.delete-after-commit.enabled";

  public static final boolean METADATA_DELETE_AFTER_COMMIT_DEFAULT = true;

  /**
   * Every this many versions, the committer of that version also deletes the files that only
   * snapshots dropped since then used. 0 (the default) turns it off; at most 100.
   */
  public static final String CLEANUP_EVERY_COMMITS = "datashard.cleanup.every-commits";

  public static final long CLEANUP_EVERY_COMMITS_DEFAULT = 0;
}
