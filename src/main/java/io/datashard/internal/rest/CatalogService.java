package io.datashard.internal.rest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datashard.CommitConflictException;
import io.datashard.CommitStateUnknownException;
import io.datashard.CorruptTableException;
import io.datashard.Snapshot;
import io.datashard.TableNotFoundException;
import io.datashard.TableOptions;
import io.datashard.TableProperties;
import io.datashard.ValidationException;
import io.datashard.internal.TableCore;
import io.datashard.internal.commit.CommitFiles;
import io.datashard.internal.commit.Committer;
import io.datashard.internal.commit.MetadataCommit;
import io.datashard.internal.commit.MultiTableCommit;
import io.datashard.internal.commit.PendingCommit;
import io.datashard.internal.commit.TableOperations;
import io.datashard.internal.commit.Update;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.internal.meta.TableMetadataParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The Iceberg REST catalog over a {@link Warehouse}: routes a request (method, decoded path, query,
 * headers, body) to its operation and answers with the spec's JSON. Independent of the HTTP server,
 * so tests can call it directly. Table commits go through DataShard's {@link Committer}
 * (requirements checked on the newest version under the commit lock; a lost race is a 409); a
 * multi-table commit through {@link MultiTableCommit}.
 */
public final class CatalogService {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonFactory FACTORY = MAPPER.getFactory();
  static final char NAMESPACE_SEPARATOR = 0x1F;

  /** A request, its path split into decoded segments after {@code /v1}. */
  public record Request(
      String method,
      List<String> path,
      Map<String, String> query,
      Map<String, String> headers,
      byte[] body) {
    String header(String name) {
      return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }
  }

  /** A response: status, JSON body (or none), extra headers. */
  public record Response(int status, byte[] body, Map<String, String> headers) {
    static Response json(int status, byte[] body) {
      return new Response(status, body, Map.of());
    }

    static Response empty(int status) {
      return new Response(status, null, Map.of());
    }
  }

  private final Warehouse warehouse;
  private final TableOptions options;
  private final Idempotency idempotency;
  private final ConcurrentHashMap<String, TableCore> open = new ConcurrentHashMap<>();

  /** Multi-table commits take it exclusively; loads and single commits share it. */
  private final ReentrantReadWriteLock transactions = new ReentrantReadWriteLock();

  /**
   * A service over the warehouse at {@code root}: a local folder, or an {@code s3://} prefix whose
   * {@code storage} is the object store.
   */
  public CatalogService(String root, io.datashard.storage.Storage storage, TableOptions options) {
    this.warehouse = Warehouse.at(root, storage);
    this.options = options;
    this.idempotency = new Idempotency(warehouse.idempotencyLocation(), storage);
  }

  /** The warehouse's location. */
  public String warehouse() {
    return warehouse.root();
  }

  /** Answers a request; a problem is a {@link RestException} turned into the spec's error. */
  public Response handle(Request r) {
    try {
      String key = r.header("Idempotency-Key");
      boolean mutation = r.method().equals("POST") || r.method().equals("DELETE");
      if (key != null && mutation && !isMetrics(r)) {
        String k = Idempotency.check(key.trim());
        String fp =
            Idempotency.fingerprint(
                r.method(),
                String.join("/", r.path()) + "?" + new java.util.TreeMap<>(r.query()),
                r.body());
        return idempotency.locked(
            k,
            () -> {
              Idempotency.Stored s = idempotency.find(k, fp);
              if (s != null) {
                return new Response(s.status(), s.body().length == 0 ? null : s.body(), Map.of());
              }
              Response out = answer(r, k);
              idempotency.store(k, fp, out.status(), out.body() == null ? new byte[0] : out.body());
              return out;
            });
      }
      return answer(r, null);
    } catch (RestException e) {
      return error(e.status(), e.type(), e.getMessage());
    }
  }

  private static boolean isMetrics(Request r) {
    List<String> p = r.path();
    return p.size() == 5 && p.get(4).equals("metrics");
  }

