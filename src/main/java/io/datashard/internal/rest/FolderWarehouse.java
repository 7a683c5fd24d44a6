package io.datashard.internal.rest;

import io.datashard.internal.FileNames;
import io.datashard.internal.maintenance.UpkeepOwner;
import io.datashard.storage.Locations;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A warehouse in a local folder: every visible folder that is not a table is a namespace.
 *
 * <ul>
 *   <li>A path is never followed through a symbolic link, and never through a table's folder (the
 *       {@code metadata} of table {@code a.t} is not namespace {@code a.t.metadata}).
 *   <li>A dropped table's folder is moved whole to {@code WAREHOUSE/.datashard-dropped/} (and
 *       deleted there when the drop purges).
 *   <li>A renamed table's folder is moved, and its old path becomes a symbolic link to the new one,
 *       so that the absolute paths its manifests recorded still resolve for every engine.
 * </ul>
 */
final class FolderWarehouse extends Warehouse {
  private final Path root;

  FolderWarehouse(Path root, Storage storage) {
    super(storage);
    this.root = root.toAbsolutePath().normalize();
  }

  @Override
  String root() {
    return root.toString();
  }

  /** The folder of namespace {@code ns} (checked names; it may not exist). */
  Path namespaceDir(List<String> ns) {
    return Path.of(namespaceLocation(ns));
  }

  /** The folder of table {@code name} in {@code ns} (checked names; it may not exist). */
  Path tableDir(List<String> ns, String name) {
    return Path.of(tableLocation(ns, name));
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

  @Override
  boolean namespaceExists(List<String> ns) {
    Path dir = namespaceDir(ns);
    return reachable(dir) && !isTable(dir);
  }

  @Override
  String existingTable(List<String> ns, String name) {
    Path dir = tableDir(ns, name);
    return reachable(dir) && isTable(dir) ? dir.toString() : null;
  }

  @Override
  String occupant(String location, String id) {
    Path dir = Path.of(location);
    claimName(location, id);
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    return isTable(dir) ? "Table" : "A namespace of that name";
  }

  /** The child namespaces of {@code parent} (the warehouse itself when empty), sorted. */
  @Override
  List<String> childNamespaces(List<String> parent) {
    Path dir = parent.isEmpty() ? root : Path.of(existingNamespace(parent));
    List<String> out = new ArrayList<>();
    for (Path p : children(dir)) {
      if (!isTable(p)) {
        out.add(p.getFileName().toString());
      }
    }
    return out;
  }

  /** The tables of namespace {@code ns}, sorted by name. */
  @Override
  List<String> tables(List<String> ns) {
    Path dir = Path.of(existingNamespace(ns));
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

  // ------------------------------------------------------------------ namespaces

  /**
   * Creates namespace {@code ns} (its parents too, if missing) with {@code properties}.
   *
   * @throws RestException 409 if it exists
   */
  @Override
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
    claimName(dir.toString(), String.join(".", ns));
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
        publishProperties(dir.toString(), 1, properties);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot write the properties of namespace " + String.join(".", ns) + ": " + e, e);
    }
  }

  /**
   * Drops an empty namespace.
   *
   * @throws RestException 409 if it holds a table, a namespace or any other file
   */
  @Override
  void dropNamespace(List<String> ns) {
    Path dir = Path.of(existingNamespace(ns));
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

  // ------------------------------------------------------------------ tables

  /**
   * Moves table folder {@code dir} into {@code WAREHOUSE/.datashard-dropped/} (and deletes it there
   * if {@code purge}): it is no longer a table of the catalog at once.
   */
  @Override
  void dropTable(String location, boolean purge) {
    Path dir = Path.of(location);
    Path dropped =
        root.resolve(DROPPED_DIR)
            .resolve(
                root.relativize(dir).toString().replace('/', '.')
                    + "."
                    + System.currentTimeMillis()
                    + "-"
                    + UUID.randomUUID().toString().substring(0, 8));
    // this process's upkeep of the table must not write under its folder once it has moved
    UpkeepOwner.stop(dir.toString());
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
  @Override
  void renameTable(String fromLocation, String toLocation) {
    Path from = Path.of(fromLocation);
    Path to = Path.of(toLocation);
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
      claimName(toLocation, relative(toLocation).replace('/', '.'));
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
    // this process's upkeep of the table must not write under the old folder once it has moved
    // (re-creating it there would take the place of the link)
    UpkeepOwner.stop(from.toString());
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
  @Override
  void claimName(String location, String id) {
    Path p = Path.of(location);
    if (!Files.isSymbolicLink(p) || ForwardLinks.releaseIfUnused(this, p)) {
      return;
    }
    String target;
    try {
      target = relative(p.toRealPath().toString());
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

  @Override
  void prepareTable(String location) throws IOException {
    Path dir = Path.of(location);
    Files.createDirectories(dir.resolve(FileNames.METADATA_DIR));
    storage.syncDirectory(dir.getParent().toString());
    storage.syncDirectory(dir.toString());
  }

  @Override
  String metadataFileOf(String given, String tableLocation, String id) {
    Path file = Path.of(Locations.stripFileScheme(given)).toAbsolutePath().normalize();
    Path metadata = Path.of(tableLocation).resolve(FileNames.METADATA_DIR);
    if (!file.startsWith(metadata)) {
      throw RestException.badRequest(
          "Cannot register "
              + id
              + " from "
              + given
              + ": this catalog serves each table from its own warehouse folder, so the metadata "
              + "file must be in "
              + metadata
              + ". Copy or move the table's folder there first.");
    }
    return file.toString();
  }
}
