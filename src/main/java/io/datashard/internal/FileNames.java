package io.datashard.internal;

import io.datashard.FileFormat;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every name of a file or directory in a table, made and parsed here and nowhere else.
 *
 * <pre>
 * TABLE/
 *   data/[PARTITION/]UUID.EXT                 data files (parquet, orc, avro)
 *   metadata/vN.metadata.json                 version N of the table (the commit point)
 *   metadata/version-hint.text                a recent N (advisory)
 *   metadata/snap-ID-ATTEMPT-UUID.avro        manifest list of snapshot ID
 *   metadata/UUID-mK.avro                     manifests; K tells which kind of change wrote it
 *   metadata/.datashard-commit.lock           the advisory commit lock (never read)
 *   metadata/.datashard-queue/                group commit's append queue (see the commit package)
 *   metadata/.datashard-compaction.lock       the advisory lock of automatic upkeep
 *   metadata/.datashard-deletes/MS-UUID.deletes  files the automatic cleanup deletes after MS + grace
 *   .NAME.RANDOM.tmp                          a file being written, before its publish
 * </pre>
 *
 * Names starting with a dot are DataShard's private files: no snapshot references them, and
 * maintenance never deletes them as orphans.
 */
public final class FileNames {
  private FileNames() {}

  /** The directory of data files, under the table directory. */
  public static final String DATA_DIR = "data";

  /** The directory of metadata files, under the table directory. */
  public static final String METADATA_DIR = "metadata";

  /** The advisory file holding a recent version number. */
  public static final String VERSION_HINT = "version-hint.text";

  /** The name of the checksum file Hadoop's local filesystem keeps beside a file {@code name}. */
  public static String checksumSideFile(String name) {
    return "." + name + ".crc";
  }

  /** The location of Hadoop's checksum file for the file at {@code location}. */
  public static String checksumSideFileOf(String location) {
    int slash = location.lastIndexOf('/');
    return location.substring(0, slash + 1) + checksumSideFile(location.substring(slash + 1));
  }

  /** The advisory commit lock, in the metadata directory. */
  public static final String COMMIT_LOCK = ".datashard-commit.lock";

  /**
   * The advisory lock of the automatic upkeep (compaction and cleanup): the one process that runs
   * it holds it while the table keeps changing (see the maintenance package's {@code UpkeepOwner}).
   */
  public static final String COMPACTION_LOCK = ".datashard-compaction.lock";

  /** The directory of the automatic cleanup's deferred deletions, in the metadata directory. */
  public static final String DEFERRED_DELETES_DIR = ".datashard-deletes";

  private static final Pattern DEFERRED_DELETES = Pattern.compile("(\\d+)-[0-9a-f-]+\\.deletes");

  /** The name of a list of deferred deletions scheduled at {@code millis}. */
  public static String deferredDeletes(long millis) {
    return millis + "-" + UUID.randomUUID() + ".deletes";
  }

  /** The time a list of deferred deletions was scheduled at, from its name; -1 if not one. */
  public static long parseDeferredDeletes(String name) {
    Matcher m = DEFERRED_DELETES.matcher(name);
    if (!m.matches()) {
      return -1;
    }
    try {
      return Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Group commit's queue directory, in the metadata directory. */
  public static final String QUEUE_DIR = ".datashard-queue";

  private static final Pattern VERSION_FILE = Pattern.compile("v(\\d+)\\.metadata\\.json");

  /** Which kind of change wrote a manifest: the digit K of {@code UUID-mK.avro}. */
  public enum ManifestKind {
    /** Files added by an append or a transaction. */
    ADDED(0),
    /** Entries marked deleted by a change that replaces the whole table. */
    DELETED(1),
    /** Small manifests merged at commit time. */
    MERGED(2),
    /** Files added or removed by compaction, a delete, overwrite or upsert. */
    REWRITTEN(3),
    /** The result of rewriting a snapshot's manifests. */
    MANIFEST_REWRITE(4),
    /** Entries marked deleted by a rollback. */
    ROLLBACK(5);

    private final int digit;

    ManifestKind(int digit) {
      this.digit = digit;
    }
  }

  /** The name of version {@code n}'s metadata file. */
  public static String version(int n) {
    return "v" + n + ".metadata.json";
  }

  /**
   * The version number of a metadata file name: -1 if the name is not one, {@link Long#MAX_VALUE}
   * for a number too large to be a version DataShard writes.
   */
  public static long parseVersion(String name) {
    Matcher m = VERSION_FILE.matcher(name);
    if (!m.matches()) {
      return -1;
    }
    String digits = m.group(1);
    return digits.length() > 18 ? Long.MAX_VALUE : Long.parseLong(digits);
  }

  /** A new manifest list name for a commit attempt of snapshot {@code snapshotId}. */
  public static String manifestList(long snapshotId, int attempt) {
    return "snap-" + snapshotId + "-" + attempt + "-" + UUID.randomUUID() + ".avro";
  }

  /** True for the names of manifest lists. */
  public static boolean isManifestList(String name) {
    return name.startsWith("snap-") && name.endsWith(".avro");
  }

  /** A new manifest name. */
  public static String manifest(ManifestKind kind) {
    return UUID.randomUUID() + "-m" + kind.digit + ".avro";
  }

  /** A new data file name. */
  public static String dataFile(FileFormat format) {
    return UUID.randomUUID() + "." + format.extension();
  }

  /** A new name for a delete file in this format. */
  public static String deleteFile(FileFormat format) {
    return UUID.randomUUID() + "-deletes." + format.extension();
  }

  /** True for DataShard's private names (temporaries, the lock, the queue). */
  public static boolean isHidden(String name) {
    return name.startsWith(".");
  }
}