  private Response answer(Request r, String idempotencyKey) {
    try {
      return route(r, idempotencyKey);
    } catch (RestException e) {
      return error(e.status(), e.type(), e.getMessage());
    } catch (CommitConflictException e) {
      return error(409, "CommitFailedException", e.getMessage());
    } catch (CommitStateUnknownException e) {
      return error(500, "CommitStateUnknownException", e.getMessage());
    } catch (ValidationException e) {
      return error(400, "ValidationException", e.getMessage());
    } catch (TableNotFoundException e) {
      return error(404, "NoSuchTableException", e.getMessage());
    } catch (CorruptTableException e) {
      return error(500, "CorruptTableException", e.getMessage());
    } catch (UncheckedIOException e) {
      return error(500, "IOException", e.getMessage());
    } catch (RuntimeException e) {
      return error(
          500,
          "InternalServerError",
          "The server failed on this request: "
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }
  }

  static Response error(int status, String type, String message) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeObjectFieldStart("error");
      g.writeStringField("message", message == null ? type : message);
      g.writeStringField("type", type);
      g.writeNumberField("code", status);
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Response.json(status, out.toByteArray());
  }

  // ------------------------------------------------------------------ routing

  private Response route(Request r, String key) {
    List<String> p = r.path();
    String m = r.method();
    if (p.size() == 1 && p.get(0).equals("config")) {
      return only(m, "GET", () -> config());
    }
    if (p.isEmpty()
        || !(p.get(0).equals("namespaces")
            || p.get(0).equals("tables")
            || p.get(0).equals("transactions"))) {
      throw new RestException(
          404, "NoSuchResourceException", "No such endpoint: /v1/" + String.join("/", p));
    }
    if (p.get(0).equals("tables")) {
      if (p.size() == 2 && p.get(1).equals("rename")) {
        return only(m, "POST", () -> rename(body(r)));
      }
    } else if (p.get(0).equals("transactions")) {
      if (p.size() == 2 && p.get(1).equals("commit")) {
        return only(m, "POST", () -> commitTransaction(body(r)));
      }
    } else if (p.size() == 1) {
      if (m.equals("GET")) {
        return listNamespaces(r.query());
      }
      return only(m, "POST", () -> createNamespace(body(r)));
    } else {
      List<String> ns = namespace(p.get(1));
      if (p.size() == 2) {
        switch (m) {
          case "GET":
            return loadNamespace(ns);
          case "HEAD":
            warehouse.existingNamespace(ns);
            return Response.empty(204);
          case "DELETE":
            warehouse.dropNamespace(ns);
            return Response.empty(204);
          default:
            throw methodNotAllowed(m, p);
        }
      }
      String what = p.get(2);
      if (p.size() == 3 && what.equals("properties")) {
        return only(m, "POST", () -> updateNamespaceProperties(ns, body(r)));
      }
      if (p.size() == 3 && what.equals("register")) {
        return only(m, "POST", () -> register(ns, body(r)));
      }
      if (p.size() == 3 && what.equals("tables")) {
        if (m.equals("GET")) {
          return listTables(ns, r.query());
        }
        return only(m, "POST", () -> createTable(ns, body(r)));
      }
      if (what.equals("tables") && p.size() >= 4) {
        String table = p.get(3);
        if (p.size() == 4) {
          switch (m) {
            case "GET":
              return loadTable(ns, table, r);
            case "HEAD":
              tableOrThrow(ns, table);
              return Response.empty(204);
            case "POST":
              return commitTable(ns, table, body(r), key);
            case "DELETE":
              return dropTable(ns, table, "true".equalsIgnoreCase(r.query().get("purgeRequested")));
            default:
              throw methodNotAllowed(m, p);
          }
        }
        if (p.size() == 5 && p.get(4).equals("metrics")) {
          return only(m, "POST", () -> metrics(ns, table, body(r)));
        }
      }
      if (what.equals("views") || what.equals("register-view")) {
        throw new RestException(
            404,
            "NoSuchViewException",
            "This catalog serves tables only: views are not supported.");
      }
    }
    throw new RestException(
        404, "NoSuchResourceException", "No such endpoint: /v1/" + String.join("/", p));
  }

