package io.datashard.internal.rest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP side of the catalog (the JDK's built-in server): decodes requests for {@link
 * CatalogService}, checks the bearer token, limits body sizes, serves the OAuth2 token endpoint,
 * and writes responses. Every failure is answered with the REST spec's error JSON, never a stack
 * trace.
 */
public final class HttpFront implements AutoCloseable {
  private static final JsonFactory JSON = new JsonFactory();
  private static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";

  private final CatalogService service;
  private final String token;
  private final long maxBodyBytes;
  private final HttpServer server;
  private final ExecutorService executor;

  /**
   * Starts serving.
   *
   * @param token the bearer token every request must carry, or null for none
   */
  public HttpFront(
      CatalogService service, String bind, int port, String token, long maxBodyBytes, int threads)
      throws IOException {
    this.service = service;
    this.token = token;
    this.maxBodyBytes = maxBodyBytes;
    // Without TCP_NODELAY a response written as headers and then body waits for the client's
    // delayed ACK: about 40 ms per request on a kept-alive connection. Read once, when the JDK's
    // server configuration is first loaded.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    this.server = HttpServer.create(new InetSocketAddress(bind, port), 64);
    AtomicInteger n = new AtomicInteger();
    this.executor =
        new ThreadPoolExecutor(
            threads,
            threads,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "datashard-catalog-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", this::exchange);
    server.start();
  }

  /** The port served (the one chosen when 0 was asked). */
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void exchange(HttpExchange ex) throws IOException {
    CatalogService.Response out;
    try {
      out = answer(ex);
    } catch (RestException e) {
      out = CatalogService.error(e.status(), e.type(), e.getMessage());
    } catch (RuntimeException | Error e) {
      out =
          CatalogService.error(
              500, "InternalServerError", "The server failed: " + e.getClass().getSimpleName());
    }
    try {
      respond(ex, out);
    } finally {
      ex.close();
    }
  }

  private CatalogService.Response answer(HttpExchange ex) throws IOException {
    String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
    String rawPath = ex.getRequestURI().getRawPath();
    if (rawPath == null || !rawPath.startsWith("/v1/")) {
      throw new RestException(
          404,
          "NoSuchResourceException",
          "No such endpoint: "
              + rawPath
              + ". This is an Iceberg REST catalog; its paths start /v1/.");
    }
    List<String> path = new ArrayList<>();
    for (String seg : rawPath.substring(4).split("/", -1)) {
      // Iceberg clients encode names as forms are ('+' for a space, "%2B" for a plus)
      path.add(decode(seg, true));
    }
    if (!path.isEmpty() && path.get(path.size() - 1).isEmpty()) {
      path.remove(path.size() - 1);
    }
    Map<String, String> query = query(ex.getRequestURI().getRawQuery());
    byte[] body = readBody(ex);
    if (path.size() == 2 && path.get(0).equals("oauth") && path.get(1).equals("tokens")) {
      if (!method.equals("POST")) {
        throw new RestException(405, "MethodNotAllowedException", "Use POST for /v1/oauth/tokens");
      }
      return tokenEndpoint(body);
    }
    if (token != null) {
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
        throw RestException.notAuthorized(
            "This catalog needs a bearer token: send 'Authorization: Bearer <token>' (Iceberg "
                + "clients: set the catalog property 'token', or 'credential' to 'client:<token>').");
      }
      if (!constantTimeEquals(auth.substring(7).trim(), token)) {
        throw RestException.notAuthorized("The bearer token is not valid for this catalog.");
      }
    }
    Map<String, String> headers = new HashMap<>();
    ex.getRequestHeaders()
        .forEach(
            (k, v) -> {
              if (!v.isEmpty()) {
                headers.put(k.toLowerCase(Locale.ROOT), v.get(0));
              }
            });
    return service.handle(new CatalogService.Request(method, path, query, headers, body));
  }

  /**
   * The OAuth2 client-credentials (and token-exchange) endpoint Iceberg clients call: returns the
   * configured token for the configured secret (the token itself).
   */
  private CatalogService.Response tokenEndpoint(byte[] body) {
    Map<String, String> form = query(new String(body, StandardCharsets.UTF_8));
    String grant = form.get("grant_type");
    String presented;
    if ("client_credentials".equals(grant)) {
      presented = form.get("client_secret");
    } else if ("urn:ietf:params:oauth:grant-type:token-exchange".equals(grant)) {
      presented = form.get("subject_token");
    } else {
      return oauthError(
          400,
          "unsupported_grant_type",
          "Use grant_type=client_credentials with the catalog's token as client_secret.");
    }
    if (token != null && (presented == null || !constantTimeEquals(presented, token))) {
      return oauthError(401, "invalid_client", "The client secret is not valid for this catalog.");
    }
    String issued = token != null ? token : "no-token-needed";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("access_token", issued);
      g.writeStringField("token_type", "bearer");
      g.writeStringField("issued_token_type", ACCESS_TOKEN_TYPE);
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return CatalogService.Response.json(200, out.toByteArray());
  }

  private static CatalogService.Response oauthError(int status, String error, String description) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("error", error);
      g.writeStringField("error_description", description);
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return CatalogService.Response.json(status, out.toByteArray());
  }

  private static boolean constantTimeEquals(String a, String b) {
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  private byte[] readBody(HttpExchange ex) throws IOException {
    String length = ex.getRequestHeaders().getFirst("Content-Length");
    if (length != null) {
      try {
        if (Long.parseLong(length.trim()) > maxBodyBytes) {
          throw tooLarge();
        }
      } catch (NumberFormatException e) {
        throw RestException.badRequest("Invalid Content-Length '" + length + "'.");
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    try (InputStream in = ex.getRequestBody()) {
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
        if (out.size() > maxBodyBytes) {
          throw tooLarge();
        }
      }
    }
    return out.toByteArray();
  }

  private RestException tooLarge() {
    return new RestException(
        413,
        "RequestTooLargeException",
        "The request body is larger than this catalog's limit of "
            + maxBodyBytes
            + " bytes (datashard serve --max-body-bytes).");
  }

  private static void respond(HttpExchange ex, CatalogService.Response out) throws IOException {
    out.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
    boolean head = ex.getRequestMethod().equalsIgnoreCase("HEAD");
    if (out.body() == null || out.status() == 204 || out.status() == 304 || head) {
      ex.sendResponseHeaders(out.status(), -1);
      return;
    }
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(out.status(), out.body().length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(out.body());
    }
  }

  /** Decodes %XX escapes as UTF-8 ({@code plus} true: '+' is a space, as in forms). */
  static String decode(String s, boolean plus) {
    if (s.indexOf('%') < 0 && (!plus || s.indexOf('+') < 0)) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()) {
          throw RestException.badRequest("Invalid percent escape in '" + s + "'.");
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw RestException.badRequest("Invalid percent escape in '" + s + "'.");
        }
        out.write(hi * 16 + lo);
        i += 2;
      } else if (c == '+' && plus) {
        out.write(' ');
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  static Map<String, String> query(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = decode(eq < 0 ? pair : pair.substring(0, eq), true);
      String v = eq < 0 ? "" : decode(pair.substring(eq + 1), true);
      out.putIfAbsent(k, v);
    }
    return out;
  }
}
