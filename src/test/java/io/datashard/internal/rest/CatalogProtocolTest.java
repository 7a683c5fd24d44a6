package io.datashard.internal.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datashard.CatalogServer;
import io.datashard.TableOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Iceberg REST protocol of {@link CatalogServer} spoken as raw HTTP: status codes, the error
 * model, name checks that keep requests inside the warehouse, namespaces, tables, ETags,
 * idempotency keys, the bearer token and the OAuth2 endpoint, and the body size limit.
 */
class CatalogProtocolTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String SEP = "%1F";

  @TempDir Path tmp;
  private Path warehouse;
  private CatalogServer server;
  private final List<CatalogServer> extra = new ArrayList<>();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @BeforeEach
  void start() {
    warehouse = tmp.resolve("wh");
    server = start(CatalogServer.builder(warehouse));
  }

  @AfterEach
  void stop() {
    server.close();
    extra.forEach(CatalogServer::close);
  }

  private CatalogServer start(CatalogServer.Builder b) {
    return b.port(0).options(TableOptions.defaults().withDurable(false)).start();
  }

  private CatalogServer startExtra(CatalogServer.Builder b) {
    CatalogServer s = start(b);
    extra.add(s);
    return s;
  }

  // ------------------------------------------------------------------ HTTP helpers

  private HttpResponse<String> send(String method, String path, String body, String... headers) {
    return send(server, method, path, body, headers);
  }

  private HttpResponse<String> send(
      CatalogServer to, String method, String path, String body, String... headers) {
    HttpRequest.BodyPublisher publisher =
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8);
    return send(to, method, path, publisher, body != null, headers);
  }

  private HttpResponse<String> send(
      CatalogServer to,
      String method,
      String path,
      HttpRequest.BodyPublisher publisher,
      boolean json,
      String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(to.uri() + path))
            .timeout(Duration.ofSeconds(10))
            .method(method, publisher);
    if (json) {
      b.header("Content-Type", "application/json");
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError(method + " " + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private HttpResponse<String> get(String path, String... headers) {
    return send("GET", path, null, headers);
  }

  private HttpResponse<String> post(String path, Object body, String... headers) {
    return send("POST", path, body instanceof String s ? s : write(body), headers);
  }

  private static String write(Object o) {
    try {
      return MAPPER.writeValueAsString(o);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static JsonNode json(HttpResponse<String> r) {
    try {
      JsonNode n = MAPPER.readTree(r.body());
      assertThat(n).as("JSON body of %s", r).isNotNull();
      return n;
    } catch (IOException e) {
      throw new AssertionError("Not JSON (" + r.statusCode() + "): " + r.body(), e);
    }
  }

  private static JsonNode ok(HttpResponse<String> r) {
    assertThat(r.statusCode()).as("status of %s: %s", r.request().uri(), r.body()).isEqualTo(200);
    return json(r);
  }

  /** Asserts the REST error model: {"error":{"message","type","code"}} and nothing else. */
  private static JsonNode error(HttpResponse<String> r, int status, String type) {
    assertThat(r.statusCode())
        .as("status of %s %s: %s", r.request().method(), r.request().uri(), r.body())
        .isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode n = json(r);
    assertThat(fieldNames(n)).containsExactly("error");
    JsonNode e = n.get("error");
    assertThat(fieldNames(e)).containsExactlyInAnyOrder("message", "type", "code");
    assertThat(e.get("type").asText()).isEqualTo(type);
    assertThat(e.get("code").isInt()).isTrue();
    assertThat(e.get("code").intValue()).isEqualTo(status);
    assertThat(e.get("message").isTextual()).isTrue();
    assertThat(e.get("message").asText()).isNotBlank();
    assertThat(r.body()).doesNotContain("\tat ").doesNotContain("at io.datashard.");
    return e;
  }

  private static List<String> fieldNames(JsonNode n) {
    List<String> out = new ArrayList<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }

  private static ObjectNode namespaceBody(String... parts) {
    ObjectNode n = MAPPER.createObjectNode();
    ArrayNode ns = n.putArray("namespace");
    for (String p : parts) {
      ns.add(p);
    }
    return n;
  }

  private void createNamespace(String... parts) {
    ok(post("/v1/namespaces", namespaceBody(parts)));
  }

  private static ObjectNode schema() {
    ObjectNode s = MAPPER.createObjectNode();
    s.put("type", "struct");
    s.put("schema-id", 0);
    ArrayNode fields = s.putArray("fields");
    fields.addObject().put("id", 1).put("name", "id").put("required", true).put("type", "long");
    fields
        .addObject()
        .put("id", 2)
        .put("name", "data")
        .put("required", false)
        .put("type", "string");
    return s;
  }

  private static ObjectNode createTableBody(String name) {
    ObjectNode b = MAPPER.createObjectNode();
    b.put("name", name);
    b.set("schema", schema());
    return b;
  }

  private JsonNode createTable(String ns, String name) {
    return ok(post("/v1/namespaces/" + ns + "/tables", createTableBody(name)));
  }

  private static ObjectNode setProperties(String k, String v) {
    ObjectNode b = MAPPER.createObjectNode();
    b.putArray("requirements");
    b.putArray("updates")
        .addObject()
        .put("action", "set-properties")
        .putObject("updates")
        .put(k, v);
    return b;
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  private static String stripScheme(String location) {
    String s = location.startsWith("file:") ? location.substring(5) : location;
    while (s.startsWith("//")) {
      s = s.substring(1);
    }
    return s;
  }

  // ------------------------------------------------------------------ 1. error model

  @Test
  void unknownNamespaceAndTableAre404WithTheErrorModel() {
    JsonNode e = error(get("/v1/namespaces/nope"), 404, "NoSuchNamespaceException");
    assertThat(e.get("message").asText()).contains("nope");
    error(get("/v1/namespaces/nope/tables"), 404, "NoSuchNamespaceException");
    error(get("/v1/namespaces/nope/tables/t"), 404, "NoSuchNamespaceException");

    createNamespace("db");
    e = error(get("/v1/namespaces/db/tables/missing"), 404, "NoSuchTableException");
    assertThat(e.get("message").asText()).contains("db.missing");
    error(
        post("/v1/namespaces/db/tables/missing", setProperties("k", "v")),
        404,
        "NoSuchTableException");
    error(send("DELETE", "/v1/namespaces/db/tables/missing", null), 404, "NoSuchTableException");
    error(send("DELETE", "/v1/namespaces/nope", null), 404, "NoSuchNamespaceException");

    HttpResponse<String> head = send("HEAD", "/v1/namespaces/db/tables/missing", null);
    assertThat(head.statusCode()).isEqualTo(404);
    assertThat(head.body()).isEmpty();
  }

  @Test
  void malformedOrMissingBodiesAre400WithoutStackTraces() {
    HttpResponse<String> r = post("/v1/namespaces", "{\"namespace\": [\"a\", ");
    JsonNode e = error(r, 400, "BadRequestException");
    String message = e.get("message").asText();
    assertThat(message).containsIgnoringCase("json");
    assertThat(message).doesNotContain("Exception:").doesNotContain("at io.").doesNotContain("\n");
    assertThat(r.body()).doesNotContain("com.fasterxml").doesNotContain("java.lang");

    error(post("/v1/namespaces", "not json at all"), 400, "BadRequestException");
    error(post("/v1/namespaces", "[\"a\"]"), 400, "BadRequestException");
    error(post("/v1/namespaces", "{\"namespace\": \"a\"}"), 400, "BadRequestException");
    error(post("/v1/namespaces", "{\"namespace\": [1]}"), 400, "BadRequestException");

    e = error(send("POST", "/v1/namespaces", null), 400, "BadRequestException");
    assertThat(e.get("message").asText()).containsIgnoringCase("body");
    error(post("/v1/namespaces", ""), 400, "BadRequestException");

    createNamespace("db");
    error(post("/v1/namespaces/db/tables", "{\"name\": \"t\"}"), 400, "BadRequestException");
    error(post("/v1/namespaces/db/tables", "{{"), 400, "BadRequestException");
    assertThat(Files.exists(warehouse.resolve("db").resolve("t"))).isFalse();
  }

  @Test
  void everyEndpointThatTakesABodyAnswersBadBodiesWith400AndChangesNothing() throws IOException {
    createNamespace("db");
    createTable("db", "t");
    String before =
        ok(send("GET", "/v1/namespaces/db/tables/t", null)).get("metadata-location").asText();
    List<String> endpoints =
        List.of(
            "/v1/namespaces",
            "/v1/namespaces/db/properties",
            "/v1/namespaces/db/tables",
            "/v1/namespaces/db/register",
            "/v1/namespaces/db/tables/t",
            "/v1/namespaces/db/tables/t/metrics",
            "/v1/tables/rename",
            "/v1/transactions/commit");
    List<String> bodies = List.of("{", "[]", "null", "42", "{\"unexpected\": 1}", "\u0000");
    for (String endpoint : endpoints) {
      for (String body : bodies) {
        if (endpoint.endsWith("/properties") && body.startsWith("{\"unexpected")) {
          continue; // every field of a properties update is optional: an empty update is valid
        }
        HttpResponse<String> r = post(endpoint, body);
        JsonNode e = error(r, 400, "BadRequestException");
        assertThat(e.get("message").asText()).as("%s %s", endpoint, body).isNotBlank();
        assertThat(r.body()).doesNotContain("\tat ").doesNotContain("java.lang.");
      }
    }
    // well-formed JSON of the wrong shape inside a commit
    List<String> commits =
        List.of(
            "{\"requirements\": {}, \"updates\": []}",
            "{\"requirements\": [], \"updates\": [{\"action\": \"set-properties\", \"updates\": 5}]}",
            "{\"requirements\": [{\"type\": \"assert-ref-snapshot-id\"}], \"updates\": []}",
            "{\"requirements\": [{\"type\": \"assert-nothing\"}], \"updates\": []}",
            "{\"requirements\": [], \"updates\": [{\"action\": \"add-snapshot\", \"snapshot\": {\"x\": 1}}]}",
            "{\"requirements\": [], \"updates\": [{\"action\": \"add-schema\", \"schema\": {\"type\": \"list\"}}]}",
            "{\"requirements\": [], \"updates\": [{\"action\": \"set-current-schema\", \"schema-id\": 99}]}",
            "{\"requirements\": [], \"updates\": [{\"action\": \"set-snapshot-ref\", \"ref-name\": \"main\", \"type\": \"branch\", \"snapshot-id\": 7}]}",
            "{\"requirements\": [], \"updates\": [{\"nope\": true}]}");
    for (String body : commits) {
      error(post("/v1/namespaces/db/tables/t", body), 400, "BadRequestException");
    }
    assertThat(
            ok(send("GET", "/v1/namespaces/db/tables/t", null)).get("metadata-location").asText())
        .isEqualTo(before);
    assertThat(names(warehouse)).containsExactly("db");
  }

  @Test
  void unknownEndpointsAre404AndWrongMethods405AsJson() {
    error(get("/v1/nothing-here"), 404, "NoSuchResourceException");
    error(get("/not-v1/config"), 404, "NoSuchResourceException");
    error(get("/"), 404, "NoSuchResourceException");
    createNamespace("db");
    error(get("/v1/namespaces/db/whatever"), 404, "NoSuchResourceException");

    error(send("PUT", "/v1/namespaces", "{}"), 405, "MethodNotAllowedException");
    error(send("DELETE", "/v1/config", null), 405, "MethodNotAllowedException");
    error(send("PATCH", "/v1/namespaces/db", "{}"), 405, "MethodNotAllowedException");
    error(get("/v1/namespaces/db/properties"), 405, "MethodNotAllowedException");
    error(get("/v1/oauth/tokens"), 405, "MethodNotAllowedException");
    error(get("/v1/tables/rename"), 405, "MethodNotAllowedException");
  }

  // ------------------------------------------------------------------ 2. names

  @Test
  void badNamespaceNamesAre400AndNothingIsCreatedOutsideTheWarehouse() throws IOException {
    String[][] bad = {
      {".."},
      {"."},
      {""},
      {"a/b"},
      {"a\\b"},
      {"a\u0001b"},
      {"tab\tname"},
      {".hidden"},
      {"/etc"},
      {"/tmp/evil"},
      {"C:"},
      {"..", "x"},
      {"ok", ".."},
      {"ok", "../../x"},
      {"x".repeat(256)},
    };
    for (String[] ns : bad) {
      error(post("/v1/namespaces", namespaceBody(ns)), 400, "BadRequestException");
    }
    error(post("/v1/namespaces", "{\"namespace\": []}"), 400, "BadRequestException");

    for (String seg :
        new String[] {
          "..",
          "%2E%2E",
          "a%2Fb",
          "%2Fetc",
          "a%01b",
          ".hidden",
          "%2Ehidden",
          "a%5Cb",
          "ok" + SEP + "..",
          "ok" + SEP,
          SEP + "ok",
          "%2E"
        }) {
      error(get("/v1/namespaces/" + seg), 400, "BadRequestException");
      error(send("DELETE", "/v1/namespaces/" + seg, null), 400, "BadRequestException");
      error(get("/v1/namespaces/" + seg + "/tables"), 400, "BadRequestException");
      assertThat(send("HEAD", "/v1/namespaces/" + seg, null).statusCode()).isEqualTo(400);
    }
    error(get("/v1/namespaces?parent=%2E%2E"), 400, "BadRequestException");
    error(get("/v1/namespaces?parent=a%2Fb"), 400, "BadRequestException");
    error(
        post("/v1/namespaces/..%2F..%2Fx/properties", "{\"updates\":{\"a\":\"b\"}}"),
        400,
        "BadRequestException");

    assertThat(names(tmp)).containsExactly("wh");
    assertThat(names(warehouse).stream().filter(n -> !n.startsWith(".datashard-"))).isEmpty();
  }

  @Test
  void badTableNamesAre400AndNothingIsCreatedOutsideTheWarehouse() throws IOException {
    createNamespace("ok");
    createTable("ok", "t");
    for (String name :
        new String[] {
          "../x", "..", ".", "", "a/b", "/tmp/x", "/x", ".hidden", "a\u0001", "a\u007f", "c:x",
          "..\\x"
        }) {
      error(post("/v1/namespaces/ok/tables", createTableBody(name)), 400, "BadRequestException");
      ObjectNode stage = createTableBody(name);
      stage.put("stage-create", true);
      error(post("/v1/namespaces/ok/tables", stage), 400, "BadRequestException");
      ObjectNode reg = MAPPER.createObjectNode();
      reg.put("name", name);
      reg.put(
          "metadata-location",
          warehouse
              .resolve("ok")
              .resolve("t")
              .resolve("metadata")
              .resolve("v1.metadata.json")
              .toString());
      error(post("/v1/namespaces/ok/register", reg), 400, "BadRequestException");
    }
    for (String seg :
        new String[] {"..", "%2E%2E", "..%2F..%2Fx", "a%2Fb", "%2Fetc", "a%01", ".hidden"}) {
      error(get("/v1/namespaces/ok/tables/" + seg), 400, "BadRequestException");
      error(
          send("DELETE", "/v1/namespaces/ok/tables/" + seg + "?purgeRequested=true", null),
          400,
          "BadRequestException");
      error(
          post("/v1/namespaces/ok/tables/" + seg, setProperties("k", "v")),
          400,
          "BadRequestException");
    }
    // A rename into a bad name is refused too, and the table stays where it is.
    ObjectNode rename = MAPPER.createObjectNode();
    rename.putObject("source").put("name", "t").putArray("namespace").add("ok");
    ObjectNode dst = rename.putObject("destination");
    dst.put("name", "../../../escaped");
    dst.putArray("namespace").add("ok");
    error(post("/v1/tables/rename", rename), 400, "BadRequestException");
    dst.put("name", "fine");
    dst.putArray("namespace").add("..");
    error(post("/v1/tables/rename", rename), 400, "BadRequestException");
    ok(get("/v1/namespaces/ok/tables/t"));

    assertThat(names(tmp)).containsExactly("wh");
    assertThat(names(warehouse).stream().filter(n -> !n.startsWith(".datashard-")))
        .containsExactly("ok");
    assertThat(names(warehouse.resolve("ok"))).containsExactly("t");
  }

  @Test
  void aTableIsNotANamespaceAndANamespaceIsNotATable() throws IOException {
    createNamespace("db");
    createTable("db", "t");
    createNamespace("db", "sub");
    error(get("/v1/namespaces/db" + SEP + "t"), 404, "NoSuchNamespaceException");
    error(get("/v1/namespaces/db" + SEP + "t/tables"), 404, "NoSuchNamespaceException");
    error(get("/v1/namespaces/db" + SEP + "t" + SEP + "metadata"), 404, "NoSuchNamespaceException");
    error(
        post("/v1/namespaces/db" + SEP + "t/tables", createTableBody("x")),
        404,
        "NoSuchNamespaceException");
    error(post("/v1/namespaces", namespaceBody("db", "t")), 409, "AlreadyExistsException");
    error(post("/v1/namespaces", namespaceBody("db", "t", "x")), 400, "BadRequestException");
    error(post("/v1/namespaces", namespaceBody("db", "t", "metadata")), 400, "BadRequestException");
    error(send("DELETE", "/v1/namespaces/db" + SEP + "t", null), 404, "NoSuchNamespaceException");

    error(get("/v1/namespaces/db/tables/sub"), 404, "NoSuchTableException");
    error(
        send("DELETE", "/v1/namespaces/db/tables/sub?purgeRequested=true", null),
        404,
        "NoSuchTableException");
    error(
        post("/v1/namespaces/db/tables/sub", setProperties("k", "v")), 404, "NoSuchTableException");
    assertThat(Files.isDirectory(warehouse.resolve("db").resolve("sub"))).isTrue();
    assertThat(names(warehouse.resolve("db").resolve("t"))).containsExactly("metadata");
    assertThat(
            names(warehouse.resolve("db").resolve("t").resolve("metadata")).stream()
                .filter(n -> !n.equals("version-hint.text")))
        .containsExactly("v1.metadata.json");
  }

  @Test
  void aSymbolicLinkInTheWarehouseIsNotFollowed() throws IOException {
    Path outside = Files.createDirectory(tmp.resolve("outside"));
    try {
      Files.createSymbolicLink(warehouse.resolve("evil"), outside);
    } catch (UnsupportedOperationException | IOException e) {
      Assumptions.abort("no symbolic links here: " + e);
    }
    error(get("/v1/namespaces/evil"), 404, "NoSuchNamespaceException");
    error(
        post("/v1/namespaces/evil/tables", createTableBody("t")), 404, "NoSuchNamespaceException");
    assertThat(post("/v1/namespaces", namespaceBody("evil", "inner")).statusCode())
        .isBetween(400, 499);
    assertThat(post("/v1/namespaces/evil/properties", "{\"updates\":{\"a\":\"b\"}}").statusCode())
        .isEqualTo(404);
    assertThat(send("DELETE", "/v1/namespaces/evil", null).statusCode()).isEqualTo(404);
    JsonNode list = ok(get("/v1/namespaces"));
    assertThat(list.get("namespaces")).isEmpty();
    assertThat(names(outside)).isEmpty();
    assertThat(Files.isSymbolicLink(warehouse.resolve("evil"))).isTrue();
  }

  // ------------------------------------------------------------------ 3. namespaces

  @Test
  void createLoadAndCheckNamespaces() {
    ObjectNode body = namespaceBody("a");
    body.putObject("properties").put("owner", "me").put("x", "1");
    JsonNode created = ok(post("/v1/namespaces", body));
    assertThat(created.get("namespace")).isEqualTo(MAPPER.createArrayNode().add("a"));
    assertThat(created.get("properties").get("owner").asText()).isEqualTo("me");
    assertThat(created.get("properties").get("x").asText()).isEqualTo("1");
    assertThat(Files.isDirectory(warehouse.resolve("a"))).isTrue();

    error(post("/v1/namespaces", body), 409, "AlreadyExistsException");
    error(post("/v1/namespaces", namespaceBody("a")), 409, "AlreadyExistsException");

    JsonNode loaded = ok(get("/v1/namespaces/a"));
    assertThat(loaded.get("namespace")).isEqualTo(MAPPER.createArrayNode().add("a"));
    assertThat(loaded.get("properties").size()).isEqualTo(2);
    assertThat(loaded.get("properties").get("owner").asText()).isEqualTo("me");

    HttpResponse<String> head = send("HEAD", "/v1/namespaces/a", null);
    assertThat(head.statusCode()).isEqualTo(204);
    assertThat(head.body()).isEmpty();
    assertThat(send("HEAD", "/v1/namespaces/b", null).statusCode()).isEqualTo(404);

    createNamespace("a", "b");
    assertThat(Files.isDirectory(warehouse.resolve("a").resolve("b"))).isTrue();
    assertThat(send("HEAD", "/v1/namespaces/a" + SEP + "b", null).statusCode()).isEqualTo(204);
    assertThat(send("HEAD", "/v1/namespaces/a" + SEP + "c", null).statusCode()).isEqualTo(404);
    JsonNode nested = ok(get("/v1/namespaces/a" + SEP + "b"));
    assertThat(nested.get("namespace")).isEqualTo(MAPPER.createArrayNode().add("a").add("b"));
    assertThat(nested.get("properties")).isEmpty();
  }

  @Test
  void listNamespacesWithParent() {
    createNamespace("a");
    createNamespace("a", "b");
    createNamespace("a", "c");
    createNamespace("a", "b", "deep");
    createNamespace("z");
    createTable("a", "tbl"); // a table is not a namespace

    JsonNode top = ok(get("/v1/namespaces"));
    assertThat(top.get("namespaces").toString()).isEqualTo("[[\"a\"],[\"z\"]]");
    JsonNode underA = ok(get("/v1/namespaces?parent=a"));
    assertThat(underA.get("namespaces").toString()).isEqualTo("[[\"a\",\"b\"],[\"a\",\"c\"]]");
    JsonNode underAb = ok(get("/v1/namespaces?parent=a" + SEP + "b"));
    assertThat(underAb.get("namespaces").toString()).isEqualTo("[[\"a\",\"b\",\"deep\"]]");
    JsonNode underZ = ok(get("/v1/namespaces?parent=z"));
    assertThat(underZ.get("namespaces")).isEmpty();
    error(get("/v1/namespaces?parent=nope"), 404, "NoSuchNamespaceException");
  }

  /** Follows next-page-token from the first page; returns every item in order. */
  private List<String> pages(String path, String field, int pageSize, int maxPages) {
    List<String> out = new ArrayList<>();
    String token = null;
    for (int i = 0; ; i++) {
      assertThat(i).as("pages of %s", path).isLessThan(maxPages);
      String url =
          path
              + (path.contains("?") ? "&" : "?")
              + "pageSize="
              + pageSize
              + (token == null
                  ? ""
                  : "&pageToken=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
      JsonNode page = ok(get(url));
      JsonNode items = page.get(field);
      assertThat(items.size()).isLessThanOrEqualTo(pageSize);
      for (JsonNode n : items) {
        out.add(n.isArray() ? n.get(n.size() - 1).asText() : n.get("name").asText());
      }
      JsonNode next = page.get("next-page-token");
      if (next == null || next.isNull()) {
        return out;
      }
      assertThat(next.isTextual()).isTrue();
      assertThat(items.size()).as("a page before the last one is full").isEqualTo(pageSize);
      token = next.asText();
    }
  }

  @Test
  void pagingNamespacesReturnsEachOnceInOrder() {
    createNamespace("p");
    List<String> expected = List.of("n1", "n2", "n3", "n4", "n5");
    for (String n : expected) {
      createNamespace("p", n);
    }
    assertThat(pages("/v1/namespaces?parent=p", "namespaces", 1, 7)).isEqualTo(expected);
    assertThat(pages("/v1/namespaces?parent=p", "namespaces", 2, 4)).isEqualTo(expected);
    assertThat(pages("/v1/namespaces?parent=p", "namespaces", 5, 2)).isEqualTo(expected);
    assertThat(pages("/v1/namespaces?parent=p", "namespaces", 100, 2)).isEqualTo(expected);
    JsonNode first = ok(get("/v1/namespaces?parent=p&pageSize=2"));
    assertThat(first.get("namespaces").toString()).isEqualTo("[[\"p\",\"n1\"],[\"p\",\"n2\"]]");
    assertThat(first.get("next-page-token").isTextual()).isTrue();
    error(get("/v1/namespaces?pageSize=0"), 400, "BadRequestException");
    error(get("/v1/namespaces?pageSize=abc"), 400, "BadRequestException");
  }

  @Test
  void updateNamespaceProperties() {
    ObjectNode body = namespaceBody("a");
    body.putObject("properties").put("owner", "me").put("x", "1");
    ok(post("/v1/namespaces", body));

    ObjectNode update = MAPPER.createObjectNode();
    update.putObject("updates").put("owner", "you").put("k", "v");
    update.putArray("removals").add("x").add("absent");
    JsonNode r = ok(post("/v1/namespaces/a/properties", update));
    assertThat(sorted(r.get("updated"))).containsExactly("k", "owner");
    assertThat(sorted(r.get("removed"))).containsExactly("x");
    assertThat(sorted(r.get("missing"))).containsExactly("absent");

    JsonNode props = ok(get("/v1/namespaces/a")).get("properties");
    assertThat(props.size()).isEqualTo(2);
    assertThat(props.get("owner").asText()).isEqualTo("you");
    assertThat(props.get("k").asText()).isEqualTo("v");
    assertThat(props.has("x")).isFalse();

    ObjectNode both = MAPPER.createObjectNode();
    both.putObject("updates").put("k", "w");
    both.putArray("removals").add("k");
    error(post("/v1/namespaces/a/properties", both), 422, "UnprocessableEntityException");
    assertThat(ok(get("/v1/namespaces/a")).get("properties").get("k").asText()).isEqualTo("v");

    error(post("/v1/namespaces/nope/properties", update), 404, "NoSuchNamespaceException");
    error(post("/v1/namespaces/a/properties", "{\"removals\": \"x\"}"), 400, "BadRequestException");
    error(
        post("/v1/namespaces/a/properties", "{\"updates\": {\"n\": 1}}"),
        400,
        "BadRequestException");
  }

  private static List<String> sorted(JsonNode arr) {
    assertThat(arr).isNotNull();
    assertThat(arr.isArray()).isTrue();
    List<String> out = new ArrayList<>();
    arr.forEach(n -> out.add(n.asText()));
    Collections.sort(out);
    return out;
  }

  @Test
  void dropNamespaces() {
    createNamespace("a");
    createNamespace("a", "b");
    ObjectNode withProps = namespaceBody("a", "c");
    withProps.putObject("properties").put("p", "q");
    ok(post("/v1/namespaces", withProps));
    createNamespace("t");
    createTable("t", "tbl");

    error(send("DELETE", "/v1/namespaces/a", null), 409, "NamespaceNotEmptyException");
    error(send("DELETE", "/v1/namespaces/t", null), 409, "NamespaceNotEmptyException");
    assertThat(Files.isDirectory(warehouse.resolve("a"))).isTrue();

    HttpResponse<String> r = send("DELETE", "/v1/namespaces/a" + SEP + "b", null);
    assertThat(r.statusCode()).isEqualTo(204);
    assertThat(r.body()).isEmpty();
    assertThat(Files.exists(warehouse.resolve("a").resolve("b"))).isFalse();
    assertThat(send("DELETE", "/v1/namespaces/a" + SEP + "c", null).statusCode()).isEqualTo(204);
    assertThat(Files.exists(warehouse.resolve("a").resolve("c"))).isFalse();
    assertThat(send("DELETE", "/v1/namespaces/a", null).statusCode()).isEqualTo(204);
    assertThat(Files.exists(warehouse.resolve("a"))).isFalse();
    error(get("/v1/namespaces/a"), 404, "NoSuchNamespaceException");
    error(send("DELETE", "/v1/namespaces/a", null), 404, "NoSuchNamespaceException");
    assertThat(ok(get("/v1/namespaces")).get("namespaces").toString()).isEqualTo("[[\"t\"]]");
  }

  // ------------------------------------------------------------------ 4. tables

  @Test
  void createListAndLoadTables() {
    createNamespace("db");
    JsonNode created = createTable("db", "t");
    Path dir = warehouse.resolve("db").resolve("t");
    String location = created.get("metadata-location").asText();
    assertThat(Path.of(stripScheme(location)))
        .isEqualTo(dir.resolve("metadata").resolve("v1.metadata.json"));
    assertThat(Files.isRegularFile(dir.resolve("metadata").resolve("v1.metadata.json"))).isTrue();
    JsonNode m = created.get("metadata");
    assertThat(m.get("format-version").asInt()).isEqualTo(2);
    assertThat(Path.of(stripScheme(m.get("location").asText()))).isEqualTo(dir);
    assertThat(UUID.fromString(m.get("table-uuid").asText())).isNotNull();
    assertThat(m.get("last-column-id").asInt()).isEqualTo(2);
    assertThat(m.get("current-schema-id").asInt()).isEqualTo(0);
    JsonNode fields = m.get("schemas").get(0).get("fields");
    assertThat(fields.size()).isEqualTo(2);
    assertThat(fields.get(0).get("name").asText()).isEqualTo("id");
    assertThat(fields.get(0).get("required").asBoolean()).isTrue();
    assertThat(fields.get(0).get("type").asText()).isEqualTo("long");
    assertThat(fields.get(1).get("name").asText()).isEqualTo("data");
    assertThat(fields.get(1).get("required").asBoolean()).isFalse();
    assertThat(m.get("snapshots") == null || m.get("snapshots").isEmpty()).isTrue();

    error(post("/v1/namespaces/db/tables", createTableBody("t")), 409, "AlreadyExistsException");
    createNamespace("db", "sub"); // a namespace is not a table, and its name is taken
    error(post("/v1/namespaces/db/tables", createTableBody("sub")), 409, "AlreadyExistsException");
    createTable("db", "t3");
    createTable("db", "t2");

    JsonNode all = ok(get("/v1/namespaces/db/tables"));
    List<String> listed = new ArrayList<>();
    for (JsonNode id : all.get("identifiers")) {
      assertThat(id.get("namespace").toString()).isEqualTo("[\"db\"]");
      listed.add(id.get("name").asText());
    }
    assertThat(listed).containsExactly("t", "t2", "t3");
    assertThat(pages("/v1/namespaces/db/tables", "identifiers", 1, 5))
        .containsExactly("t", "t2", "t3");
    assertThat(pages("/v1/namespaces/db/tables", "identifiers", 2, 3))
        .containsExactly("t", "t2", "t3");
    assertThat(ok(get("/v1/namespaces/db" + SEP + "sub/tables")).get("identifiers")).isEmpty();

    HttpResponse<String> load = get("/v1/namespaces/db/tables/t");
    JsonNode loaded = ok(load);
    assertThat(loaded.get("metadata-location").asText()).isEqualTo(location);
    assertThat(loaded.get("metadata").get("table-uuid")).isEqualTo(m.get("table-uuid"));
    assertThat(load.headers().firstValue("ETag")).isPresent();
    HttpResponse<String> head = send("HEAD", "/v1/namespaces/db/tables/t", null);
    assertThat(head.statusCode()).isEqualTo(204);
    assertThat(head.body()).isEmpty();
  }

  @Test
  void etagsGive304UntilACommitChangesTheTable() {
    createNamespace("db");
    createTable("db", "t");
    HttpResponse<String> first = get("/v1/namespaces/db/tables/t");
    ok(first);
    String etag = first.headers().firstValue("ETag").orElseThrow();
    assertThat(etag).isNotBlank();
    assertThat(get("/v1/namespaces/db/tables/t").headers().firstValue("ETag")).hasValue(etag);

    HttpResponse<String> notModified = get("/v1/namespaces/db/tables/t", "If-None-Match", etag);
    assertThat(notModified.statusCode()).isEqualTo(304);
    assertThat(notModified.body()).isEmpty();

    JsonNode committed = ok(post("/v1/namespaces/db/tables/t", setProperties("k", "v")));
    assertThat(committed.get("metadata-location").asText()).endsWith("v2.metadata.json");
    assertThat(committed.get("metadata").get("properties").get("k").asText()).isEqualTo("v");

    HttpResponse<String> after = get("/v1/namespaces/db/tables/t", "If-None-Match", etag);
    JsonNode reloaded = ok(after);
    assertThat(reloaded.get("metadata").get("properties").get("k").asText()).isEqualTo("v");
    assertThat(reloaded.get("metadata-location").asText())
        .isEqualTo(committed.get("metadata-location").asText());
    String etag2 = after.headers().firstValue("ETag").orElseThrow();
    assertThat(etag2).isNotEqualTo(etag);
    assertThat(get("/v1/namespaces/db/tables/t", "If-None-Match", etag2).statusCode())
        .isEqualTo(304);
  }

  @Test
  void etagsDifferForRefsModeAnd304CarriesTheEtag() {
    createNamespace("db");
    createTable("db", "t");
    String all = get("/v1/namespaces/db/tables/t").headers().firstValue("ETag").orElseThrow();
    HttpResponse<String> refs = get("/v1/namespaces/db/tables/t?snapshots=refs");
    ok(refs);
    String refsTag = refs.headers().firstValue("ETag").orElseThrow();
    assertThat(refsTag).isNotEqualTo(all);
    HttpResponse<String> r =
        get("/v1/namespaces/db/tables/t?snapshots=refs", "If-None-Match", refsTag);
    assertThat(r.statusCode()).isEqualTo(304);
    assertThat(r.headers().firstValue("ETag")).hasValue(refsTag);
    // the tag of the other mode does not match
    ok(get("/v1/namespaces/db/tables/t?snapshots=refs", "If-None-Match", all));
    error(get("/v1/namespaces/db/tables/t?snapshots=some"), 400, "BadRequestException");
  }

  @Test
  void anEtagOfADroppedTableDoesNotMatchTheTableCreatedInItsPlace() {
    createNamespace("db");
    createTable("db", "t");
    HttpResponse<String> first = get("/v1/namespaces/db/tables/t");
    String oldUuid = ok(first).get("metadata").get("table-uuid").asText();
    String etag = first.headers().firstValue("ETag").orElseThrow();
    assertThat(send("DELETE", "/v1/namespaces/db/tables/t?purgeRequested=true", null).statusCode())
        .isEqualTo(204);
    String newUuid = createTable("db", "t").get("metadata").get("table-uuid").asText();
    assertThat(newUuid).isNotEqualTo(oldUuid);
    // a client that cached the old table must not be told that it is current
    HttpResponse<String> r = get("/v1/namespaces/db/tables/t", "If-None-Match", etag);
    assertThat(r.statusCode()).as("a 304 would keep the dropped table's metadata").isEqualTo(200);
    assertThat(json(r).get("metadata").get("table-uuid").asText()).isEqualTo(newUuid);
  }

  @Test
  void setLocationOutsideTheTableFolderIs400() {
    createNamespace("db");
    String v1 = createTable("db", "t").get("metadata-location").asText();
    for (String loc :
        new String[] {tmp.resolve("elsewhere").toString(), "/tmp", warehouse.toString()}) {
      ObjectNode b = MAPPER.createObjectNode();
      b.putArray("requirements");
      b.putArray("updates").addObject().put("action", "set-location").put("location", loc);
      error(post("/v1/namespaces/db/tables/t", b), 400, "BadRequestException");
    }
    assertThat(ok(get("/v1/namespaces/db/tables/t")).get("metadata-location").asText())
        .isEqualTo(v1);
    assertThat(Files.exists(tmp.resolve("elsewhere"))).isFalse();
  }

  @Test
  void metricsReportsAreAccepted() {
    createNamespace("db");
    createTable("db", "t");
    HttpResponse<String> r =
        post("/v1/namespaces/db/tables/t/metrics", "{\"report-type\": \"scan-report\"}");
    assertThat(r.statusCode()).isEqualTo(204);
    error(post("/v1/namespaces/db/tables/t/metrics", "{}"), 400, "BadRequestException");
    error(
        post("/v1/namespaces/db/tables/nope/metrics", "{\"report-type\": \"scan-report\"}"),
        404,
        "NoSuchTableException");
  }

  @Test
  void stageCreateMakesNoTableAndOutsideLocationsAreRefused() {
    createNamespace("db");
    ObjectNode stage = createTableBody("staged");
    stage.put("stage-create", true);
    JsonNode staged = ok(post("/v1/namespaces/db/tables", stage));
    assertThat(staged.get("metadata").get("format-version").asInt()).isEqualTo(2);
    assertThat(staged.get("metadata").get("schemas").get(0).get("fields").size()).isEqualTo(2);
    assertThat(
            staged.path("metadata-location").isMissingNode()
                || staged.get("metadata-location").isNull())
        .isTrue();
    assertThat(Files.exists(warehouse.resolve("db").resolve("staged"))).isFalse();
    assertThat(ok(get("/v1/namespaces/db/tables")).get("identifiers")).isEmpty();
    error(get("/v1/namespaces/db/tables/staged"), 404, "NoSuchTableException");

    Path outside = tmp.resolve("elsewhere");
    for (String loc :
        new String[] {
          outside.toString(),
          "file:" + outside,
          warehouse.resolve("db").resolve("other").toString(),
          "/tmp"
        }) {
      ObjectNode b = createTableBody("placed");
      b.put("location", loc);
      error(post("/v1/namespaces/db/tables", b), 400, "BadRequestException");
      b.put("stage-create", true);
      error(post("/v1/namespaces/db/tables", b), 400, "BadRequestException");
    }
    assertThat(Files.exists(outside)).isFalse();
    assertThat(Files.exists(warehouse.resolve("db").resolve("placed"))).isFalse();

    ObjectNode own = createTableBody("placed");
    own.put("location", warehouse.resolve("db").resolve("placed").toString());
    ok(post("/v1/namespaces/db/tables", own));
    assertThat(Files.isDirectory(warehouse.resolve("db").resolve("placed").resolve("metadata")))
        .isTrue();
  }

  @Test
  void failedRequirementsAre409AndLeaveTheTableUnchanged() {
    createNamespace("db");
    JsonNode created = createTable("db", "t");
    String v1 = created.get("metadata-location").asText();
    String uuid = created.get("metadata").get("table-uuid").asText();

    ObjectNode wrongUuid = setProperties("k", "v");
    ((ArrayNode) wrongUuid.get("requirements"))
        .addObject()
        .put("type", "assert-table-uuid")
        .put("uuid", UUID.randomUUID().toString());
    error(post("/v1/namespaces/db/tables/t", wrongUuid), 409, "CommitFailedException");

    ObjectNode noSnapshot = setProperties("k", "v");
    ((ArrayNode) noSnapshot.get("requirements"))
        .addObject()
        .put("type", "assert-ref-snapshot-id")
        .put("ref", "main")
        .put("snapshot-id", 1234567890L);
    error(post("/v1/namespaces/db/tables/t", noSnapshot), 409, "CommitFailedException");

    ObjectNode wrongSchema = setProperties("k", "v");
    ((ArrayNode) wrongSchema.get("requirements"))
        .addObject()
        .put("type", "assert-current-schema-id")
        .put("current-schema-id", 7);
    error(post("/v1/namespaces/db/tables/t", wrongSchema), 409, "CommitFailedException");

    ObjectNode create = setProperties("k", "v");
    ((ArrayNode) create.get("requirements")).addObject().put("type", "assert-create");
    error(post("/v1/namespaces/db/tables/t", create), 409, "CommitFailedException");

    JsonNode now = ok(get("/v1/namespaces/db/tables/t"));
    assertThat(now.get("metadata-location").asText()).isEqualTo(v1);
    assertThat(now.get("metadata").get("properties").has("k")).isFalse();
    assertThat(Files.exists(warehouse.resolve("db/t/metadata/v2.metadata.json"))).isFalse();

    // The same requirements, when they hold, let the commit through.
    ObjectNode good = setProperties("k", "v");
    ArrayNode req = (ArrayNode) good.get("requirements");
    req.addObject().put("type", "assert-table-uuid").put("uuid", uuid);
    req.addObject().put("type", "assert-ref-snapshot-id").put("ref", "main").putNull("snapshot-id");
    req.addObject().put("type", "assert-current-schema-id").put("current-schema-id", 0);
    JsonNode done = ok(post("/v1/namespaces/db/tables/t", good));
    assertThat(done.get("metadata").get("properties").get("k").asText()).isEqualTo("v");
  }

  /**
   * The spec leaves objects open (no {@code additionalProperties: false}) except in scan-planning
   * expressions, which this server does not serve, and in the error model, which {@link #error}
   * checks on every answer. So unknown fields are tolerated for forward compatibility, while an
   * unknown requirement type or update action, whose meaning the server cannot know, is refused.
   */
  @Test
  void unknownFieldsAreToleratedAndUnknownTypesRefused() {
    ObjectNode ns = namespaceBody("db");
    ns.put("future-field", 1);
    ok(post("/v1/namespaces", ns));
    ObjectNode table = createTableBody("t");
    table.put("future-field", "x");
    String v1 = ok(post("/v1/namespaces/db/tables", table)).get("metadata-location").asText();

    ObjectNode extra = setProperties("k", "v");
    extra.put("future-field", true);
    ((ObjectNode) extra.get("updates").get(0)).put("future-field", 2);
    JsonNode done = ok(post("/v1/namespaces/db/tables/t", extra));
    assertThat(done.get("metadata").get("properties").get("k").asText()).isEqualTo("v");
    String v2 = done.get("metadata-location").asText();
    assertThat(v2).isNotEqualTo(v1);

    ObjectNode unknownRequirement = setProperties("k2", "v");
    ((ArrayNode) unknownRequirement.get("requirements"))
        .addObject()
        .put("type", "assert-something-new");
    JsonNode e =
        error(post("/v1/namespaces/db/tables/t", unknownRequirement), 400, "BadRequestException");
    assertThat(e.get("message").asText()).contains("assert-something-new");

    ObjectNode noType = setProperties("k2", "v");
    ((ArrayNode) noType.get("requirements")).addObject().put("uuid", "x");
    error(post("/v1/namespaces/db/tables/t", noType), 400, "BadRequestException");

    ObjectNode noAction = setProperties("k2", "v");
    ((ArrayNode) noAction.get("updates")).addObject().put("location", "x");
    error(post("/v1/namespaces/db/tables/t", noAction), 400, "BadRequestException");

    JsonNode now = ok(get("/v1/namespaces/db/tables/t"));
    assertThat(now.get("metadata-location").asText()).isEqualTo(v2);
    assertThat(now.get("metadata").get("properties").has("k2")).isFalse();
  }

  @Test
  void unsupportedUpdatesAndFormatV3Are400() {
    createNamespace("db");
    String v1 = createTable("db", "t").get("metadata-location").asText();
    for (String action :
        new String[] {"add-encryption-key", "enable-row-lineage", "no-such-update"}) {
      ObjectNode b = MAPPER.createObjectNode();
      b.putArray("requirements");
      ObjectNode u = b.putArray("updates").addObject().put("action", action);
      if (action.equals("add-encryption-key")) {
        u.putObject("encryption-key").put("key-id", "k1").put("encrypted-key-metadata", "AAAA");
      }
      JsonNode e = error(post("/v1/namespaces/db/tables/t", b), 400, "BadRequestException");
      assertThat(e.get("message").asText()).contains(action);
    }

    ObjectNode v3 = MAPPER.createObjectNode();
    v3.putArray("requirements");
    v3.putArray("updates")
        .addObject()
        .put("action", "upgrade-format-version")
        .put("format-version", 3);
    JsonNode e = error(post("/v1/namespaces/db/tables/t", v3), 400, "BadRequestException");
    assertThat(e.get("message").asText()).contains("3");
    error(
        post("/v1/namespaces/db/tables/t", setProperties("format-version", "3")),
        400,
        "BadRequestException");

    ObjectNode createV3 = createTableBody("t3");
    createV3.putObject("properties").put("format-version", "3");
    error(post("/v1/namespaces/db/tables", createV3), 400, "BadRequestException");
    assertThat(Files.exists(warehouse.resolve("db").resolve("t3"))).isFalse();

    JsonNode now = ok(get("/v1/namespaces/db/tables/t"));
    assertThat(now.get("metadata-location").asText()).isEqualTo(v1);
    assertThat(now.get("metadata").get("format-version").asInt()).isEqualTo(2);
  }

  @Test
  void dropTableMovesItAsideAndPurgeDeletesIt() throws IOException {
    createNamespace("db");
    createTable("db", "t");
    ok(post("/v1/namespaces/db/tables/t", setProperties("k", "v")));
    createTable("db", "p");
    Path dropped = warehouse.resolve(".datashard-dropped");

    HttpResponse<String> r = send("DELETE", "/v1/namespaces/db/tables/t", null);
    assertThat(r.statusCode()).isEqualTo(204);
    assertThat(r.body()).isEmpty();
    error(get("/v1/namespaces/db/tables/t"), 404, "NoSuchTableException");
    assertThat(send("HEAD", "/v1/namespaces/db/tables/t", null).statusCode()).isEqualTo(404);
    assertThat(ok(get("/v1/namespaces/db/tables")).get("identifiers").toString())
        .isEqualTo("[{\"namespace\":[\"db\"],\"name\":\"p\"}]");
    assertThat(Files.exists(warehouse.resolve("db").resolve("t"))).isFalse();
    List<String> aside = names(dropped);
    assertThat(aside).hasSize(1);
    Path kept = dropped.resolve(aside.get(0));
    assertThat(aside.get(0)).startsWith("db.t.");
    assertThat(Files.isRegularFile(kept.resolve("metadata").resolve("v1.metadata.json"))).isTrue();
    assertThat(Files.isRegularFile(kept.resolve("metadata").resolve("v2.metadata.json"))).isTrue();
    error(send("DELETE", "/v1/namespaces/db/tables/t", null), 404, "NoSuchTableException");
    // the hidden folder is not a namespace
    assertThat(ok(get("/v1/namespaces")).get("namespaces").toString()).isEqualTo("[[\"db\"]]");

    r = send("DELETE", "/v1/namespaces/db/tables/p?purgeRequested=true", null);
    assertThat(r.statusCode()).isEqualTo(204);
    assertThat(Files.exists(warehouse.resolve("db").resolve("p"))).isFalse();
    assertThat(names(dropped)).containsExactly(aside.get(0));
    try (Stream<Path> all = Files.walk(warehouse)) {
      assertThat(all.filter(p -> p.toString().contains("db.p.") || p.endsWith("p")).count())
          .isZero();
    }
    assertThat(ok(get("/v1/namespaces/db/tables")).get("identifiers")).isEmpty();

    // the name is free again
    JsonNode again = createTable("db", "t");
    assertThat(again.get("metadata-location").asText()).endsWith("v1.metadata.json");
    assertThat(again.get("metadata").get("properties").has("k")).isFalse();
    assertThat(send("DELETE", "/v1/namespaces/db", null).statusCode()).isEqualTo(409);
  }

  @Test
  void registerACopiedTableFolder() throws IOException {
    createNamespace("db");
    createTable("db", "src");
    JsonNode committed = ok(post("/v1/namespaces/db/tables/src", setProperties("k", "v")));
    Path src = warehouse.resolve("db").resolve("src");
    Path copy = warehouse.resolve("db").resolve("copy");
    copyTree(src, copy);
    Path file = copy.resolve("metadata").resolve("v2.metadata.json");
    assertThat(Files.isRegularFile(file)).isTrue();

    ObjectNode reg = MAPPER.createObjectNode();
    reg.put("name", "copy");
    reg.put("metadata-location", file.toString());
    JsonNode registered = ok(post("/v1/namespaces/db/register", reg));
    assertThat(Path.of(stripScheme(registered.get("metadata-location").asText()))).isEqualTo(file);
    assertThat(registered.get("metadata").get("table-uuid"))
        .isEqualTo(committed.get("metadata").get("table-uuid"));

    JsonNode loaded = ok(get("/v1/namespaces/db/tables/copy"));
    assertThat(Path.of(stripScheme(loaded.get("metadata-location").asText()))).isEqualTo(file);
    assertThat(loaded.get("metadata").get("properties").get("k").asText()).isEqualTo("v");
    List<String> listed = new ArrayList<>();
    ok(get("/v1/namespaces/db/tables"))
        .get("identifiers")
        .forEach(n -> listed.add(n.get("name").asText()));
    assertThat(listed).containsExactly("copy", "src");

    // a metadata file that is not in the target's own folder is refused
    ObjectNode foreign = MAPPER.createObjectNode();
    foreign.put("name", "other");
    foreign.put(
        "metadata-location", src.resolve("metadata").resolve("v2.metadata.json").toString());
    error(post("/v1/namespaces/db/register", foreign), 400, "BadRequestException");
    Path outside = Files.createDirectories(tmp.resolve("outside").resolve("metadata"));
    Files.copy(
        src.resolve("metadata").resolve("v2.metadata.json"), outside.resolve("v2.metadata.json"));
    foreign.put("metadata-location", outside.resolve("v2.metadata.json").toString());
    error(post("/v1/namespaces/db/register", foreign), 400, "BadRequestException");
    foreign.put(
        "metadata-location",
        warehouse.resolve("db/other/metadata/../../src/metadata/v2.metadata.json").toString());
    error(post("/v1/namespaces/db/register", foreign), 400, "BadRequestException");
    assertThat(Files.exists(warehouse.resolve("db").resolve("other"))).isFalse();
    error(get("/v1/namespaces/db/tables/other"), 404, "NoSuchTableException");
    error(post("/v1/namespaces/nope/register", reg), 404, "NoSuchNamespaceException");
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Iterator<Path> it = s.iterator(); it.hasNext(); ) {
        Path p = it.next();
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  @Test
  void renameMovesTheTable() {
    createNamespace("db");
    createNamespace("other");
    String uuid = createTable("db", "t").get("metadata").get("table-uuid").asText();
    ObjectNode rename = MAPPER.createObjectNode();
    rename.putObject("source").put("name", "t").putArray("namespace").add("db");
    rename.putObject("destination").put("name", "moved").putArray("namespace").add("other");
    HttpResponse<String> r = post("/v1/tables/rename", rename);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
    error(get("/v1/namespaces/db/tables/t"), 404, "NoSuchTableException");
    assertThat(ok(get("/v1/namespaces/db/tables")).get("identifiers")).isEmpty();
    JsonNode moved = ok(get("/v1/namespaces/other/tables/moved"));
    assertThat(moved.get("metadata").get("table-uuid").asText()).isEqualTo(uuid);
    assertThat(Files.isDirectory(warehouse.resolve("other/moved/metadata"))).isTrue();
    error(post("/v1/tables/rename", rename), 404, "NoSuchTableException");
    rename.putObject("source").put("name", "moved").putArray("namespace").add("other");
    rename.putObject("destination").put("name", "x").putArray("namespace").add("nope");
    error(post("/v1/tables/rename", rename), 404, "NoSuchNamespaceException");
  }

  private void rename(String fromNs, String from, String toNs, String to, int status) {
    ObjectNode rename = MAPPER.createObjectNode();
    rename.putObject("source").put("name", from).putArray("namespace").add(fromNs);
    rename.putObject("destination").put("name", to).putArray("namespace").add(toNs);
    HttpResponse<String> r = post("/v1/tables/rename", rename);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
  }

  @Test
  void renameOntoAnExistingNameIs409() {
    createNamespace("db");
    createTable("db", "a");
    createTable("db", "b");
    createNamespace("db", "n");
    rename("db", "a", "db", "b", 409);
    rename("db", "a", "db", "n", 409);
    ok(get("/v1/namespaces/db/tables/a"));
    ok(get("/v1/namespaces/db/tables/b"));
  }

  @Test
  void theOldNameOfARenamedTableCanBeCreatedAgain() {
    createNamespace("db");
    createTable("db", "t");
    rename("db", "t", "db", "u", 204);
    error(get("/v1/namespaces/db/tables/t"), 404, "NoSuchTableException");
    HttpResponse<String> r = post("/v1/namespaces/db/tables", createTableBody("t"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  @Test
  void aTableCanBeRenamedBackToItsOldName() {
    createNamespace("db");
    String uuid = createTable("db", "t").get("metadata").get("table-uuid").asText();
    rename("db", "t", "db", "u", 204);
    rename("db", "u", "db", "t", 204);
    assertThat(ok(get("/v1/namespaces/db/tables/t")).get("metadata").get("table-uuid").asText())
        .isEqualTo(uuid);
  }

  @Test
  void aNamespaceEmptiedByARenameCanBeDropped() {
    createNamespace("db");
    createNamespace("other");
    createTable("db", "t");
    rename("db", "t", "other", "t", 204);
    assertThat(ok(get("/v1/namespaces/db/tables")).get("identifiers")).isEmpty();
    assertThat(ok(get("/v1/namespaces?parent=db")).get("namespaces")).isEmpty();
    HttpResponse<String> r = send("DELETE", "/v1/namespaces/db", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
  }

  @Test
  void namesWithSpacesArePathEncodedAsIcebergJavaClientsDo() {
    ok(post("/v1/namespaces", namespaceBody("my ns")));
    ok(post("/v1/namespaces/my%20ns/tables", createTableBody("my table")));
    // org.apache.iceberg.rest.RESTUtil.encodeString (URLEncoder) is how Iceberg's RESTCatalog
    // encodes path segments; the Iceberg reference server decodes them with URLDecoder.
    String ns = org.apache.iceberg.rest.RESTUtil.encodeString("my ns");
    String table = org.apache.iceberg.rest.RESTUtil.encodeString("my table");
    assertThat(ns).isEqualTo("my+ns");
    HttpResponse<String> r = get("/v1/namespaces/" + ns + "/tables/" + table);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  @Test
  void unusualButValidNamesWork() throws IOException {
    for (String n : new String[] {"50%", "donn\u00e9es", "a+b", "a.b", "x y", "-_~"}) {
      JsonNode created = ok(post("/v1/namespaces", namespaceBody(n)));
      assertThat(created.get("namespace").get(0).asText()).isEqualTo(n);
      String seg = URLEncoder.encode(n, StandardCharsets.UTF_8).replace("+", "%20");
      ok(get("/v1/namespaces/" + seg));
      ok(post("/v1/namespaces/" + seg + "/tables", createTableBody(n)));
      JsonNode loaded = ok(get("/v1/namespaces/" + seg + "/tables/" + seg));
      assertThat(Path.of(stripScheme(loaded.get("metadata").get("location").asText())))
          .isEqualTo(warehouse.resolve(n).resolve(n));
    }
    assertThat(names(warehouse).stream().filter(n -> !n.startsWith(".datashard-")))
        .containsExactlyInAnyOrder("50%", "donn\u00e9es", "a+b", "a.b", "x y", "-_~");
  }

  // ------------------------------------------------------------------ 5. idempotency

  @Test
  void configAdvertisesTheIdempotencyKeyLifetime() {
    JsonNode config = ok(get("/v1/config"));
    JsonNode lifetime = config.get("idempotency-key-lifetime");
    assertThat(lifetime).isNotNull();
    assertThat(lifetime.isTextual()).isTrue();
    assertThat(Duration.parse(lifetime.asText())).isPositive();
    assertThat(config.get("defaults").isObject()).isTrue();
    assertThat(config.get("overrides").isObject()).isTrue();
    Set<String> endpoints = new TreeSet<>();
    config.get("endpoints").forEach(n -> endpoints.add(n.asText()));
    assertThat(endpoints)
        .contains(
            "GET /v1/{prefix}/namespaces",
            "POST /v1/{prefix}/namespaces",
            "POST /v1/{prefix}/namespaces/{namespace}/tables/{table}",
            "POST /v1/{prefix}/namespaces/{namespace}/register");
  }

  @Test
  void aRepeatedCreateNamespaceWithOneKeyIsReplayed() {
    String key = UUID.randomUUID().toString();
    ObjectNode body = namespaceBody("idem");
    body.putObject("properties").put("a", "b");
    HttpResponse<String> first = post("/v1/namespaces", body, "Idempotency-Key", key);
    ok(first);
    HttpResponse<String> second = post("/v1/namespaces", body, "Idempotency-Key", key);
    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    assertThat(json(second)).isEqualTo(json(first));
    assertThat(second.body()).isEqualTo(first.body());
    // without the key it is a new request
    error(post("/v1/namespaces", body), 409, "AlreadyExistsException");
    // with another key too
    error(
        post("/v1/namespaces", body, "Idempotency-Key", UUID.randomUUID().toString()),
        409,
        "AlreadyExistsException");

    // the same key with another request is refused, and that request does not run
    error(
        post("/v1/namespaces", namespaceBody("idem2"), "Idempotency-Key", key),
        422,
        "UnprocessableEntityException");
    assertThat(send("HEAD", "/v1/namespaces/idem2", null).statusCode()).isEqualTo(404);

    // invalid keys
    for (String bad : new String[] {"not-a-uuid", "../../etc/passwd", "1234", "x".repeat(36)}) {
      error(
          post("/v1/namespaces", namespaceBody("idem3"), "Idempotency-Key", bad),
          400,
          "BadRequestException");
    }
    assertThat(send("HEAD", "/v1/namespaces/idem3", null).statusCode()).isEqualTo(404);
  }

  @Test
  void aRepeatedDropWithOneKeyIsReplayed() {
    createNamespace("gone");
    String key = UUID.randomUUID().toString();
    assertThat(send("DELETE", "/v1/namespaces/gone", null, "Idempotency-Key", key).statusCode())
        .isEqualTo(204);
    HttpResponse<String> again =
        send("DELETE", "/v1/namespaces/gone", null, "Idempotency-Key", key);
    assertThat(again.statusCode()).as(again.body()).isEqualTo(204);
    error(send("DELETE", "/v1/namespaces/gone", null), 404, "NoSuchNamespaceException");
  }

  @Test
  void aRepeatedCreateTableOrCommitWithOneKeyIsAppliedOnce() throws IOException {
    createNamespace("db");
    String key = UUID.randomUUID().toString();
    HttpResponse<String> first =
        post("/v1/namespaces/db/tables", createTableBody("t"), "Idempotency-Key", key);
    JsonNode a = ok(first);
    HttpResponse<String> second =
        post("/v1/namespaces/db/tables", createTableBody("t"), "Idempotency-Key", key);
    JsonNode b = ok(second);
    assertThat(b.get("metadata-location")).isEqualTo(a.get("metadata-location"));
    assertThat(b.get("metadata").get("table-uuid")).isEqualTo(a.get("metadata").get("table-uuid"));
    error(post("/v1/namespaces/db/tables", createTableBody("t")), 409, "AlreadyExistsException");

    Path meta = warehouse.resolve("db/t/metadata");
    String commitKey = UUID.randomUUID().toString();
    JsonNode c1 =
        ok(
            post(
                "/v1/namespaces/db/tables/t",
                setProperties("k", "v"),
                "Idempotency-Key",
                commitKey));
    JsonNode c2 =
        ok(
            post(
                "/v1/namespaces/db/tables/t",
                setProperties("k", "v"),
                "Idempotency-Key",
                commitKey));
    assertThat(c2).isEqualTo(c1);
    assertThat(c1.get("metadata-location").asText()).endsWith("v2.metadata.json");
    assertThat(ok(get("/v1/namespaces/db/tables/t")).get("metadata-location"))
        .isEqualTo(c1.get("metadata-location"));
    assertThat(names(meta).stream().filter(n -> n.endsWith(".metadata.json")))
        .containsExactly("v1.metadata.json", "v2.metadata.json");

    // the same commit without the key is a new commit (so the check above means something)
    JsonNode c3 = ok(post("/v1/namespaces/db/tables/t", setProperties("k", "v")));
    assertThat(c3.get("metadata-location")).isNotEqualTo(c1.get("metadata-location"));

    // a failed commit is replayed as the same failure
    ObjectNode failing = setProperties("k", "w");
    ((ArrayNode) failing.get("requirements"))
        .addObject()
        .put("type", "assert-table-uuid")
        .put("uuid", UUID.randomUUID().toString());
    String failKey = UUID.randomUUID().toString();
    error(
        post("/v1/namespaces/db/tables/t", failing, "Idempotency-Key", failKey),
        409,
        "CommitFailedException");
    error(
        post("/v1/namespaces/db/tables/t", failing, "Idempotency-Key", failKey),
        409,
        "CommitFailedException");
  }

  @Test
  void storedResponsesSurviveARestart() {
    String key = UUID.randomUUID().toString();
    HttpResponse<String> first =
        post("/v1/namespaces", namespaceBody("kept"), "Idempotency-Key", key);
    ok(first);
    server.close();
    server = start(CatalogServer.builder(warehouse));
    HttpResponse<String> again =
        post("/v1/namespaces", namespaceBody("kept"), "Idempotency-Key", key);
    assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
    assertThat(again.body()).isEqualTo(first.body());
    error(post("/v1/namespaces", namespaceBody("kept")), 409, "AlreadyExistsException");
  }

  @Test
  void oneKeyForTwoDifferentDropsIs422() throws IOException {
    createNamespace("db");
    createTable("db", "t");
    String key = UUID.randomUUID().toString();
    assertThat(
            send("DELETE", "/v1/namespaces/db/tables/t", null, "Idempotency-Key", key).statusCode())
        .isEqualTo(204);
    // a drop that purges is another request than one that does not
    HttpResponse<String> purge =
        send(
            "DELETE",
            "/v1/namespaces/db/tables/t?purgeRequested=true",
            null,
            "Idempotency-Key",
            key);
    error(purge, 422, "UnprocessableEntityException");
  }

  // ------------------------------------------------------------------ 6. auth

  @Test
  void aTokenIsRequiredWhenConfigured() {
    CatalogServer secured = startExtra(CatalogServer.builder(tmp.resolve("secured")).token("tok"));
    JsonNode e = error(send(secured, "GET", "/v1/config", null), 401, "NotAuthorizedException");
    assertThat(e.get("message").asText()).contains("Bearer");
    error(send(secured, "GET", "/v1/namespaces", null), 401, "NotAuthorizedException");
    error(
        send(secured, "POST", "/v1/namespaces", write(namespaceBody("x"))),
        401,
        "NotAuthorizedException");
    assertThat(Files.exists(tmp.resolve("secured").resolve("x"))).isFalse();
    error(
        send(secured, "GET", "/v1/config", null, "Authorization", "Bearer nope"),
        401,
        "NotAuthorizedException");
    error(
        send(secured, "GET", "/v1/config", null, "Authorization", "Bearer tokk"),
        401,
        "NotAuthorizedException");
    error(
        send(secured, "GET", "/v1/config", null, "Authorization", "Basic dG9rOnRvaw=="),
        401,
        "NotAuthorizedException");
    error(
        send(secured, "GET", "/v1/config", null, "Authorization", "tok"),
        401,
        "NotAuthorizedException");

    ok(send(secured, "GET", "/v1/config", null, "Authorization", "Bearer tok"));
    ok(
        send(
            secured,
            "POST",
            "/v1/namespaces",
            write(namespaceBody("x")),
            "Authorization",
            "Bearer tok"));
    assertThat(Files.isDirectory(tmp.resolve("secured").resolve("x"))).isTrue();
    // the open server needs none
    ok(get("/v1/config"));
  }

  @Test
  void theOauthEndpointGivesTheTokenForTheRightSecret() {
    CatalogServer secured = startExtra(CatalogServer.builder(tmp.resolve("secured")).token("tok"));
    HttpResponse<String> r =
        form(secured, "grant_type=client_credentials&client_id=x&client_secret=tok");
    JsonNode t = ok(r);
    assertThat(t.get("access_token").asText()).isEqualTo("tok");
    assertThat(t.get("token_type").asText()).isEqualToIgnoringCase("bearer");
    ok(
        send(
            secured,
            "GET",
            "/v1/namespaces",
            null,
            "Authorization",
            "Bearer " + t.get("access_token").asText()));

    HttpResponse<String> wrong =
        form(secured, "grant_type=client_credentials&client_id=x&client_secret=nope");
    assertThat(wrong.statusCode()).isEqualTo(401);
    JsonNode we = json(wrong);
    assertThat(we.get("error").asText()).isEqualTo("invalid_client");
    assertThat(we.path("error_description").asText()).isNotBlank();
    assertThat(wrong.body()).doesNotContain("tok\"").doesNotContain("access_token");

    HttpResponse<String> none = form(secured, "grant_type=client_credentials&client_id=x");
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(json(none).get("error").asText()).isEqualTo("invalid_client");

    HttpResponse<String> grant = form(secured, "grant_type=password&username=a&password=tok");
    assertThat(grant.statusCode()).isEqualTo(400);
    assertThat(json(grant).get("error").asText()).isEqualTo("unsupported_grant_type");
  }

  private HttpResponse<String> form(CatalogServer to, String body) {
    return send(
        to,
        "POST",
        "/v1/oauth/tokens",
        HttpRequest.BodyPublishers.ofString(body),
        false,
        "Content-Type",
        "application/x-www-form-urlencoded");
  }

  // ------------------------------------------------------------------ 7. body limit

  @Test
  void aBodyOverTheLimitIs413AndTheServerGoesOn() {
    CatalogServer small =
        startExtra(CatalogServer.builder(tmp.resolve("small")).maxBodyBytes(2048));
    ObjectNode big = namespaceBody("big");
    big.putObject("properties").put("pad", "x".repeat(10 * 1024));
    String bigJson = write(big);
    assertThat(bigJson.length()).isGreaterThan(10 * 1024);

    JsonNode e =
        error(send(small, "POST", "/v1/namespaces", bigJson), 413, "RequestTooLargeException");
    assertThat(e.get("message").asText()).contains("2048");
    assertThat(Files.exists(tmp.resolve("small").resolve("big"))).isFalse();
    ok(send(small, "GET", "/v1/config", null));

    // a body streamed without a length is cut off too
    byte[] bytes = bigJson.getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> chunked =
        send(
            small,
            "POST",
            "/v1/namespaces",
            HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes)),
            true);
    error(chunked, 413, "RequestTooLargeException");
    assertThat(Files.exists(tmp.resolve("small").resolve("big"))).isFalse();

    ObjectNode fits = namespaceBody("fits");
    fits.putObject("properties").put("pad", "x".repeat(1000));
    ok(send(small, "POST", "/v1/namespaces", write(fits)));
    assertThat(Files.isDirectory(tmp.resolve("small").resolve("fits"))).isTrue();
  }

  // ------------------------------------------------------------------ 8. bind address

  @Test
  void itBindsToLoopbackByDefault() throws IOException {
    assertThat(server.uri().getHost()).isEqualTo("127.0.0.1");
    assertThat(server.uri().getPort()).isEqualTo(server.port());
    assertThat(server.port()).isPositive();
    assertThat(server.uri().getScheme()).isEqualTo("http");
    ok(get("/v1/config"));

    InetAddress other = null;
    for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      for (InetAddress a : Collections.list(ni.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
          other = a;
        }
      }
    }
    if (other == null) {
      return; // no other address to try
    }
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(other, server.port()), 2000);
      throw new AssertionError("the catalog answered on " + other + ", not only on loopback");
    } catch (ConnectException expected) {
      // refused: not listening there
    }
  }
}