  private interface Action {
    Response run();
  }

  private static Response only(String method, String allowed, Action a) {
    if (!method.equals(allowed)) {
      throw new RestException(
          405,
          "MethodNotAllowedException",
          "Method " + method + " is not allowed here; use " + allowed);
    }
    return a.run();
  }

  private static RestException methodNotAllowed(String m, List<String> p) {
    return new RestException(
        405,
        "MethodNotAllowedException",
        "Method " + m + " is not allowed on /v1/" + String.join("/", p));
  }

  private static JsonNode body(Request r) {
    if (r.body() == null || r.body().length == 0) {
      throw RestException.badRequest("The request has no body; send a JSON object.");
    }
    try {
      JsonNode n = MAPPER.readTree(r.body());
      if (n == null || !n.isObject()) {
        throw RestException.badRequest("The request body must be a JSON object.");
      }
      return n;
    } catch (JsonProcessingException e) {
      throw RestException.badRequest(
          "Malformed JSON in the request body: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw RestException.badRequest("Unreadable request body: " + e.getMessage());
    }
  }

  /** A namespace from its path segment (parts separated by 0x1F). */
  static List<String> namespace(String segment) {
    List<String> parts = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= segment.length(); i++) {
      if (i == segment.length() || segment.charAt(i) == NAMESPACE_SEPARATOR) {
        parts.add(Warehouse.checkName(segment.substring(start, i), "namespace part"));
        start = i + 1;
      }
    }
    return parts;
  }

  private static List<String> namespaceOf(JsonNode n, String field) {
    JsonNode arr = n.get(field);
    if (arr == null || !arr.isArray() || arr.isEmpty()) {
      throw RestException.badRequest(
          "Field '" + field + "' must be a non-empty array of strings, like [\"ml\", \"runs\"].");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode p : arr) {
      if (!p.isTextual()) {
        throw RestException.badRequest("Field '" + field + "' must hold strings, got " + p);
      }
      out.add(Warehouse.checkName(p.textValue(), "namespace part"));
    }
    return out;
  }

  // ------------------------------------------------------------------ config

  private static final List<String> ENDPOINTS =
      List.of(
          "GET /v1/{prefix}/namespaces",
          "POST /v1/{prefix}/namespaces",
          "GET /v1/{prefix}/namespaces/{namespace}",
          "HEAD /v1/{prefix}/namespaces/{namespace}",
          "DELETE /v1/{prefix}/namespaces/{namespace}",
          "POST /v1/{prefix}/namespaces/{namespace}/properties",
          "GET /v1/{prefix}/namespaces/{namespace}/tables",
          "POST /v1/{prefix}/namespaces/{namespace}/tables",
          "GET /v1/{prefix}/namespaces/{namespace}/tables/{table}",
          "HEAD /v1/{prefix}/namespaces/{namespace}/tables/{table}",
          "POST /v1/{prefix}/namespaces/{namespace}/tables/{table}",
          "DELETE /v1/{prefix}/namespaces/{namespace}/tables/{table}",
          "POST /v1/{prefix}/namespaces/{namespace}/register",
          "POST /v1/{prefix}/namespaces/{namespace}/tables/{table}/metrics",
          "POST /v1/{prefix}/tables/rename",
          "POST /v1/{prefix}/transactions/commit");

  private Response config() {
    return write(
        200,
        g -> {
          g.writeObjectFieldStart("defaults");
          g.writeEndObject();
          g.writeObjectFieldStart("overrides");
          g.writeEndObject();
          g.writeArrayFieldStart("endpoints");
          for (String e : ENDPOINTS) {
            g.writeString(e);
          }
          g.writeEndArray();
          g.writeStringField("idempotency-key-lifetime", Idempotency.LIFETIME.toString());
        });
  }

  // ------------------------------------------------------------------ namespaces

