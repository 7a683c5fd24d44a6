package io.datashard.internal.rest;

import io.datashard.internal.FileNames;
import io.datashard.storage.Locations;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;

/**
 * A warehouse under a prefix of an object store ({@code s3://bucket/prefix}). An object store has
 * no folders, no links and no atomic move, so the rules differ from a {@link FolderWarehouse}:
 *
 * <ul>
 *   <li>A namespace is one that was created: it has the marker {@code
 *       NS/.datashard-namespace/0.json}, written with an exclusive (conditional) put, so of two
 *       concurrent creators exactly one wins. Creating a namespace creates the missing markers of
 *       its parents. A prefix without a marker is not a namespace, even if tables lie under it
 *       (create the namespace to see them).
 *   <li>A table is a prefix whose {@code metadata/} holds {@code version-hint.text} or a {@code
 *       vN.metadata.json}; creating one is the exclusive put of {@code v1.metadata.json}.
 *   <li>Dropping a table deletes its metadata versions (so it is no longer a table; a writer that
 *       commits while the drop runs has its version deleted too), after keeping a copy of the
 *       newest in {@code WAREHOUSE/.datashard-dropped/} when the drop does not purge; its data and
 *       manifest files stay where they are, named by that copy. A purge deletes every object under
 *       the table.
 *   <li>Renaming a table is refused (406): objects cannot be moved, and a table's metadata records
 *       the absolute locations of its files.
 *   <li>Dropping a namespace checks that nothing lies under it, then deletes its marker; a table
 *       created under it at that moment is not seen (an object store cannot make the two one step).
 * </ul>
 */
final class ObjectStoreWarehouse extends Warehouse {
  private static final String MARKER = "0.json";
  private final String root;

  ObjectStoreWarehouse(String root, Storage storage) {
    super(storage);
    String r = root;
    while (r.endsWith("/")) {
      r = r.substring(0, r.length() - 1);
    }
    this.root = r;
  }

  @Override
  String root() {
    return root;
  }

  private String marker(String namespaceLocation) {
    return propertiesLocation(namespaceLocation) + "/" + MARKER;
  }

  private boolean hasMarker(String namespaceLocation) {
    try {
      return storage.exists(marker(namespaceLocation));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot read " + marker(namespaceLocation) + ": " + e.getMessage(), e);
    }
  }

  /** True if {@code location} holds a table's metadata. */
  private boolean isTable(String location) {
    String meta = location + "/" + FileNames.METADATA_DIR;
    try {
      for (String n : storage.list(meta)) {
        if (n.equals(FileNames.VERSION_HINT) || FileNames.parseVersion(n) >= 0) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + meta + ": " + e.getMessage(), e);
    }
  }

  @Override
  boolean namespaceExists(List<String> ns) {
    return hasMarker(namespaceLocation(ns));
  }

  @Override
  String existingTable(List<String> ns, String name) {
    String location = tableLocation(ns, name);
    return namespaceExists(ns) && isTable(location) ? location : null;
  }

