package io.datashard.internal.commit;

import io.datashard.CommitConflictException;
import io.datashard.CommitStateUnknownException;
import io.datashard.CorruptTableException;
import io.datashard.DataShardException;
import io.datashard.TableNotFoundException;
import io.datashard.TableProperties;
import io.datashard.internal.FileNames;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.internal.meta.TableMetadataParser;
import io.datashard.storage.Locations;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds, loads and publishes the versions of one table ({@code metadata/vN.metadata.json}), the
 * commit point of the protocol in the package documentation: {@link #commit} publishes the version
 * after its base exclusively, so exactly one writer wins each version. Also maps locations recorded
 * in metadata to ones this process opens.
 */
public final class TableOperations {
  private static final Logger LOG = LoggerFactory.getLogger(TableOperations.class);

  /** How long a refresh may trust its last full look and probe only the next version. */
  private static final long FULL_LOOK_EVERY_NANOS = 1_000_000_000L;

  private final Storage storage;
  private final String root;
  private final String metadataDir;
  private volatile TableMetadata current;
  private volatile long lastFullLook = System.nanoTime() - FULL_LOOK_EVERY_NANOS;

  /**
   * @param storage the storage of the table
   * @param root the table directory, an absolute path without trailing slash
   */
  public TableOperations(Storage storage, String root) {
    this.storage = storage;
    this.root = root;
    this.metadataDir = root + "/" + FileNames.METADATA_DIR;
  }

  public Storage storage() {
    return storage;
  }

  /** The table directory. */
  public String root() {
    return root;
  }

  public String metadataDir() {
    return metadataDir;
  }

  public String dataDir() {
    return root + "/" + FileNames.DATA_DIR;
  }

  /** The location of version {@code n}'s metadata file. */
  public String metadataFile(int n) {
    return metadataDir + "/" + FileNames.version(n);
  }

  /**
   * Maps a location recorded in metadata to one this process can open: {@code file:} URIs become
   * plain paths; locations under the recorded table location are rebased onto the directory the
   * table was opened at, so a moved or copied table still reads.
   */
  public String resolvePath(String recorded) {
    String path = Locations.stripFileScheme(recorded);
    String recordedRoot = Locations.stripFileScheme(current().location());
    if (recordedRoot.endsWith("/")) {
      recordedRoot = recordedRoot.substring(0, recordedRoot.length() - 1);
    }
    if (!recordedRoot.equals(root) && path.startsWith(recordedRoot + "/")) {
      return root + path.substring(recordedRoot.length());
    }
    return path;
  }

  /**
   * A recorded location in one canonical form (resolved as {@link #resolvePath}, then a plain path
   * normalized), so that locations recorded in different forms compare equal.
   */
  public String canonicalPath(String recorded) {
    String path = resolvePath(recorded);
    if (path.contains("://") || isNormalAbsolute(path)) {
      return path; // already canonical: the common case, and it is called per file of a scan
    }
    return Path.of(path).toAbsolutePath().normalize().toString();
  }

  /** True if {@code path} is absolute with no empty, "." or ".." part and no trailing slash. */
  static boolean isNormalAbsolute(String path) {
    int n = path.length();
    if (n < 2 || path.charAt(0) != '/' || path.charAt(n - 1) == '/') {
      return false;
    }
    // one pass: at each part's start (after a slash), the part must not be empty, "." or ".."
    for (int i = 1; i < n; i++) {
      if (path.charAt(i - 1) != '/') {
        continue;
      }
      char c = path.charAt(i);
      if (c == '/') {
        return false;
      }
      if (c == '.') {
        int end = i + 1 < n && path.charAt(i + 1) == '.' ? i + 2 : i + 1;
        if (end == n || path.charAt(end) == '/') {
          return false;
        }
      }
    }
    return true;
  }

  /** The last loaded version, loading it if none was loaded yet. */
  public TableMetadata current() {
    TableMetadata c = current;
    return c != null ? c : refresh();
  }

  /** True if a table (some version file) exists here. */
  public boolean exists() {
    try {
      return findLatestVersion() > 0;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Loads the newest version.
   *
   * @throws TableNotFoundException if there is no table here
   * @throws CorruptTableException if the newest metadata file cannot be read
   */
  public TableMetadata refresh() {
    int version;
    try {
      version = findLatestVersion();
    } catch (IOException e) {
      throw new DataShardException("Cannot list the metadata of table " + root + ": " + e, e);
    }
    if (version <= 0) {
      throw new TableNotFoundException(
          "No table at "
              + root
              + ": there is no metadata/v<N>.metadata.json. "
              + "Create one first (DataShard.create or 'datashard create'), or check the path.");
    }
    TableMetadata known = current;
    if (known != null && known.version() == version) {
      return known; // a published version never changes
    }
    TableMetadata loaded;
    try {
      loaded = load(version);
    } catch (CorruptTableException e) {
      if (!(e.getCause() instanceof NoSuchFileException)) {
        throw e;
      }
      // Old metadata files are removed after commits; a reader that was very slow between finding
      // the newest version and reading it may find it already replaced and removed. Look again.
      loaded = reloadAfterRemoval(e);
    }
    this.current = loaded;
    return loaded;
  }

  private TableMetadata reloadAfterRemoval(CorruptTableException first) {
    for (int attempt = 0; attempt < 5; attempt++) {
      try {
        int version = findLatestVersion();
        if (version > 0) {
          return load(version);
        }
      } catch (IOException e) {
        break;
      } catch (CorruptTableException e) {
        if (!(e.getCause() instanceof NoSuchFileException)) {
          throw e;
        }
      }
    }
    throw first;
  }

  /** Reads version {@code n}. */
  public TableMetadata load(int n) {
    String file = metadataFile(n);
    byte[] bytes;
    try {
      bytes = storage.readAll(file);
    } catch (NoSuchFileException e) {
      throw new CorruptTableException(
          "Table metadata file "
              + file
              + " disappeared while being read; "
              + "another process may have removed it. Retry the operation.",
          e);
    } catch (IOException e) {
      throw new CorruptTableException("Cannot read table metadata file " + file + ": " + e, e);
    }
    TableMetadata before = current; // an earlier version of this table: its snapshots are reused
    TableMetadata parsed =
        before == null
            ? TableMetadataParser.fromJson(file, bytes)
            : TableMetadataParser.fromJson(file, bytes, before.tableUuid(), before::snapshot);
    return TableMetadata.buildFrom(parsed).version(n).metadataFileLocation(file).build();
  }

  private int findLatestVersion() throws IOException {
    TableMetadata known = current;
    long now = System.nanoTime();
    if (known != null
        && now - lastFullLook < FULL_LOOK_EVERY_NANOS
        && !storage.exists(metadataFile(known.version() + 1))
        && storage.exists(metadataFile(known.version()))) {
      // Nobody committed since this process looked a moment ago: two probes instead of reading
      // the hint and probing from it. The version files present are always one unbroken run
      // (removeVersions), so "N+1 absent, then N still present" means N is the newest; "N+1
      // absent" alone does not: after more than write.metadata.previous-versions-max commits,
      // N+1 may have been published and removed again. The full look, at least once a second,
      // also notices a table replaced under the same location, whose versions start again at 1.
      return known.version();
    }
    lastFullLook = now;
    int start = readHint();
    int v = 0;
    for (int attempt = 0; attempt < 5; attempt++) {
      if (start <= 0 || !storage.exists(metadataFile(start))) {
        start = listLatestVersion();
        if (start <= 0) {
          return 0;
        }
      }
      v = start;
      while (storage.exists(metadataFile(v + 1))) {
        v++;
      }
      if (storage.exists(metadataFile(v))) {
        return v; // v+1 absent while v present: v was the newest (see above)
      }
      start = 0; // v was removed while probing: the table moved on; list the directory
    }
    return v;
  }

  private int readHint() {
    try {
      String s =
          new String(
                  storage.readAll(metadataDir + "/" + FileNames.VERSION_HINT),
                  StandardCharsets.UTF_8)
              .trim();
      return Integer.parseInt(s);
    } catch (NoSuchFileException e) {
      return 0;
    } catch (IOException | NumberFormatException e) {
      LOG.debug("Ignoring unreadable version hint in {}: {}", metadataDir, e.toString());
      return 0;
    }
  }

  private int listLatestVersion() throws IOException {
    int max = 0;
    for (String name : storage.list(metadataDir)) {
      long v = FileNames.parseVersion(name);
      if (v <= Integer.MAX_VALUE) { // a larger number is not ours
        max = Math.max(max, (int) v);
      }
    }
    return max;
  }

  /**
   * Publishes {@code updated} as the version after {@code base}.
   *
   * <p>Files that {@code updated} references must already be published and their directories
   * synced. On success the new version is durable (when the storage is) before this returns.
   *
   * @param base the version the change was built on, or null when creating the table (version 1)
   * @throws CommitConflictException if another writer published that version first; nothing changed
   * @throws CommitStateUnknownException if the publish may or may not have happened
   */
  public TableMetadata commit(TableMetadata base, TableMetadata updated) {
    return commit(base, updated, () -> {});
  }

  /**
   * Like {@link #commit(TableMetadata, TableMetadata)}, running {@code beforePublish} after the new
   * metadata file is written and before it is published: the files it references may still be on
   * their way to the disk until then.
   *
   * @throws UncheckedIOException if {@code beforePublish} fails; nothing was published
   */
  public TableMetadata commit(TableMetadata base, TableMetadata updated, IoStep beforePublish) {
    return commit(base, updated, beforePublish, () -> false);
  }

  /**
   * At most this many versions may be published after the one the version hint names, while commits
   * follow each other at once (a group commit that leaves requests pending, a committer waiting for
   * the lock): the hint is rewritten only at every this many versions then, and always at a commit
   * after which nobody waits, so it names the newest version once a burst of commits ends. Readers
   * probe past the hint (ours, and Apache Iceberg's), and rewriting it is a new file and a freed
   * one, which on ext4 without a journal makes later file creations slower (each scans past the
   * inodes freed in the last minute): at many commits a second it was one in five of the files a
   * commit created. Only where {@code write.metadata.previous-versions-max} keeps more versions
   * than this, so the hinted version is never one already removed.
   */
  static final int HINT_LAG_MAX = 16;

  /**
   * Like {@link #commit(TableMetadata, TableMetadata, IoStep)}; {@code othersFollow}, asked after
   * the publish, says whether another commit follows at once, so the version hint may be left
   * behind ({@link #HINT_LAG_MAX}).
   */
  public TableMetadata commit(
      TableMetadata base,
      TableMetadata updated,
      IoStep beforePublish,
      BooleanSupplier othersFollow) {
    int next = base == null ? 1 : base.version() + 1;
    String file = metadataFile(next);
    byte[] json = TableMetadataParser.toJson(updated);
    Storage.PendingFile out;
    try {
      out = storage.create(file);
    } catch (IOException e) {
      throw new DataShardException(
          "Cannot create a new metadata file in "
              + metadataDir
              + ": "
              + e
              + ". Check that the directory exists and is writable.",
          e);
    }
    try {
      out.stream().write(json);
    } catch (IOException e) {
      out.abort();
      throw new DataShardException(
          "Cannot write metadata file "
              + file
              + ": "
              + e
              + ". Nothing was committed; check free disk space and permissions.",
          e);
    }
    try {
      beforePublish.run();
    } catch (IOException e) {
      out.abort();
      throw new UncheckedIOException(
          "Writing the new files of a commit to "
              + root
              + " failed: "
              + e
              + ". Nothing was committed; check free disk space and permissions.",
          e);
    } catch (RuntimeException | Error e) {
      out.abort();
      throw e;
    }
    if (base != null) {
      checkBasePresent(base, out);
    }
    try {
      out.publish();
    } catch (FileAlreadyExistsException e) {
      throw new CommitConflictException(
          "Version "
              + next
              + " of table "
              + root
              + " was committed by another writer first; rebase and retry.",
          e);
    } catch (IOException e) {
      if (e instanceof Storage.UncertainPublishException) {
        throw new CommitStateUnknownException(
            "Publishing "
                + file
                + " failed with "
                + e.getCause()
                + "; the commit may or may not have happened. Re-read the table to find out.",
            e);
      }
      throw new DataShardException(
          "Could not publish " + file + ": " + e + ". Nothing was committed.", e);
    }
    try {
      storage.syncDirectory(metadataDir);
    } catch (IOException e) {
      throw new CommitStateUnknownException(
          "The new version "
              + file
              + " is visible, but syncing directory "
              + metadataDir
              + " failed ("
              + e
              + "), so it may not survive a power loss.",
          e);
    }
    TableMetadata committed =
        TableMetadata.buildFrom(updated).version(next).metadataFileLocation(file).build();
    if (base != null) {
      checkPublishedOnBase(base, committed);
    }
    this.current = committed;
    if (next % HINT_LAG_MAX == 0
        || committed.propertyLong(
                TableProperties.METADATA_PREVIOUS_VERSIONS_MAX,
                TableProperties.METADATA_PREVIOUS_VERSIONS_MAX_DEFAULT)
            <= HINT_LAG_MAX
        || !othersFollow.getAsBoolean()) {
      writeHint(next);
    }
    if (base != null) {
      removeOldMetadataFiles(base, committed);
    }
    return committed;
  }

  /**
   * Deletes the metadata files that fell out of the metadata log with this commit (the log keeps
   * {@code write.metadata.previous-versions-max} entries, default 100), unless {@code
   * write.metadata.delete-after-commit.enabled} is false. Best effort: failures are ignored, since
   * the commit already happened.
   */
  private void removeOldMetadataFiles(TableMetadata base, TableMetadata committed) {
    if (!Boolean.parseBoolean(
        committed.property(
            TableProperties.METADATA_DELETE_AFTER_COMMIT,
            Boolean.toString(TableProperties.METADATA_DELETE_AFTER_COMMIT_DEFAULT)))) {
      return;
    }
    Set<String> kept = new HashSet<>();
    committed.metadataLog().forEach(e -> kept.add(e.file()));
    int last = 0;
    for (TableMetadata.MetadataLogEntry e : base.metadataLog()) {
      if (kept.contains(e.file())) {
        continue;
      }
      long v = FileNames.parseVersion(fileName(e.file()));
      if (v > 0 && v < committed.version()) {
        last = Math.max(last, (int) v); // a version of this table: removed in order, below
      } else {
        deleteQuietly(resolvePath(e.file())); // a file of another naming, e.g. from a migration
      }
    }
    if (last <= 0) {
      return;
    }
    // Take along what a concurrent or failed cleanup left below: the run of present versions
    // ending at last (normally only last itself; one probe finds the one below absent).
    TreeSet<Integer> versions = new TreeSet<>();
    try {
      int lo = last;
      while (lo > 1 && storage.exists(metadataFile(lo - 1))) {
        lo--;
      }
      for (int v = lo; v <= last; v++) {
        versions.add(v);
      }
    } catch (IOException e) {
      LOG.debug("Could not look for old metadata files in {}: {}", metadataDir, e.toString());
      return;
    }
    removeVersions(versions);
  }

  /**
   * Deletes the given version files (with their checksum side files), lowest first, keeping the
   * versions present one unbroken run: a version is deleted only once the one below it is absent,
   * and the first version that cannot be deleted ends the work. That run is what lets a reader
   * trust "N+1 absent, N present" as "N is the newest", and a writer trust that a slot N+1 whose
   * base N is still present was never used: deleting versions out of order could free a slot above
   * a present version, and a writer on that stale version would publish into it successfully.
   *
   * <p>Best effort, failures are logged: the callers delete only versions that are no longer
   * needed.
   *
   * @param versions versions older than the current one and outside its metadata log
   * @return the versions deleted
   */
  public List<Integer> removeVersions(SortedSet<Integer> versions) {
    List<Integer> removed = new ArrayList<>();
    int previous = -1;
    for (int v : versions) {
      try {
        if (v - 1 != previous && v > 1 && storage.exists(metadataFile(v - 1))) {
          break; // a lower version, not to be deleted, is still present
        }
        storage.delete(metadataFile(v));
      } catch (IOException | RuntimeException e) {
        LOG.debug("Could not remove old metadata file {}: {}", metadataFile(v), e.toString());
        break;
      }
      removed.add(v);
      previous = v;
      deleteQuietly(FileNames.checksumSideFileOf(metadataFile(v)));
    }
    return removed;
  }

  private static String fileName(String location) {
    return location.substring(location.lastIndexOf('/') + 1);
  }

  private void deleteQuietly(String location) {
    try {
      storage.delete(location);
    } catch (IOException | RuntimeException e) {
      LOG.debug("Could not remove {}: {}", location, e.toString());
    }
  }

  /**
   * Before the publish: the base must still be present. If it was removed, more than {@code
   * write.metadata.previous-versions-max} commits landed since this writer read it, and the slot
   * after it may be free again: publishing there would succeed and lose the change.
   */
  private void checkBasePresent(TableMetadata base, Storage.PendingFile out) {
    boolean present;
    try {
      present = storage.exists(metadataFile(base.version()));
    } catch (IOException e) {
      out.abort();
      throw new DataShardException(
          "Cannot check the base version of a commit to "
              + root
              + ": "
              + e
              + ". Nothing was committed.",
          e);
    }
    if (!present) {
      out.abort();
      throw new CommitConflictException(
          "Version "
              + base.version()
              + " of table "
              + root
              + ", the base of this commit, was removed meanwhile: many commits landed since it was"
              + " read. Nothing was committed; rebase on the newest version and retry.");
    }
  }

  /**
   * After the publish: if the base is gone now, it was removed either between the check before the
   * publish and the publish (then the slot was a removed version's, and the new file is off the
   * table's line of versions: stale), or after the publish (the commit stands: versions were built
   * on it, or {@code gc} removed the base). What is present above the new version tells which:
   *
   * <ul>
   *   <li>the version right after it names it in its metadata log (and keeps the snapshot it
   *       added): built on it, it stands;
   *   <li>that version's log names other files: it was built on another, the publish is stale;
   *   <li>no version right after it, but higher ones: a gap, which only a stale publish leaves;
   *   <li>nothing above it: it is the newest version, it stands.
   * </ul>
   *
   * A stale publish is withdrawn and reported as a conflict; when neither can be told (the file or
   * the next version unreadable, a log kept empty), the commit state is unknown and nothing is
   * removed.
   */
  private void checkPublishedOnBase(TableMetadata base, TableMetadata committed) {
    String file = committed.metadataFileLocation();
    int version = committed.version();
    String after = metadataFile(version + 1);
    try {
      if (storage.exists(metadataFile(base.version()))) {
        return;
      }
      if (!storage.exists(file)) {
        throw unknown(
            file, "then the new version itself was removed before it was confirmed", null);
      }
      if (storage.exists(after)) {
        TableMetadata next = TableMetadataParser.fromJson(after, storage.readAll(after));
        if (next.metadataLog().isEmpty()) {
          throw unknown(file, "the version after it keeps no metadata log to tell", null);
        }
        boolean named = false;
        for (TableMetadata.MetadataLogEntry e : next.metadataLog()) {
          named |=
              fileName(e.file()).equals(fileName(file))
                  && e.timestampMillis() == committed.lastUpdatedMillis();
        }
        if (named) {
          // built on it, unless it only names the removed version of this slot, written in the
          // same millisecond: a snapshot this commit added tells them apart
          Long added = committed.currentSnapshotId();
          if (added == null
              || added.equals(base.currentSnapshotId())
              || next.snapshot(added) != null) {
            return; // the commit happened, and more since
          }
          throw unknown(file, "the version after it names it but lacks its snapshot", null);
        }
      } else if (listLatestVersion() <= version) {
        return; // the newest version: gc removed the base meanwhile
      }
      storage.delete(file);
      storage.syncDirectory(metadataDir);
    } catch (IOException | RuntimeException e) {
      if (e instanceof CommitStateUnknownException) {
        throw (CommitStateUnknownException) e;
      }
      throw unknown(file, "it could not be confirmed or withdrawn (" + e + ")", e);
    }
    throw new CommitConflictException(
        "Version "
            + base.version()
            + " of table "
            + root
            + ", the base of this commit, was removed while it was being published: many commits"
            + " landed since it was read. The stale version was withdrawn; nothing was committed."
            + " Rebase on the newest version and retry.");
  }

  private static CommitStateUnknownException unknown(String file, String why, Throwable cause) {
    return new CommitStateUnknownException(
        "Published "
            + file
            + ", then found its base version removed meanwhile, and "
            + why
            + "; the commit may or may not have happened. Re-read the table to find out.",
        cause);
  }

  /**
   * Rewrites the version hint if it names a version older than the newest this handle has read (and
   * that is still the newest): called under the lock by a change that commits nothing, as the
   * commit before it may have left the hint to it ({@link #HINT_LAG_MAX}). Best effort.
   */
  void catchUpHint() {
    TableMetadata known = current;
    if (known == null) {
      return;
    }
    int version = known.version();
    try {
      if (readHint() < version && !storage.exists(metadataFile(version + 1))) {
        writeHint(version);
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("Could not check the version hint in {}: {}", metadataDir, e.toString());
    }
  }

  private void writeHint(int version) {
    try {
      storage.replace(
          metadataDir + "/" + FileNames.VERSION_HINT,
          Integer.toString(version).getBytes(StandardCharsets.UTF_8));
      // Hadoop's local filesystem (Spark's, for one) keeps a checksum beside each file it writes
      // and checks it on read: one left by Hadoop for an older hint no longer matches, and
      // without it Hadoop reads the hint unchecked.
      // (Only on a local filesystem: an object store has no such side files, and a delete there
      // is two requests per commit.)
      if (!root.contains("://")) {
        storage.delete(metadataDir + "/" + FileNames.checksumSideFile(FileNames.VERSION_HINT));
      }
    } catch (IOException | RuntimeException e) {
      // The hint is advisory: readers probe past it. A failure here never fails a commit.
      LOG.warn("Could not update {} in {}: {}", FileNames.VERSION_HINT, metadataDir, e.toString());
    }
  }

  /** A step that does I/O: what must be finished before the new version is published. */
  public interface IoStep {
    void run() throws IOException;
  }
}