  private Response listNamespaces(Map<String, String> query) {
    String parentParam = query.get("parent");
    List<String> parent =
        parentParam == null || parentParam.isEmpty() ? List.of() : namespace(parentParam);
    List<String> names = warehouse.childNamespaces(parent);
    Page page = page(names, query);
    return write(
        200,
        g -> {
          g.writeArrayFieldStart("namespaces");
          for (String n : page.items) {
            g.writeStartArray();
            for (String part : parent) {
              g.writeString(part);
            }
            g.writeString(n);
            g.writeEndArray();
          }
          g.writeEndArray();
          page.writeToken(g);
        });
  }

  private Response createNamespace(JsonNode body) {
    List<String> ns = namespaceOf(body, "namespace");
    Map<String, String> props = stringMap(body, "properties");
    warehouse.createNamespace(ns, props);
    return write(
        200,
        g -> {
          writeNamespace(g, "namespace", ns);
          writeMap(g, "properties", props);
        });
  }

  private Response loadNamespace(List<String> ns) {
    Map<String, String> props = warehouse.namespaceProperties(ns);
    return write(
        200,
        g -> {
          writeNamespace(g, "namespace", ns);
          writeMap(g, "properties", props);
        });
  }

  private Response updateNamespaceProperties(List<String> ns, JsonNode body) {
    Map<String, String> updates = stringMap(body, "updates");
    List<String> removals = new ArrayList<>();
    JsonNode rem = body.get("removals");
    if (rem != null && !rem.isNull()) {
      if (!rem.isArray()) {
        throw RestException.badRequest("Field 'removals' must be an array of property names.");
      }
      rem.forEach(n -> removals.add(n.asText()));
    }
    Warehouse.PropertiesChange c = warehouse.updateNamespaceProperties(ns, updates, removals);
    return write(
        200,
        g -> {
          writeStrings(g, "updated", c.updated());
          writeStrings(g, "removed", c.removed());
          writeStrings(g, "missing", c.missing());
        });
  }

  // ------------------------------------------------------------------ tables

  private Response listTables(List<String> ns, Map<String, String> query) {
    List<String> names = warehouse.tables(ns);
    Page page = page(names, query);
    return write(
        200,
        g -> {
          g.writeArrayFieldStart("identifiers");
          for (String n : page.items) {
            g.writeStartObject();
            writeNamespace(g, "namespace", ns);
            g.writeStringField("name", n);
            g.writeEndObject();
          }
          g.writeEndArray();
          page.writeToken(g);
        });
  }

  private String tableOrThrow(List<String> ns, String name) {
    String dir = warehouse.existingTable(ns, name);
    if (dir == null) {
      if (!warehouse.namespaceExists(ns)) {
        throw RestException.noSuchNamespace("Namespace does not exist: " + String.join(".", ns));
      }
      throw RestException.noSuchTable("Table does not exist: " + String.join(".", ns) + "." + name);
    }
    return dir;
  }

  private TableCore core(String dir) {
    TableCore c = open.get(dir);
    if (c == null) {
      c = TableCore.open(warehouse.storage(), dir, options);
      TableCore raced = open.putIfAbsent(dir, c);
      if (raced != null) {
        c = raced;
      }
    }
    return c;
  }

  private Response loadTable(List<String> ns, String name, Request r) {
    String mode = r.query().getOrDefault("snapshots", "all");
    if (!mode.equals("all") && !mode.equals("refs")) {
      throw RestException.badRequest("Invalid snapshots mode '" + mode + "': use 'all' or 'refs'.");
    }
    TableMetadata m;
    transactions.readLock().lock();
    try {
      String dir = tableOrThrow(ns, name);
      m = core(dir).refresh();
    } finally {
      transactions.readLock().unlock();
    }
    String etag =
        etag(m.tableUuid() + "\n" + m.lastUpdatedMillis() + "\n" + m.metadataFileLocation(), mode);
    String ifNoneMatch = r.header("If-None-Match");
    if (ifNoneMatch != null && matches(ifNoneMatch, etag)) {
      return new Response(304, null, Map.of("ETag", etag));
    }
    TableMetadata shown = mode.equals("refs") ? onlyReferenced(m) : m;
    Response out = tableResponse(200, shown, m.metadataFileLocation(), true);
    return new Response(out.status(), out.body(), Map.of("ETag", etag));
  }

