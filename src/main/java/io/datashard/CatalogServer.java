package io.datashard;

import io.datashard.internal.ObjectStores;
import io.datashard.internal.rest.CatalogService;
import io.datashard.internal.rest.HttpFront;
import io.datashard.storage.LocalStorage;
import io.datashard.storage.Locations;
import io.datashard.storage.S3Storage;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An Apache Iceberg REST catalog over a warehouse folder (or an {@code s3://} prefix), so that
 * Spark, Trino, Flink, pyiceberg or DuckDB use DataShard tables through one URL. Namespace {@code
 * a.b} is the folder {@code WAREHOUSE/a/b}; table {@code a.b.t} is {@code WAREHOUSE/a/b/t}, an
 * ordinary DataShard table that the library and the CLI open directly while the server serves it.
 * Commits from REST clients go through DataShard's commit pipeline, so they interleave safely with
 * local writers: the requirements of a commit are checked on the newest version under the commit
 * lock, and a lost race is a 409 that Iceberg clients retry.
 *
 * <pre>{@code
 * try (CatalogServer server = CatalogServer.builder(Path.of("/data/lake")).port(8181).start()) {
 *   System.out.println("catalog at " + server.uri()); // give this URI to the engines
 *   server.awaitTermination();
 * }
 * }</pre>
 *
 * <p>A warehouse on object storage ({@link #builder(String)} with {@code s3://bucket/prefix}, or
 * {@link #builder(Storage, String)}) serves the same API, with what an object store allows: a
 * namespace there is one that was created (it has a marker object), dropping a table deletes its
 * metadata versions (keeping a copy of the newest in {@code .datashard-dropped/} unless purged),
 * and renaming a table is refused with a 406, since objects cannot be moved.
 *
 * <p>It binds to the loopback address unless told otherwise; with a token, every request needs
 * {@code Authorization: Bearer <token>}, and the OAuth2 endpoint Iceberg clients call gives that
 * token for the client secret equal to it. Names are checked (no {@code ..}, separators, control
 * characters or leading dots), so nothing outside the warehouse is read or written; request bodies
 * are limited in size.
 */
public final class CatalogServer implements AutoCloseable {
  private final HttpFront front;
  private final String host;
  private final String warehouse;

  private CatalogServer(HttpFront front, String host, String warehouse) {
    this.front = front;
    this.host = host;
    this.warehouse = warehouse;
  }

  /** A server over the warehouse folder {@code warehouse} (created if missing). */
  public static Builder builder(Path warehouse) {
    return new Builder(null, warehouse.toAbsolutePath().normalize().toString());
  }

  /**
   * A server over the warehouse at {@code location}: a local folder (a path or {@code file:}
   * location, created if missing) or {@code s3://bucket/prefix} on S3-compatible object storage
   * (endpoint, region and credentials from the usual AWS settings, as for {@link
   * DataShard#table(String)}).
   *
   * @throws ValidationException for a location of another scheme
   */
  public static Builder builder(String location) {
    String scheme = Locations.scheme(location);
    if (scheme == null || scheme.equals("file")) {
      return builder(Path.of(Locations.stripFileScheme(location)));
    }
    if (!location.startsWith(S3Storage.SCHEME)
        || location.length() == S3Storage.SCHEME.length()
        || location.charAt(S3Storage.SCHEME.length()) == '/') {
      throw new ValidationException(
          "Unsupported warehouse location '"
              + location
              + "': DataShard serves warehouses in local folders and on S3-compatible object "
              + "storage. Give a local path or an s3://bucket/prefix location.");
    }
    return new Builder(ObjectStores.s3(), trimmed(location));
  }

  /**
   * A server over the warehouse at {@code location} of {@code storage} (an object store set up by
   * hand, such as an {@link S3Storage} built for one endpoint).
   */
  public static Builder builder(Storage storage, String location) {
    return new Builder(java.util.Objects.requireNonNull(storage, "storage"), trimmed(location));
  }

  private static String trimmed(String location) {
    String l = location;
    while (l.endsWith("/")) {
      l = l.substring(0, l.length() - 1);
    }
    return l;
  }

  /** The URI clients use, {@code http://HOST:PORT}. */
  public URI uri() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return URI.create("http://" + h + ":" + port());
  }

  /** The port served. */
  public int port() {
    return front.port();
  }

  /** The warehouse's location: its absolute folder path, or its {@code s3://} prefix. */
  public String warehouse() {
    return warehouse;
  }

  /** Blocks until the thread is interrupted (the server runs on its own threads). */
  public void awaitTermination() throws InterruptedException {
    Thread.currentThread().join();
  }

  /** Stops serving; requests under way are cut off. */
  @Override
  public void close() {
    front.close();
  }

  /** Options of a {@link CatalogServer}. */
  public static final class Builder {
    private final Storage storage;
    private final String warehouse;
    private String bind = "127.0.0.1";
    private int port = 8181;
    private String token;
    private long maxBodyBytes = 16L << 20;
    private int threads = 16;
    private TableOptions options = TableOptions.defaults();

    private Builder(Storage storage, String warehouse) {
      this.storage = storage;
      this.warehouse = warehouse;
    }

    /** The address to listen on (default {@code 127.0.0.1}: this machine only). */
    public Builder bind(String address) {
      this.bind = address;
      return this;
    }

    /** The port (default 8181; 0 picks a free one, see {@link CatalogServer#port()}). */
    public Builder port(int value) {
      this.port = value;
      return this;
    }

    /** The bearer token every request must carry (default: none needed). */
    public Builder token(String value) {
      if (value != null && value.isBlank()) {
        throw new ValidationException("The catalog token is empty; give a token, or none.");
      }
      this.token = value == null ? null : value.trim();
      return this;
    }

    /** The largest request body accepted (default 16 MiB); larger ones get a 413. */
    public Builder maxBodyBytes(long value) {
      if (value < 1024) {
        throw new ValidationException("maxBodyBytes must be at least 1024, got " + value);
      }
      this.maxBodyBytes = value;
      return this;
    }

    /** Requests served at once (default 16). */
    public Builder threads(int value) {
      if (value < 1) {
        throw new ValidationException("threads must be at least 1, got " + value);
      }
      this.threads = value;
      return this;
    }

    /**
     * Options for the server's work with the tables (durability, commit retries); the automatic
     * upkeep always runs in the background ({@link TableOptions#withUpkeepInBackground}).
     */
    public Builder options(TableOptions value) {
      this.options = value;
      return this;
    }

    /**
     * Starts the server.
     *
     * @throws UncheckedIOException if the port cannot be bound or the warehouse not created
     */
    public CatalogServer start() {
      try {
        if (storage == null) {
          Path root = Path.of(warehouse);
          Files.createDirectories(root);
          if (!Files.isDirectory(root)) {
            throw new ValidationException("Warehouse " + root + " is not a directory.");
          }
        }
        // the automatic compaction and cleanup after a commit run on a background thread of the
        // server, not in the client's request
        TableOptions served = options.withUpkeepInBackground(true);
        Storage used = storage != null ? storage : new LocalStorage(served.durable());
        CatalogService service = new CatalogService(warehouse, used, served);
        HttpFront front = new HttpFront(service, bind, port, token, maxBodyBytes, threads);
        return new CatalogServer(front, bind, warehouse);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "Cannot start the catalog on " + bind + ":" + port + ": " + e.getMessage(), e);
      }
    }
  }
}
