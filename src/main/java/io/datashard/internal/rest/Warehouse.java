package io.datashard.internal.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datashard.internal.FileNames;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The folders of a warehouse as a catalog: namespace {@code a.b} is the folder {@code
 * WAREHOUSE/a/b}, table {@code a.b.t} is {@code WAREHOUSE/a/b/t} (an ordinary DataShard table: a
 * folder with {@code metadata/vN.metadata.json}). Every other folder that is not hidden is a
 * namespace.
 *
 * <h2>Rules that keep requests inside the warehouse</h2>
 *
 * <ul>
 *   <li>Every name part is checked ({@link #checkName}): not empty, not {@code .} or {@code ..}, no
 *       separator, no control character, no leading dot (hidden names are DataShard's), at most 255
 *       bytes.
 *   <li>A path is never followed through a symbolic link, and never through a table's folder (the
 *       {@code metadata} of table {@code a.t} is not namespace {@code a.t.metadata}).
 * </ul>
 *
 * <h2>Files of its own</h2>
 *
 * Namespace properties are versioned files {@code NS/.datashard-namespace/N.json}: an update
 * publishes N+1 exclusively (written, forced, linked without replacing), so two concurrent updates
 * never lose one another. A dropped table's folder is moved whole to {@code
 * WAREHOUSE/.datashard-dropped/} (and deleted there when the drop purges). A renamed table's folder
 * is moved, and its old path becomes a symbolic link to the new one, so that the absolute paths its
 * manifests recorded still resolve for every engine.
 */
final class Warehouse {
  static final String NAMESPACE_DIR = ".datashard-namespace";
  static final String DROPPED_DIR = ".datashard-dropped";
  private static final Pattern PROPS_FILE = Pattern.compile("(\\d{1,9})\\.json");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Path root;
  private final Storage storage;

  Warehouse(Path root, Storage storage) {
    this.root = root.toAbsolutePath().normalize();
    this.storage = storage;
  }

  Path root() {
    return root;
  }

  Storage storage() {
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

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && i < 80; i++) {
      char c = s.charAt(i);
      b.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : c);
    }
    return b.toString();
  }

  /** The folder of namespace {@code ns} (checked names; it may not exist). */
  Path namespaceDir(List<String> ns) {
    if (ns.isEmpty()) {
      throw RestException.badRequest("Invalid namespace: it is empty. Give a namespace like 'ml'.");
    }
    Path p = root;
    for (String part : ns) {
      p = p.resolve(checkName(part, "namespace part"));
    }
    return p;
  }

  /** The folder of table {@code name} in {@code ns} (checked names; it may not exist). */
  Path tableDir(List<String> ns, String name) {
    return namespaceDir(ns).resolve(checkName(name, "table name"));
  }

  /** True if {@code dir} is a real folder (not a link) holding a table's metadata. */
  static boolean isTable(Path dir) {
    Path meta = dir.resolve(FileNames.METADATA_DIR);
    if (!Files.isDirectory(meta, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    if (Files.exists(meta.resolve(FileNames.VERSION_HINT), LinkOption.NOFOLLOW_LINKS)) {
      return true;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(meta, "v*.metadata.json")) {
      return files.iterator().hasNext();
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * True if every folder from the warehouse down to {@code dir} is a real folder and none above
   * {@code dir} is a table.
   */
  private boolean reachable(Path dir) {
    Path rel = root.relativize(dir);
    Path p = root;
    for (int i = 0; i < rel.getNameCount(); i++) {
      p = p.resolve(rel.getName(i));
      if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        return false;
      }
      if (i < rel.getNameCount() - 1 && isTable(p)) {
        return false;
      }
    }
    return true;
  }

  boolean namespaceExists(List<String> ns) {
    Path dir = namespaceDir(ns);
    return reachable(dir) && !isTable(dir);
  }

  /** The folder of namespace {@code ns}, or 404 if there is none. */
  Path existingNamespace(List<String> ns) {
    if (!namespaceExists(ns)) {
      throw RestException.noSuchNamespace("Namespace does not exist: " + String.join(".", ns));
    }
    return namespaceDir(ns);
  }

  /** The folder of table {@code ns.name} if it is one, else null. */
  Path existingTable(List<String> ns, String name) {
    Path dir = tableDir(ns, name);
    return reachable(dir) && isTable(dir) ? dir : null;
  }

  /** The child namespaces of {@code parent} (the warehouse itself when empty), sorted. */
  List<String> childNamespaces(List<String> parent) {
    Path dir = parent.isEmpty() ? root : existingNamespace(parent);
    List<String> out = new ArrayList<>();
    for (Path p : children(dir)) {
      if (!isTable(p)) {
        out.add(p.getFileName().toString());
      }
    }
    return out;
  }

  /** The tables of namespace {@code ns}, sorted by name. */
  List<String> tables(List<String> ns) {
    Path dir = existingNamespace(ns);
    List<String> out = new ArrayList<>();
    for (Path p : children(dir)) {
      if (isTable(p)) {
        out.add(p.getFileName().toString());
      }
    }
    return out;
  }

  /** The real, visible sub-folders of {@code dir} whose names are valid, sorted. */
  private static List<Path> children(Path dir) {
    TreeMap<String, Path> sorted = new TreeMap<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.forEach(
          p -> {
            String n = p.getFileName().toString();
            if (!n.startsWith(".")
                && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                && validName(n)) {
              sorted.put(n, p);
            }
          });
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + dir + ": " + e.getMessage(), e);
    }
    return new ArrayList<>(sorted.values());
  }

  private static boolean validName(String n) {
    try {
      checkName(n, "name");
      return true;
    } catch (RestException e) {
      return false;
    }
  }

  // ------------------------------------------------------------------ namespaces

  /**
   * Creates namespace {@code ns} (its parents too, if missing) with {@code properties}.
   *
   * @throws RestException 409 if it exists
   */
  void createNamespace(List<String> ns, Map<String, String> properties) {
    Path dir = namespaceDir(ns);
    Path parent = dir.getParent();
    if (!parent.equals(root)) {
      List<String> up = ns.subList(0, ns.size() - 1);
      Path p = root;
      for (String part : up) {
        p = p.resolve(part);
        try {
          Files.createDirectory(p);
        } catch (FileAlreadyExistsException e) {
          if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) || isTable(p)) {
            throw RestException.badRequest(
                "Cannot create namespace "
                    + String.join(".", ns)
                    + ": "
                    + root.relativize(p)
                    + " is a table or a file, not a namespace.");
          }
        } catch (IOException e) {
          throw new UncheckedIOException("Cannot create " + p + ": " + e.getMessage(), e);
        }
      }
    }
    claimName(dir, String.join(".", ns));
    try {
      Files.createDirectory(dir); // the exclusive step: exactly one creator wins
    } catch (FileAlreadyExistsException e) {
      throw RestException.alreadyExists(
          (isTable(dir) ? "A table" : "Namespace") + " already exists: " + String.join(".", ns));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create " + dir + ": " + e.getMessage(), e);
    }
    try {
      storage.syncDirectory(dir.getParent().toString());
      if (!properties.isEmpty()) {
        publishProperties(dir, 1, properties);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot write the properties of namespace " + String.join(".", ns) + ": " + e, e);
    }
  }

  /** The stored properties of namespace {@code ns}. */
  Map<String, String> namespaceProperties(List<String> ns) {
    Path dir = existingNamespace(ns);
    return readProperties(dir, latestPropertiesVersion(dir));
  }

  /** What an update of namespace properties did. */
  record PropertiesChange(List<String> updated, List<String> removed, List<String> missing) {}

  /** Sets and removes namespace properties, atomically against concurrent updates. */
  PropertiesChange updateNamespaceProperties(
      List<String> ns, Map<String, String> updates, List<String> removals) {
    for (String r : removals) {
      if (updates.containsKey(r)) {
        throw RestException.unprocessable(
            "Property '" + r + "' is both set and removed in one request; give it in one list.");
      }
    }
    Path dir = existingNamespace(ns);
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

  /**
   * Drops an empty namespace.
   *
   * @throws RestException 409 if it holds a table, a namespace or any other file
   */
  void dropNamespace(List<String> ns) {
    Path dir = existingNamespace(ns);
    List<String> content = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.forEach(
          p -> {
            String n = p.getFileName().toString();
            if (Files.isSymbolicLink(p) && ForwardLinks.releaseIfUnused(this, p)) {
              return; // a rename's link that nothing needs any more
            }
            if (!n.equals(NAMESPACE_DIR)) {
              content.add(Files.isSymbolicLink(p) ? n + " (a link to a renamed table)" : n);
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + dir + ": " + e.getMessage(), e);
    }
    if (!content.isEmpty()) {
      throw RestException.notEmpty(
          "Namespace "
              + String.join(".", ns)
              + " is not empty: it holds "
              + (content.size() > 5 ? content.subList(0, 5) + " and more" : content)
              + ". Drop its tables and namespaces first.");
    }
    Path props = dir.resolve(NAMESPACE_DIR);
    try {
      if (Files.isDirectory(props, LinkOption.NOFOLLOW_LINKS)) {
        try (Stream<Path> s = Files.list(props)) {
          for (Path p : (Iterable<Path>) s::iterator) {
            Files.deleteIfExists(p);
          }
        }
        Files.deleteIfExists(props);
      }
      Files.delete(dir);
      storage.syncDirectory(dir.getParent().toString());
    } catch (DirectoryNotEmptyException e) {
      throw RestException.notEmpty(
          "Namespace " + String.join(".", ns) + " is not empty: something was created in it.");
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot drop namespace " + dir + ": " + e.getMessage(), e);
    }
  }

  private int latestPropertiesVersion(Path dir) {
    Path props = dir.resolve(NAMESPACE_DIR);
    int max = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(props)) {
      for (Path p : files) {
        Matcher m = PROPS_FILE.matcher(p.getFileName().toString());
        if (m.matches()) {
          max = Math.max(max, Integer.parseInt(m.group(1)));
        }
      }
    } catch (NoSuchFileException e) {
      return 0;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + props + ": " + e.getMessage(), e);
    }
    return max;
  }

  private Map<String, String> readProperties(Path dir, int version) {
    Map<String, String> out = new LinkedHashMap<>();
    if (version == 0) {
      return out;
    }
    Path file = dir.resolve(NAMESPACE_DIR).resolve(version + ".json");
    try {
      JsonNode n = MAPPER.readTree(storage.readAll(file.toString()));
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

  private void publishProperties(Path dir, int version, Map<String, String> props)
      throws IOException {
    Path propsDir = dir.resolve(NAMESPACE_DIR);
    Files.createDirectories(propsDir);
    ObjectNode n = MAPPER.createObjectNode();
    props.forEach(n::put);
    try (Storage.PendingFile out = storage.create(propsDir.resolve(version + ".json").toString())) {
      out.stream().write(MAPPER.writeValueAsBytes(n));
      out.publish();
    }
    storage.syncDirectory(propsDir.toString());
  }

  private void deleteOldProperties(Path dir, int keep) {
    Path propsDir = dir.resolve(NAMESPACE_DIR);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(propsDir)) {
      for (Path p : files) {
        Matcher m = PROPS_FILE.matcher(p.getFileName().toString());
        if (m.matches() && Integer.parseInt(m.group(1)) < keep) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      // best effort: an old version is never read while a newer one exists
    }
  }

  // ------------------------------------------------------------------ tables

  /**
   * Moves table folder {@code dir} into {@code WAREHOUSE/.datashard-dropped/} (and deletes it there
   * if {@code purge}): it is no longer a table of the catalog at once.
   */
  void dropTable(Path dir, boolean purge) {
    Path dropped =
        root.resolve(DROPPED_DIR)
            .resolve(
                root.relativize(dir).toString().replace('/', '.')
                    + "."
                    + System.currentTimeMillis()
                    + "-"
                    + UUID.randomUUID().toString().substring(0, 8));
    try {
      Files.createDirectories(dropped.getParent());
      Files.move(dir, dropped, StandardCopyOption.ATOMIC_MOVE); // a fresh name: nothing replaced
      storage.syncDirectory(dir.getParent().toString());
    } catch (NoSuchFileException e) {
      throw RestException.noSuchTable("Table does not exist: " + root.relativize(dir));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot drop table " + dir + ": " + e.getMessage(), e);
    }
    if (purge) {
      deleteTree(dropped);
    }
  }

  /**
   * Moves table folder {@code from} to {@code to} (which must not exist; its namespace must) and
   * leaves a symbolic link at {@code from}, so recorded absolute paths still resolve.
   */
  void renameTable(Path from, Path to) {
    Path parent = to.getParent();
    if (!reachable(parent) || (!parent.equals(root) && isTable(parent))) {
      throw RestException.noSuchNamespace(
          "Namespace does not exist: " + root.relativize(parent).toString().replace('/', '.'));
    }
    boolean back = false;
    try {
      back = isForwardLink(to) && to.toRealPath().equals(from.toRealPath());
    } catch (IOException e) {
      back = false;
    }
    if (back) {
      try {
        Files.delete(to); // renamed back: its old name's link goes, the folder returns there
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot remove the link " + to + ": " + e, e);
      }
    } else {
      claimName(to, relative(to).replace('/', '.'));
    }
    try {
      // The exclusive step: an empty folder created here by this request alone; the move then
      // replaces only that empty folder (rename(2) onto an empty directory).
      Files.createDirectory(to);
    } catch (FileAlreadyExistsException e) {
      throw RestException.alreadyExists(
          "Cannot rename to "
              + root.relativize(to)
              + ": a table or namespace of that name exists.");
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create " + to + ": " + e.getMessage(), e);
    }
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
      Files.createSymbolicLink(from, to);
      storage.syncDirectory(from.getParent().toString());
      storage.syncDirectory(to.getParent().toString());
    } catch (IOException e) {
      try {
        Files.deleteIfExists(to);
      } catch (IOException ignored) {
        // left an empty folder: an empty namespace
      }
      throw new UncheckedIOException(
          "Cannot move table " + from + " to " + to + ": " + e.getMessage(), e);
    }
  }

  /**
   * Makes the name at {@code p} free if a rename's link holds it and no longer needs it.
   *
   * @throws RestException 409 if the link still forwards paths a renamed table records
   */
  void claimName(Path p, String id) {
    if (!Files.isSymbolicLink(p) || ForwardLinks.releaseIfUnused(this, p)) {
      return;
    }
    String target;
    try {
      target = relative(p.toRealPath());
    } catch (IOException e) {
      target = "a renamed table";
    }
    throw RestException.alreadyExists(
        "Cannot use the name "
            + id
            + ": it forwards to the renamed table "
            + target.replace('/', '.')
            + ", whose retained snapshots still name files by this path. Expire its older "
            + "snapshots and compact it (or drop it) first, then the name is free.");
  }

  /** Removes a symbolic link at {@code p} whose target is gone (a renamed table dropped since). */
  static void clearDanglingLink(Path p) {
    if (Files.isSymbolicLink(p) && !Files.exists(p)) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // the create that follows reports the name as taken
      }
    }
  }

  /** True if {@code p} is a symbolic link left by a rename (to a table that still exists). */
  static boolean isForwardLink(Path p) {
    return Files.isSymbolicLink(p) && Files.exists(p);
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      List<Path> all = new ArrayList<>();
      s.forEach(all::add);
      for (int i = all.size() - 1; i >= 0; i--) {
        Files.deleteIfExists(all.get(i));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "The table was dropped, but deleting its files in " + dir + " failed: " + e, e);
    }
  }

  /** A path relative to the warehouse, for messages. */
  String relative(Path p) {
    return root.relativize(p).toString();
  }
}