  private static boolean matches(String header, String etag) {
    for (String part : header.split(",")) {
      String t = part.trim();
      if (t.startsWith("W/")) {
        t = t.substring(2);
      }
      if (t.equals(etag) || t.equals("*")) {
        return true;
      }
    }
    return false;
  }

  /** A tag unique to one version of one table (its UUID, update time, file) and a load mode. */
  static String etag(String metadataLocation, String mode) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update((mode + "\n" + metadataLocation).getBytes(StandardCharsets.UTF_8));
      return "\"" + HexFormat.of().formatHex(md.digest(), 0, 16) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static TableMetadata onlyReferenced(TableMetadata m) {
    Set<Long> keep = new HashSet<>();
    m.refs().values().forEach(ref -> keep.add(ref.snapshotId()));
    List<Snapshot> snaps = new ArrayList<>();
    for (Snapshot s : m.snapshots()) {
      if (keep.contains(s.snapshotId())) {
        snaps.add(s);
      }
    }
    return TableMetadata.buildFrom(m).snapshots(snaps).build();
  }

  private Response tableResponse(
      int status, TableMetadata m, String metadataLocation, boolean withConfig) {
    byte[] json = TableMetadataParser.toJson(m);
    return write(
        status,
        g -> {
          if (metadataLocation != null) {
            g.writeStringField("metadata-location", metadataLocation);
          }
          g.writeFieldName("metadata");
          g.writeRawValue(new String(json, StandardCharsets.UTF_8));
          if (withConfig) {
            g.writeObjectFieldStart("config");
            g.writeEndObject();
          }
        });
  }

  private Response createTable(List<String> ns, JsonNode body) {
    String name = Warehouse.checkName(TableChanges.text(body, "name"), "table name");
    warehouse.existingNamespace(ns);
    String location = warehouse.tableLocation(ns, name);
    String id = String.join(".", ns) + "." + name;
    String occupant = warehouse.occupant(location, id);
    if (occupant != null) {
      throw RestException.alreadyExists(occupant + " already exists: " + id);
    }
    if (body.hasNonNull("location")
        && !TableChanges.sameLocation(TableChanges.text(body, "location"), location)) {
      throw RestException.badRequest(
          "Cannot create table "
              + id
              + " at "
              + body.get("location").asText()
              + ": tables of this catalog live in their warehouse folder ("
              + location
              + "). Leave 'location' out.");
    }
    TableMetadata m = buildNew(body, location, id);
    if (body.path("stage-create").asBoolean(false)) {
      return tableResponse(200, m, null, true);
    }
    TableMetadata committed = publishNew(location, m, id, false);
    return tableResponse(200, committed, committed.metadataFileLocation(), true);
  }

  /** The metadata of a new table from a {@code CreateTableRequest}. */
  private static TableMetadata buildNew(JsonNode body, String location, String id) {
    com.fasterxml.jackson.databind.node.ObjectNode req = MAPPER.createObjectNode();
    com.fasterxml.jackson.databind.node.ArrayNode updates = req.putArray("updates");
    req.putArray("requirements").addObject().put("type", "assert-create");
    updates
        .addObject()
        .put("action", "add-schema")
        .set("schema", TableChanges.required(body, "schema"));
    updates.addObject().put("action", "set-current-schema").put("schema-id", -1);
    if (body.hasNonNull("partition-spec")) {
      updates.addObject().put("action", "add-spec").set("spec", body.get("partition-spec"));
      updates.addObject().put("action", "set-default-spec").put("spec-id", -1);
    }
    if (body.hasNonNull("write-order")) {
      updates
          .addObject()
          .put("action", "add-sort-order")
          .set("sort-order", body.get("write-order"));
      updates.addObject().put("action", "set-default-sort-order").put("sort-order-id", -1);
    }
    com.fasterxml.jackson.databind.node.ObjectNode props = MAPPER.createObjectNode();
    props.put(TableProperties.DEFAULT_FILE_FORMAT, TableProperties.DEFAULT_FILE_FORMAT_DEFAULT);
    props.put(TableProperties.PARQUET_COMPRESSION, TableProperties.PARQUET_COMPRESSION_DEFAULT);
    JsonNode given = body.get("properties");
    if (given != null && !given.isNull()) {
      if (!given.isObject()) {
        throw RestException.badRequest("Field 'properties' must be an object of strings.");
      }
      given.fields().forEachRemaining(e -> props.put(e.getKey(), e.getValue().asText()));
    }
    updates.addObject().put("action", "set-properties").set("updates", props);
    TableChanges changes = TableChanges.parse(req);
    return changes.apply(null, location, id, null).build();
  }