  /** The valid, visible names directly under {@code location}, sorted. */
  private List<String> children(String location) {
    TreeSet<String> names = new TreeSet<>();
    try {
      for (String n : storage.list(location)) {
        if (!n.startsWith(".") && validName(n)) {
          names.add(n);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + location + ": " + e.getMessage(), e);
    }
    return new ArrayList<>(names);
  }

  @Override
  List<String> childNamespaces(List<String> parent) {
    String dir = parent.isEmpty() ? root : existingNamespace(parent);
    List<String> out = new ArrayList<>();
    for (String n : children(dir)) {
      if (hasMarker(dir + "/" + n)) {
        out.add(n);
      }
    }
    return out;
  }

  @Override
  List<String> tables(List<String> ns) {
    String dir = existingNamespace(ns);
    List<String> out = new ArrayList<>();
    for (String n : children(dir)) {
      if (isTable(dir + "/" + n)) {
        out.add(n);
      }
    }
    return out;
  }

  @Override
  String occupant(String location, String id) {
    if (isTable(location)) {
      return "Table";
    }
    return hasMarker(location) ? "A namespace of that name" : null;
  }

  @Override
  void createNamespace(List<String> ns, Map<String, String> properties) {
    String id = String.join(".", ns);
    for (int i = 1; i <= ns.size(); i++) {
      String dir = namespaceLocation(ns.subList(0, i));
      if (isTable(dir)) {
        throw RestException.badRequest(
            "Cannot create namespace "
                + id
                + ": "
                + relative(dir)
                + " is a table, not a namespace.");
      }
      try {
        storage.writeNew(marker(dir), "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      } catch (FileAlreadyExistsException e) {
        if (i == ns.size()) {
          throw RestException.alreadyExists("Namespace already exists: " + id);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot create namespace " + id + ": " + e, e);
      }
    }
    if (!properties.isEmpty()) {
      try {
        publishProperties(namespaceLocation(ns), 1, properties);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "Cannot write the properties of namespace " + id + ": " + e, e);
      }
    }
  }

  @Override
  void dropNamespace(List<String> ns) {
    String dir = existingNamespace(ns);
    String id = String.join(".", ns);
    List<String> content = new ArrayList<>();
    try {
      for (String n : storage.list(dir)) {
        if (!n.equals(NAMESPACE_DIR)) {
          content.add(n);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + dir + ": " + e.getMessage(), e);
    }
    if (!content.isEmpty()) {
      content.sort(null);
      throw RestException.notEmpty(
          "Namespace "
              + id
              + " is not empty: it holds "
              + (content.size() > 5 ? content.subList(0, 5) + " and more" : content)
              + ". Drop its tables and namespaces first.");
    }
    String props = propertiesLocation(dir);
    try {
      storage.delete(marker(dir)); // the namespace is gone from here on
      for (String n : storage.list(props)) {
        storage.delete(props + "/" + n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot drop namespace " + id + ": " + e.getMessage(), e);
    }
  }

  @Override
  void prepareTable(String location) {
    // nothing: an object store has no folders to make
  }

  @Override
  void dropTable(String location, boolean purge) {
    String meta = location + "/" + FileNames.METADATA_DIR;
    try {
      List<String> versions = versions(meta);
      if (versions.isEmpty()) {
        throw RestException.noSuchTable("Table does not exist: " + relative(location));
      }
      if (!purge) {
        String newest = versions.get(versions.size() - 1);
        String kept =
            root
                + "/"
                + DROPPED_DIR
                + "/"
                + relative(location).replace('/', '.')
                + "."
                + System.currentTimeMillis()
                + "-"
                + UUID.randomUUID().toString().substring(0, 8)
                + "."
                + newest;
        storage.link(meta + "/" + newest, kept);
      }
      storage.delete(meta + "/" + FileNames.VERSION_HINT);
      storage.delete(meta + "/" + FileNames.checksumSideFile(FileNames.VERSION_HINT));
      // oldest first, so that a reader meanwhile still finds the newest; again if a commit landed
      for (int round = 0; !versions.isEmpty() && round < 10; round++) {
        for (String v : versions) {
          storage.delete(meta + "/" + v);
        }
        versions = versions(meta);
      }
      if (purge) {
        for (Storage.FileInfo f : storage.walk(location)) {
          storage.delete(f.location());
        }
      }
    } catch (NoSuchFileException e) {
      throw RestException.noSuchTable("Table does not exist: " + relative(location));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot drop table " + relative(location) + ": " + e.getMessage(), e);
    }
  }

  /** The metadata version files under {@code meta}, oldest first. */
  private List<String> versions(String meta) throws IOException {
    List<String> out = new ArrayList<>();
    for (String n : storage.list(meta)) {
      if (FileNames.parseVersion(n) >= 0) {
        out.add(n);
      }
    }
    out.sort((a, b) -> Long.compare(FileNames.parseVersion(a), FileNames.parseVersion(b)));
    return out;
  }

  @Override
  void renameTable(String from, String to) {
    throw RestException.unsupported(
        "Cannot rename "
            + relative(from).replace('/', '.')
            + ": renaming is not supported for a warehouse on object storage, where objects "
            + "cannot be moved and a table's metadata records the absolute locations of its "
            + "files. Create the new table and copy the rows into it instead.");
  }

  @Override
  void claimName(String location, String id) {
    // nothing holds names here: there are no forwarding links
  }

  @Override
  String metadataFileOf(String given, String tableLocation, String id) {
    String metadata = tableLocation + "/" + FileNames.METADATA_DIR + "/";
    String scheme = Locations.scheme(given);
    boolean clean =
        scheme != null
            && scheme.equals(Locations.scheme(root))
            && given.startsWith(metadata)
            && given.indexOf('/', metadata.length()) < 0
            && given.length() > metadata.length();
    if (!clean) {
      throw RestException.badRequest(
          "Cannot register "
              + id
              + " from "
              + given
              + ": this catalog serves each table from its own place in the warehouse, so the "
              + "metadata file must be directly in "
              + metadata
              + ". Copy the table's files there first.");
    }
    return given;
  }
}
