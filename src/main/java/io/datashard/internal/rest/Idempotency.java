package io.datashard.internal.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * Final responses of mutations sent with an {@code Idempotency-Key} (REST spec 1.11), so that a
 * retried request is applied once: a 2xx or a 4xx is stored (a 5xx is not: the client retries it),
 * and a request with a stored key gets that response again without running.
 *
 * <p>Each response is one file {@code WAREHOUSE/.datashard-rest/idempotency/KEY.json} (written
 * whole, forced, published without replacing), holding the request's fingerprint (method, path,
 * body hash): the same key with another request is a 422. Requests with one key are run one at a
 * time in this server. Files older than twice the advertised lifetime are deleted.
 *
 * <p>A crash between a table commit and the write of its response would lose the response; for a
 * commit that adds a snapshot the key is also recorded in the snapshot's summary ({@link
 * TableChanges#IDEMPOTENCY_SUMMARY_KEY}), and a retry that finds it answers with the table as it is
 * instead of committing again.
 */
final class Idempotency {
  static final Duration LIFETIME = Duration.ofMinutes(30);
  private static final Pattern KEY =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** A stored response. */
  record Stored(int status, byte[] body) {}

  private final String dir;
  private final Storage storage;
  private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();
  private final AtomicLong stores = new AtomicLong();

  Idempotency(String dir, Storage storage) {
    this.dir = dir;
    this.storage = storage;
  }

  /** Checks a key's form (a UUID). */
  static String check(String key) {
    if (!KEY.matcher(key).matches()) {
      throw RestException.badRequest(
          "Invalid Idempotency-Key '"
              + (key.length() > 60 ? key.substring(0, 60) + "..." : key)
              + "': it must be a UUID (36 characters, such as 017f22e2-79b0-7cc3-98c4-dc0c0c07398f).");
    }
    return key.toLowerCase(java.util.Locale.ROOT);
  }

  /** Runs {@code action} alone among requests with {@code key}. */
  <T> T locked(String key, java.util.function.Supplier<T> action) {
    ReentrantLock l = locks.computeIfAbsent(key, k -> new ReentrantLock());
    l.lock();
    try {
      return action.get();
    } finally {
      l.unlock();
      if (!l.hasQueuedThreads()) {
        locks.remove(key, l);
      }
    }
  }

  static String fingerprint(String method, String path, byte[] body) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update((method + " " + path + "\n").getBytes(StandardCharsets.UTF_8));
      md.update(body);
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The stored response for {@code key}, or null.
   *
   * @throws RestException 422 if the key was used for another request
   */
  Stored find(String key, String fingerprint) {
    String file = dir + "/" + key + ".json";
    JsonNode n;
    try {
      n = MAPPER.readTree(storage.readAll(file));
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      return null; // unreadable (damaged by a crash): treated as never stored
    }
    if (n == null || !n.path("fingerprint").isTextual()) {
      return null;
    }
    if (!n.get("fingerprint").textValue().equals(fingerprint)) {
      throw RestException.unprocessable(
          "Idempotency-Key "
              + key
              + " was already used for a different request. Use a new key for a new operation.");
    }
    return new Stored(
        n.path("status").asInt(), Base64.getDecoder().decode(n.path("body").asText("")));
  }

  /** Stores a final response (2xx or 4xx) for {@code key}. */
  void store(String key, String fingerprint, int status, byte[] body) {
    if (status >= 500) {
      return;
    }
    ObjectNode n = MAPPER.createObjectNode();
    n.put("fingerprint", fingerprint);
    n.put("status", status);
    n.put("stored-ms", System.currentTimeMillis());
    n.put("body", Base64.getEncoder().encodeToString(body));
    try {
      try (Storage.PendingFile out = storage.create(dir + "/" + key + ".json")) {
        out.stream().write(MAPPER.writeValueAsBytes(n));
        out.publish();
      }
      storage.syncDirectory(dir);
    } catch (FileAlreadyExistsException e) {
      // stored by an earlier run of the same request
    } catch (IOException e) {
      // not stored: a retry runs again, and the requirements of a commit guard it
    }
    if (stores.incrementAndGet() % 100 == 1) {
      expire();
    }
  }

  /** Deletes responses older than twice the lifetime. */
  void expire() {
    long cutoff = System.currentTimeMillis() - 2 * LIFETIME.toMillis();
    try {
      for (Storage.FileInfo f : storage.walk(dir)) {
        if (f.name().endsWith(".json") && f.lastModifiedMillis() < cutoff) {
          storage.delete(f.location());
        }
      }
    } catch (IOException e) {
      // best effort
    }
  }
}