  /** Publishes {@code m} as version 1 of a new table in {@code dir}. */
  private TableMetadata publishNew(String dir, TableMetadata m, String id, boolean commitRequest) {
    try {
      warehouse.prepareTable(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create table folder " + dir + ": " + e, e);
    }
    TableOperations ops = new TableOperations(warehouse.storage(), dir);
    try {
      return ops.commit(null, m);
    } catch (CommitConflictException e) {
      throw commitRequest
          ? RestException.commitFailed("Table " + id + " was created by another writer first.")
          : RestException.alreadyExists("Table already exists: " + id);
    }
  }

  private Response commitTable(List<String> ns, String name, JsonNode body, String key) {
    TableChanges changes = TableChanges.parse(body);
    String id = String.join(".", ns) + "." + name;
    JsonNode ident = body.get("identifier");
    if (ident != null && !ident.isNull()) {
      List<String> bodyNs = namespaceOf(ident, "namespace");
      String bodyName = TableChanges.text(ident, "name");
      if (!bodyNs.equals(ns) || !bodyName.equals(name)) {
        throw RestException.badRequest(
            "The commit's identifier "
                + String.join(".", bodyNs)
                + "."
                + bodyName
                + " is not the table of the path, "
                + id
                + ".");
      }
    }
    transactions.readLock().lock();
    try {
      String dir = warehouse.existingTable(ns, name);
      if (dir == null) {
        warehouse.existingNamespace(ns);
        if (!changes.createsTable()) {
          throw RestException.noSuchTable("Table does not exist: " + id);
        }
        String target = warehouse.tableLocation(ns, name);
        warehouse.claimName(target, id);
        changes.check(null, id);
        TableMetadata m = changes.apply(null, target, id, key).build();
        TableMetadata committed = publishNew(target, m, id, true);
        return tableResponse(200, committed, committed.metadataFileLocation(), false);
      }
      TableCore core = core(dir);
      if (key != null && changes.addsSnapshot()) {
        TableMetadata now = core.refresh();
        for (Snapshot s : now.snapshots()) {
          if (key.equals(s.summary().get(TableChanges.IDEMPOTENCY_SUMMARY_KEY))) {
            return tableResponse(200, now, now.metadataFileLocation(), false);
          }
        }
      }
      Committer.Committed<Void> done =
          core.commit(new RestCommit(changes, dir, id, key), CommitFiles.over(core.storage()));
      TableMetadata m = done.metadata();
      return tableResponse(200, m, m.metadataFileLocation(), false);
    } finally {
      transactions.readLock().unlock();
    }
  }

  /** A REST commit as one of DataShard's changes: checked and applied on every base. */
  private static final class RestCommit extends PendingCommit<Void> {
    private final TableChanges changes;
    private final String location;
    private final String id;
    private final String key;

    RestCommit(TableChanges changes, String location, String id, String key) {
      this.changes = changes;
      this.location = location;
      this.id = id;
      this.key = key;
    }

    @Override
    protected String what() {
      return "catalog commit";
    }

    @Override
    protected Update<Void> apply(TableMetadata base, CommitFiles files, int attempt) {
      return changes.nextVersion(base, location, id, key);
    }
  }

  private Response dropTable(List<String> ns, String name, boolean purge) {
    transactions.writeLock().lock();
    try {
      String dir = tableOrThrow(ns, name);
      open.remove(dir);
      warehouse.dropTable(dir, purge);
      return Response.empty(204);
    } finally {
      transactions.writeLock().unlock();
    }
  }

  private Response rename(JsonNode body) {
    JsonNode src = TableChanges.required(body, "source");
    JsonNode dst = TableChanges.required(body, "destination");
    List<String> srcNs = namespaceOf(src, "namespace");
    String srcName = Warehouse.checkName(TableChanges.text(src, "name"), "table name");
    List<String> dstNs = namespaceOf(dst, "namespace");
    String dstName = Warehouse.checkName(TableChanges.text(dst, "name"), "table name");
    transactions.writeLock().lock();
    try {
      String from = tableOrThrow(srcNs, srcName);
      warehouse.existingNamespace(dstNs);
      String to = warehouse.tableLocation(dstNs, dstName);
      warehouse.renameTable(from, to);
      open.remove(from);
      TableCore moved = core(to);
      String location = to;
      moved.commit(
          new MetadataCommit(
              "rename",
              base ->
                  TableChanges.sameLocation(base.location(), location)
                      ? null
                      : TableMetadata.buildFrom(base).location(location)),
          CommitFiles.over(moved.storage()));
      return Response.empty(204);
    } finally {
      transactions.writeLock().unlock();
    }
  }

  private Response register(List<String> ns, JsonNode body) {
    String name = Warehouse.checkName(TableChanges.text(body, "name"), "table name");
    String given = TableChanges.text(body, "metadata-location");
    boolean overwrite = body.path("overwrite").asBoolean(false);
    warehouse.existingNamespace(ns);
    String dir = warehouse.tableLocation(ns, name);
    String id = String.join(".", ns) + "." + name;
    String file = warehouse.metadataFileOf(given, dir, id);
    byte[] json;
    TableMetadata parsed;
    try {
      json = warehouse.storage().readAll(file);
      parsed = TableMetadataParser.fromJson(file, json);
    } catch (java.nio.file.NoSuchFileException e) {
      throw RestException.badRequest("Cannot register " + id + ": there is no file " + given);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file + ": " + e, e);
    } catch (RuntimeException e) {
      throw RestException.badRequest(
          "Cannot register "
              + id
              + ": "
              + given
              + " is not valid table metadata: "
              + e.getMessage());
    }
    transactions.writeLock().lock();
    try {
      TableOperations ops = new TableOperations(warehouse.storage(), dir);
      if (ops.exists()) {
        TableMetadata now = ops.refresh();
        if (file.equals(now.metadataFileLocation())) {
          return tableResponse(200, now, now.metadataFileLocation(), true);
        }
        if (!overwrite) {
          throw RestException.alreadyExists(
              "Table already exists: "
                  + id
                  + ". Send overwrite=true to make "
                  + given
                  + " current.");
        }
        TableMetadata.Builder next = TableMetadata.buildFrom(parsed);
        next.metadataLog(now.metadataLog());
        next.addPreviousMetadata(
            new TableMetadata.MetadataLogEntry(now.lastUpdatedMillis(), now.metadataFileLocation()),
            100);
        TableMetadata committed = ops.commit(now, next.build());
        open.remove(dir);
        return tableResponse(200, committed, committed.metadataFileLocation(), true);
      }
      TableMetadata committed = ops.commit(null, parsed);
      return tableResponse(200, committed, committed.metadataFileLocation(), true);
    } catch (CommitConflictException e) {
      throw RestException.commitFailed("Table " + id + " changed while registering; retry.");
    } finally {
      transactions.writeLock().unlock();
    }
  }

