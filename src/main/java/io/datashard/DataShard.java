package io.datashard;

import io.datashard.internal.ObjectStores;
import io.datashard.internal.TableCore;
import io.datashard.internal.Verifier;
import io.datashard.storage.LocalStorage;
import io.datashard.storage.Locations;
import io.datashard.storage.S3Storage;
import io.datashard.storage.Storage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * Entry point: create and open tables on a directory.
 *
 * <p>A complete program (the same as {@code examples/QuickStart.java} in the repository):
 *
 * <pre>{@code
 * import io.datashard.*;
 * import java.nio.file.Path;
 * import java.time.Instant;
 * import java.util.Map;
 *
 * public class Hello {
 *   public static void main(String[] args) {
 *     Table t = DataShard.create(Path.of(args[0]), Schema.parse("id long not null, name string, ts timestamptz"));
 *     Snapshot s = t.newAppend()
 *         .add(Map.of("id", 1L, "name", "a", "ts", Instant.now()))
 *         .add(Map.of("id", 2L, "name", "b"))
 *         .commit();                                     // both rows, atomically
 *     for (Row r : t.scan().toList()) {
 *       System.out.println(r.get("id", Long.class) + " " + r.get("name", String.class));
 *     }
 *     Table same = DataShard.open(Path.of(args[0]));     // from any thread or process
 *     long then = same.scan().useSnapshot(s.snapshotId()).count();
 *   }
 * }
 * }</pre>
 *
 * <p>The directory holds an Apache Iceberg (format v2) table that Spark, Trino, Flink, DuckDB and
 * pyiceberg can read.
 */
public final class DataShard {
  private DataShard() {}

  /** Creates a table with no schema yet: the first append's records define it. */
  public static Table create(Path dir) {
    return table(dir).create();
  }

  /** Creates a table with a schema. */
  public static Table create(Path dir, Schema schema) {
    return table(dir).schema(schema).create();
  }

  /** Opens an existing table. */
  public static Table open(Path dir) {
    return table(dir).open();
  }

  /**
   * Checks the table at {@code dir} against its metadata without changing anything: that every file
   * the current snapshot (with {@code deep}, every retained snapshot) references is there, parses,
   * and has the recorded length and record count, and which files nothing references. See {@link
   * VerifyReport}.
   *
   * @throws TableNotFoundException if there is no table there
   */
  public static VerifyReport verify(Path dir, boolean deep) {
    return Verifier.verify(dir, deep);
  }

  /**
   * As {@link #verify(Path, boolean)}, telling {@code progress} the files checked so far and the
   * files to check in all, after each file.
   */
  public static VerifyReport verify(Path dir, boolean deep, BiConsumer<Long, Long> progress) {
    return Verifier.verify(dir, deep, progress);
  }

  /**
   * A builder for the table at {@code location}: a local directory ({@code /data/events}, {@code
   * file:/data/events}, or a relative path) or a prefix on S3-compatible object storage ({@code
   * s3://bucket/prefix}, configured by the usual AWS settings as {@link S3Storage#fromEnvironment}
   * says; the AWS SDK must be on the classpath). Any other scheme is refused.
   *
   * @throws ValidationException for a location with a scheme DataShard does not serve
   */
  public static TableBuilder table(String location) {
    Objects.requireNonNull(location, "location");
    String scheme = Locations.scheme(location);
    if (scheme == null || scheme.equals("file")) {
      return table(Path.of(Locations.stripFileScheme(location)));
    }
    if (scheme.equals("s3") && location.startsWith(S3Storage.SCHEME)) {
      String loc = location;
      while (loc.endsWith("/")) {
        loc = loc.substring(0, loc.length() - 1);
      }
      String rest = loc.substring(S3Storage.SCHEME.length());
      int slash = rest.indexOf('/');
      if (slash <= 0 || slash == rest.length() - 1) {
        throw new ValidationException(
            "Invalid S3 table location '"
                + location
                + "': it needs a bucket and a prefix. Give one such as s3://bucket/tables/events.");
      }
      return new TableBuilder(ObjectStores.s3(), loc);
    }
    throw new ValidationException(
        "Unsupported table location '"
            + location
            + "': DataShard keeps tables in local directories and on S3-compatible object storage,"
            + " not on '"
            + scheme
            + ":'. Give a local path or an s3://bucket/prefix location.");
  }

