package io.datashard.internal.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datashard.storage.Locations;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A warehouse as a catalog: namespace {@code a.b} is {@code WAREHOUSE/a/b}, table {@code a.b.t} is
 * {@code WAREHOUSE/a/b/t} (an ordinary DataShard table: {@code metadata/vN.metadata.json} under
 * it). Two kinds: {@link FolderWarehouse} for a local folder (every visible folder that is not a
 * table is a namespace) and {@link ObjectStoreWarehouse} for a prefix of an object store (where
 * folders do not exist, so a namespace is one that was created).
 *
 * <p>Every name part is checked ({@link #checkName}): not empty, not {@code .} or {@code ..}, no
 * separator, no control character, no leading dot (hidden names are DataShard's), at most 255
 * bytes; so no request reaches outside the warehouse.
 *
 * <p>Namespace properties are versioned files {@code NS/.datashard-namespace/N.json}: an update
 * publishes N+1 exclusively, so two concurrent updates never lose one another; older versions are
 * deleted after (version 0, where there is one, marks the namespace and stays).
 */
abstract class Warehouse {
  static final String NAMESPACE_DIR = ".datashard-namespace";
  static final String DROPPED_DIR = ".datashard-dropped";
  private static final Pattern PROPS_FILE = Pattern.compile("(\\d{1,9})\\.json");
  static final ObjectMapper MAPPER = new ObjectMapper();

  final Storage storage;

  Warehouse(Storage storage) {
    this.storage = storage;
  }

  /** The warehouse for {@code root}: a local folder, or an {@code s3://} prefix. */
  static Warehouse at(String root, Storage storage) {
    String scheme = Locations.scheme(root);
    return scheme == null || scheme.equals("file")
        ? new FolderWarehouse(java.nio.file.Path.of(Locations.stripFileScheme(root)), storage)
        : new ObjectStoreWarehouse(root, storage);
  }

  /** The warehouse's location (no trailing slash). */
  abstract String root();

  final Storage storage() {
    return storage;
  }

  /** Checks one part of a namespace or a table name. */
  static String checkName(String part, String what) {
    if (part == null || part.isEmpty()) {
      throw RestException.badRequest(
          "Invalid " + what + ": it is empty. Give a name such as 'events'.");
    }
    if (part.equals(".") || part.equals("..")) {
      throw RestException.badRequest(
          "Invalid " + what + " '" + part + "': '.' and '..' are not names.");
    }
    if (part.getBytes(StandardCharsets.UTF_8).length > 255) {
      throw RestException.badRequest(
          "Invalid " + what + ": longer than 255 bytes. Give a shorter name.");
    }
    for (int i = 0; i < part.length(); i++) {
      char c = part.charAt(i);
      if (c == '/' || c == '\\' || c == ':' || c < 0x20 || c == 0x7f) {
        throw RestException.badRequest(
            "Invalid "
                + what
                + " '"
                + printable(part)
                + "': it contains "
                + (c < 0x20 || c == 0x7f ? "a control character" : "'" + c + "'")
                + ", which a folder name cannot hold. Use letters, digits, '_' or '-'.");
      }
    }
    if (part.charAt(0) == '.') {
      throw RestException.badRequest(
          "Invalid "
              + what
              + " '"
              + part
              + "': names starting with '.' are reserved for DataShard's own files.");
    }
    return part;
  }

  static boolean validName(String n) {
    try {
      checkName(n, "name");
      return true;
    } catch (RestException e) {
      return false;
    }
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && i < 80; i++) {
      char c = s.charAt(i);
      b.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : c);
    }
    return b.toString();
  }

  /** The location of namespace {@code ns} (checked names; it may not exist). */
  final String namespaceLocation(List<String> ns) {
    if (ns.isEmpty()) {
      throw RestException.badRequest("Invalid namespace: it is empty. Give a namespace like 'ml'.");
    }
    StringBuilder b = new StringBuilder(root());
    for (String part : ns) {
      b.append('/').append(checkName(part, "namespace part"));
    }
    return b.toString();
  }

  /** The location of table {@code name} in {@code ns} (checked names; it may not exist). */
  final String tableLocation(List<String> ns, String name) {
    return namespaceLocation(ns) + "/" + checkName(name, "table name");
  }

  abstract boolean namespaceExists(List<String> ns);

  /** The location of namespace {@code ns}, or 404 if there is none. */
  final String existingNamespace(List<String> ns) {
    if (!namespaceExists(ns)) {
      throw RestException.noSuchNamespace("Namespace does not exist: " + String.join(".", ns));
    }
    return namespaceLocation(ns);
  }

  /** The location of table {@code ns.name} if it is one, else null. */
  abstract String existingTable(List<String> ns, String name);

  /** The child namespaces of {@code parent} (the warehouse itself when empty), sorted. */
  abstract List<String> childNamespaces(List<String> parent);

  /** The tables of namespace {@code ns}, sorted by name. */
  abstract List<String> tables(List<String> ns);

  /**
   * What holds the name at table location {@code location}: "Table", "A namespace of that name", or
   * null if it is free. A name a rename's forwarding link no longer needs is freed first.
   *
   * @throws RestException 409 if such a link still needs the name
   */
  abstract String occupant(String location, String id);

  /**
   * Creates namespace {@code ns} (its parents too, if missing) with {@code properties}.
   *
   * @throws RestException 409 if it exists
   */
  abstract void createNamespace(List<String> ns, Map<String, String> properties);

  /**
   * Drops an empty namespace.
   *
   * @throws RestException 409 if it holds a table, a namespace or any other file
   */
  abstract void dropNamespace(List<String> ns);

  /** Makes what a new table at {@code location} needs before its first version is published. */
  abstract void prepareTable(String location) throws IOException;

  /**
   * Makes the table at {@code location} no longer a table of the catalog (and deletes its files if
   * {@code purge}).
   */
  abstract void dropTable(String location, boolean purge);

  /** Moves the table at {@code from} to {@code to} (free; its namespace exists). */
  abstract void renameTable(String from, String to);

  /**
   * Makes the name at {@code location} free if a rename's link holds it and no longer needs it.
   *
   * @throws RestException 409 if the link still forwards paths a renamed table records
   */
  abstract void claimName(String location, String id);

  /**
   * The metadata file {@code given} (as a client named it) in the storage's own form, if it lies in
   * the metadata folder of the table at {@code tableLocation}; else a 400 that says so.
   */
  abstract String metadataFileOf(String given, String tableLocation, String id);

  /** Where the server keeps the responses of requests with an idempotency key. */
  final String idempotencyLocation() {
    return root() + "/.datashard-rest/idempotency";
  }

  /** A location relative to the warehouse, for messages. */
  final String relative(String location) {
    String r = root();
    return location.startsWith(r + "/") ? location.substring(r.length() + 1) : location;
  }

  // ------------------------------------------------------------------ namespace properties

  final String propertiesLocation(String namespaceLocation) {
    return namespaceLocation + "/" + NAMESPACE_DIR;
  }

  /** The stored properties of namespace {@code ns}. */
  final Map<String, String> namespaceProperties(List<String> ns) {
    String dir = existingNamespace(ns);
    return readProperties(dir, latestPropertiesVersion(dir));
  }

  /** What an update of namespace properties did. */
  record PropertiesChange(List<String> updated, List<String> removed, List<String> missing) {}

  /** Sets and removes namespace properties, atomically against concurrent updates. */
  final PropertiesChange updateNamespaceProperties(
      List<String> ns, Map<String, String> updates, List<String> removals) {
    for (String r : removals) {
      if (updates.containsKey(r)) {
        throw RestException.unprocessable(
            "Property '" + r + "' is both set and removed in one request; give it in one list.");
      }
    }
    String dir = existingNamespace(ns);
    for (int attempt = 0; ; attempt++) {
      int v = latestPropertiesVersion(dir);
      Map<String, String> props = readProperties(dir, v);
      List<String> removed = new ArrayList<>();
      List<String> missing = new ArrayList<>();
      for (String r : removals) {
        if (props.remove(r) != null) {
          removed.add(r);
        } else {
          missing.add(r);
        }
      }
      props.putAll(updates);
      try {
        publishProperties(dir, v + 1, props);
        deleteOldProperties(dir, v + 1);
        return new PropertiesChange(new ArrayList<>(updates.keySet()), removed, missing);
      } catch (FileAlreadyExistsException raced) {
        if (attempt > 100) {
          throw RestException.commitFailed(
              "Namespace " + String.join(".", ns) + " properties kept changing; retry.");
        }
      } catch (IOException e) {
        throw new UncheckedIOException(
            "Cannot write the properties of namespace " + String.join(".", ns) + ": " + e, e);
      }
    }
  }

  final int latestPropertiesVersion(String namespaceLocation) {
    String props = propertiesLocation(namespaceLocation);
    int max = 0;
    try {
      for (String n : storage.list(props)) {
        Matcher m = PROPS_FILE.matcher(n);
        if (m.matches()) {
          max = Math.max(max, Integer.parseInt(m.group(1)));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + props + ": " + e.getMessage(), e);
    }
    return max;
  }

  private Map<String, String> readProperties(String dir, int version) {
    Map<String, String> out = new LinkedHashMap<>();
    if (version == 0) {
      return out;
    }
    String file = propertiesLocation(dir) + "/" + version + ".json";
    try {
      JsonNode n = MAPPER.readTree(storage.readAll(file));
      Iterator<Map.Entry<String, JsonNode>> it = n.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        out.put(e.getKey(), e.getValue().asText());
      }
      return out;
    } catch (NoSuchFileException e) {
      // replaced and removed meanwhile: read the newest again
      return readProperties(dir, latestPropertiesVersion(dir));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot read namespace properties " + file + ": " + e.getMessage(), e);
    }
  }

  /** Publishes version {@code version} of the properties exclusively. */
  final void publishProperties(String dir, int version, Map<String, String> props)
      throws IOException {
    String propsDir = propertiesLocation(dir);
    ObjectNode n = MAPPER.createObjectNode();
    props.forEach(n::put);
    try (Storage.PendingFile out = storage.create(propsDir + "/" + version + ".json")) {
      out.stream().write(MAPPER.writeValueAsBytes(n));
      out.publish();
    }
    storage.syncDirectory(propsDir);
  }

  private void deleteOldProperties(String dir, int keep) {
    String propsDir = propertiesLocation(dir);
    try {
      for (String n : storage.list(propsDir)) {
        Matcher m = PROPS_FILE.matcher(n);
        if (m.matches()) {
          int v = Integer.parseInt(m.group(1));
          if (v > 0 && v < keep) {
            storage.delete(propsDir + "/" + n);
          }
        }
      }
    } catch (IOException e) {
      // best effort: an old version is never read while a newer one exists
    }
  }
}