  private Response metrics(List<String> ns, String name, JsonNode body) {
    tableOrThrow(ns, name);
    if (!body.path("report-type").isTextual()) {
      throw RestException.badRequest("A metrics report needs a 'report-type' string.");
    }
    return Response.empty(204);
  }

  private Response commitTransaction(JsonNode body) {
    JsonNode arr = TableChanges.array(body, "table-changes");
    if (arr.isEmpty()) {
      throw RestException.badRequest("'table-changes' is empty: nothing to commit.");
    }
    List<MultiTableCommit.Change> changes = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    transactions.writeLock().lock();
    try {
      for (JsonNode c : arr) {
        JsonNode ident = TableChanges.required(c, "identifier");
        List<String> ns = namespaceOf(ident, "namespace");
        String name = Warehouse.checkName(TableChanges.text(ident, "name"), "table name");
        String id = String.join(".", ns) + "." + name;
        TableChanges tc = TableChanges.parse(c);
        if (tc.createsTable()) {
          throw RestException.badRequest(
              "Table " + id + ": a multi-table commit cannot create tables; create it first.");
        }
        String dir = tableOrThrow(ns, name);
        if (!seen.add(dir)) {
          throw RestException.badRequest(
              "Table " + id + " appears twice in 'table-changes'; send one change per table.");
        }
        TableCore core = core(dir);
        String location = dir;
        changes.add(
            new MultiTableCommit.Change(
                core.operations(), base -> tc.nextVersion(base, location, id, null)));
      }
      MultiTableCommit.commit(changes, options);
      return Response.empty(204);
    } finally {
      transactions.writeLock().unlock();
    }
  }