  /**
   * As {@link #verify(Path, boolean, BiConsumer)} for a table at a location {@link #table(String)}
   * accepts; {@code progress} may be null.
   */
  public static VerifyReport verify(
      String location, boolean deep, BiConsumer<Long, Long> progress) {
    TableBuilder b = table(location); // verify only reads: the storage's durability is moot
    return Verifier.verify(b.storage(), b.location, deep, progress);
  }

  /** A builder for creating or opening the table in the local directory {@code dir}. */
  public static TableBuilder table(Path dir) {
    return new TableBuilder(null, dir.toAbsolutePath().normalize().toString());
  }

  /**
   * A builder for creating or opening the table at {@code location} of a storage: any {@link
   * Storage} (an in-memory one in tests, a wrapper that watches or throttles the local one, an
   * object store) holds a table the same way. The location is an absolute path-like string without
   * a trailing slash.
   */
  public static TableBuilder table(Storage storage, String location) {
    Objects.requireNonNull(storage, "storage");
    if (location == null || location.isBlank() || location.endsWith("/")) {
      throw new ValidationException(
          "Invalid table location '"
              + location
              + "': give an absolute location without a trailing slash, such as /data/events");
    }
    return new TableBuilder(storage, location);
  }

  /** Creates or opens a table with options. */
  public static final class TableBuilder {
    private final Storage storage;
    private final String location;
    private Schema schema;
    private final Map<String, String> properties = new LinkedHashMap<>();
    private TableOptions options = TableOptions.defaults();
    private final List<String> partitioning = new ArrayList<>();

    private TableBuilder(Storage storage, String location) {
      this.storage = storage;
      this.location = location;
    }

    /** The given storage, or a local one durable as the options say. */
    private Storage storage() {
      return storage != null ? storage : new LocalStorage(options.durable());
    }

    /** The schema for a new table. */
    public TableBuilder schema(Schema value) {
      this.schema = value;
      return this;
    }

    /**
     * Partitions a new table (it needs a schema): each term is a column name (identity) or one of
     * {@code year(col)}, {@code month(col)}, {@code day(col)}, {@code hour(col)}, {@code bucket(N,
     * col)}, {@code truncate(W, col)}, Iceberg's transforms. Appends then write one data file per
     * partition, and the partition values let scans skip whole files.
     *
     * <pre>{@code
     * DataShard.table(dir).schema(Schema.parse("ts timestamptz, user long, score double"))
     *     .partitionBy("day(ts)", "bucket(16, user)").create();
     * }</pre>
     */
    public TableBuilder partitionBy(String... terms) {
      partitioning.addAll(Arrays.asList(terms));
      return this;
    }

    /** A table property for a new table. */
    public TableBuilder property(String key, String value) {
      properties.put(key, value);
      return this;
    }

    /** Options for this process's work with the table. */
    public TableBuilder options(TableOptions value) {
      this.options = value;
      return this;
    }

    /**
     * Shortcut for {@code options(options.withDurable(value))}. For a table in a local directory; a
     * given storage is as durable as it is made.
     */
    public TableBuilder durable(boolean value) {
      this.options = options.withDurable(value);
      return this;
    }

    /**
     * Creates the table.
     *
     * @throws ValidationException if a table already exists there
     */
    public Table create() {
      return new Table(
          TableCore.create(storage(), location, schema, properties, options, partitioning));
    }

    /**
     * Opens the table.
     *
     * @throws TableNotFoundException if there is none
     */
    public Table open() {
      return new Table(TableCore.open(storage(), location, options));
    }

    /** Opens the table, creating it first if there is none (safe when several processes race). */
    public Table openOrCreate() {
      return new Table(
          TableCore.openOrCreate(storage(), location, schema, properties, options, partitioning));
    }
  }
}