  // ------------------------------------------------------------------ JSON helpers

  private interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  private static Response write(int status, Body body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      body.write(g);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Response.json(status, out.toByteArray());
  }

  private static void writeNamespace(JsonGenerator g, String field, List<String> ns)
      throws IOException {
    writeStrings(g, field, ns);
  }

  private static void writeStrings(JsonGenerator g, String field, List<String> values)
      throws IOException {
    g.writeArrayFieldStart(field);
    for (String s : values) {
      g.writeString(s);
    }
    g.writeEndArray();
  }

  private static void writeMap(JsonGenerator g, String field, Map<String, String> map)
      throws IOException {
    g.writeObjectFieldStart(field);
    for (Map.Entry<String, String> e : map.entrySet()) {
      g.writeStringField(e.getKey(), e.getValue());
    }
    g.writeEndObject();
  }

  private static Map<String, String> stringMap(JsonNode body, String field) {
    Map<String, String> out = new LinkedHashMap<>();
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      return out;
    }
    if (!n.isObject()) {
      throw RestException.badRequest("Field '" + field + "' must be an object of strings.");
    }
    Iterator<Map.Entry<String, JsonNode>> it = n.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw RestException.badRequest(
            "Property '" + e.getKey() + "' must be a string, got " + e.getValue());
      }
      out.put(e.getKey(), e.getValue().textValue());
    }
    return out;
  }

  /** One page of a sorted list: names after the token, at most pageSize of them. */
  private record Page(List<String> items, String next, boolean paged) {
    void writeToken(JsonGenerator g) throws IOException {
      if (paged) {
        if (next == null) {
          g.writeNullField("next-page-token");
        } else {
          g.writeStringField("next-page-token", next);
        }
      }
    }
  }

  private static Page page(List<String> sorted, Map<String, String> query) {
    String token = query.get("pageToken");
    String sizeParam = query.get("pageSize");
    boolean paged = token != null || sizeParam != null;
    int size = Integer.MAX_VALUE;
    if (sizeParam != null) {
      try {
        size = Integer.parseInt(sizeParam);
      } catch (NumberFormatException e) {
        size = 0;
      }
      if (size < 1) {
        throw RestException.badRequest(
            "Invalid pageSize '" + sizeParam + "': give a positive integer.");
      }
    }
    List<String> items = new ArrayList<>();
    String after = null;
    if (token != null && !token.isEmpty()) {
      try {
        after = new String(java.util.Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw RestException.badRequest(
            "Invalid pageToken: pass the next-page-token of a response.");
      }
    }
    String next = null;
    for (String s : sorted) {
      if (after != null && s.compareTo(after) <= 0) {
        continue;
      }
      if (items.size() == size) {
        next =
            java.util.Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(items.get(items.size() - 1).getBytes(StandardCharsets.UTF_8));
        break;
      }
      items.add(s);
    }
    return new Page(items, next, paged);
  }
}
