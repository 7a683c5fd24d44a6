package io.datashard.storage;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A storage for crash and fault tests on a local directory. It performs the same file-system steps
 * as {@link LocalStorage} (write a private temporary, force it, hard-link the final name, unlink
 * the temporary; directory fsync; write-and-rename for advisory files), counts every mutating step
 * as one <em>operation</em>, and remembers what a power loss could still take away:
 *
 * <ul>
 *   <li><b>unsynced contents</b>: files written but not forced (private temporaries until their
 *       publish forces them; files written by {@link #replace}, which never forces);
 *   <li><b>unsynced names</b>: names created (published, temporaries, replaced) or removed in a
 *       directory since that directory was last synced.
 * </ul>
 *
 * <p>Faults:
 *
 * <ul>
 *   <li>{@link #failAt(int)}: operation k throws an IOException instead of running; later ones run;
 *   <li>{@link #failAfter(int)}: operation k takes effect, then throws an IOException anyway;
 *   <li>{@link #stopAfter(int)}: operation k runs, then the "process" stops: every later mutating
 *       operation (and every write to an open file) throws, so nothing else reaches the disk;
 *   <li>{@link #crash()}: a power loss. Using a {@link Random} seeded with {@link #seed()} (tests
 *       print it), each name created since its directory's last sync is lost (deleted) or kept at
 *       random, each name removed since then may come back with its old contents, and each
 *       surviving file whose contents were never forced is deleted, truncated, zeroed in a range,
 *       or has bits flipped. Files that were forced and whose names were synced are never touched.
 * </ul>
 *
 * Directories a file creation needs are made durably (each new directory's parent is synced), as
 * {@link LocalStorage} does. Not thread-safe: crash tests drive it from one thread.
 */
public final class FaultyStorage extends ForwardingStorage {
  private final long seed;
  private final Random random;

  /** Files whose contents were written but not forced. */
  private final Set<Path> unsyncedContents = new LinkedHashSet<>();

  /** Names created since their directory's last sync. */
  private final Set<Path> addedNames = new LinkedHashSet<>();

  /** Names removed (or replaced) since their directory's last sync, with the contents they had. */
  private final Map<Path, byte[]> removedNames = new LinkedHashMap<>();

  private final List<String> log = new ArrayList<>();
  private int operations;
  private int failAt = -1;
  private int failAfterAt = -1;
  private int stopAfter = -1;
  private boolean failed;
  private boolean stopped;

  /** A storage whose crashes are random with a seed taken from the clock (see {@link #seed()}). */
  public FaultyStorage() {
    this(System.nanoTime());
  }

  /** A storage whose {@link #crash()} decisions follow {@code seed}. */
  public FaultyStorage(long seed) {
    super(new LocalStorage(true)); // reads, listings and locks go to a durable local storage
    this.seed = seed;
    this.random = new Random(seed);
  }

  /** The seed of this storage's crash decisions; print it so a failing run can be replayed. */
  public long seed() {
    return seed;
  }

  /** Makes the k-th mutating operation from now on (1-based) fail. */
  public FaultyStorage failAt(int k) {
    this.failAt = operations + k;
    return this;
  }

  /**
   * Makes the k-th mutating operation from now on (1-based) take effect and then report an
   * IOException anyway (as a write whose acknowledgement was lost does); later ones run.
   */
  public FaultyStorage failAfter(int k) {
    this.failAfterAt = operations + k;
    return this;
  }

  /** Lets the next k mutating operations run, then stops the process: every later one throws. */
  public FaultyStorage stopAfter(int k) {
    this.stopAfter = operations + k;
    return this;
  }

  /**
   * Mutating operations so far (including a failed one, not counting refused ones after a stop).
   */
  public int operations() {
    return operations;
  }

  /** True once the injected failure happened. */
  public boolean failed() {
    return failed;
  }

  /** True once the process was stopped ({@link #stopAfter}) and a later operation was refused. */
  public boolean stopped() {
    return stopped;
  }

  /** The operations run so far, for messages ("3: link /t/metadata/v2.metadata.json"). */
  public List<String> log() {
    return List.copyOf(log);
  }

  private void step(String what) throws IOException {
    checkRunning(what);
    operations++;
    log.add(operations + ": " + what);
    if (operations == failAt) {
      failed = true;
      throw new IOException("injected failure at operation " + operations + " (" + what + ")");
    }
  }

  /**
   * Called when an operation has taken effect: throws if it is the one {@link #failAfter} names.
   */
  private void effectDone() throws IOException {
    if (operations == failAfterAt && !failed) {
      failed = true;
      throw new IOException(
          "injected failure after operation " + log.get(log.size() - 1) + " took effect");
    }
  }

  private void checkRunning(String what) throws IOException {
    if (stopAfter >= 0 && operations >= stopAfter) {
      stopped = true;
      throw new IOException(
          "process stopped after operation " + stopAfter + " (refused: " + what + ")");
    }
  }

  private void nameAdded(Path p) {
    addedNames.add(p);
  }

  private void nameRemoved(Path p) throws IOException {
    if (addedNames.remove(p)) {
      unsyncedContents.remove(p);
      return; // created and removed since the last sync: gone either way
    }
    if (!removedNames.containsKey(p) && Files.isRegularFile(p)) {
      removedNames.put(p, Files.readAllBytes(p));
    }
  }

  private void makeDirectoriesDurably(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    makeDirectoriesDurably(dir.getParent());
    try {
      Files.createDirectory(dir);
    } catch (FileAlreadyExistsException e) {
      return;
    }
    try (FileChannel ch = FileChannel.open(dir.getParent(), StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  // ------------------------------------------------------------------ crash

  /**
   * Simulates a power loss (see the class comment) and returns what it did, one line per file.
   * Afterwards everything counts as durable again, and the process may continue (tests usually
   * reopen the table with a fresh storage instead).
   */
  public List<String> crash() throws IOException {
    List<String> done = new ArrayList<>();
    for (Path p : addedNames) {
      if (random.nextBoolean()) {
        if (Files.deleteIfExists(p)) {
          done.add("lost name " + p);
        }
        unsyncedContents.remove(p);
      }
    }
    for (Map.Entry<Path, byte[]> e : removedNames.entrySet()) {
      Path p = e.getKey();
      if (random.nextBoolean()) {
        // the removal (or the replacing rename) did not reach the disk: the old file is back
        Files.write(p, e.getValue());
        unsyncedContents.remove(p);
        done.add("resurrected " + p);
      }
    }
    for (Path p : unsyncedContents) {
      if (!Files.isRegularFile(p)) {
        continue;
      }
      done.add(damage(p));
    }
    addedNames.clear();
    removedNames.clear();
    unsyncedContents.clear();
    stopAfter = -1;
    failAt = -1;
    return done;
  }

  private String damage(Path p) throws IOException {
    byte[] b = Files.readAllBytes(p);
    switch (random.nextInt(4)) {
      case 0:
        Files.delete(p);
        return "deleted " + p;
      case 1:
        {
          int len = b.length == 0 ? 0 : random.nextInt(b.length);
          try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(len);
          }
          return "truncated " + p + " from " + b.length + " to " + len + " bytes";
        }
      case 2:
        {
          if (b.length == 0) {
            return "left empty " + p;
          }
          int from = random.nextInt(b.length);
          int to = from + 1 + random.nextInt(b.length - from);
          Arrays.fill(b, from, to, (byte) 0);
          Files.write(p, b);
          return "zeroed bytes " + from + ".." + to + " of " + p;
        }
      default:
        {
          if (b.length == 0) {
            return "left empty " + p;
          }
          int flips = 1 + random.nextInt(8);
          for (int i = 0; i < flips; i++) {
            int at = random.nextInt(b.length);
            b[at] ^= (byte) (1 << random.nextInt(8));
          }
          Files.write(p, b);
          return "flipped " + flips + " bits in " + p;
        }
    }
  }

  // ------------------------------------------------------------------ Storage

  @Override
  public PendingFile create(String location) throws IOException {
    Path target = LocalStorage.path(location);
    Path tmp =
        target.resolveSibling(
            "." + target.getFileName() + "." + Long.toHexString(random.nextLong()) + ".tmp");
    step("create " + tmp);
    makeDirectoriesDurably(target.getParent());
    FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    nameAdded(tmp);
    unsyncedContents.add(tmp);
    try {
      effectDone();
    } catch (IOException e) {
      ch.close();
      throw e; // the temporary stays behind, as an orphan
    }
    return new FaultyPendingFile(location, target, tmp, ch);
  }

  private final class FaultyPendingFile implements PendingFile {
    private final String location;
    private final Path target;
    private final Path tmp;
    private final FileChannel channel;
    private final OutputStream stream;
    private long count;
    private boolean done;

    FaultyPendingFile(String location, Path target, Path tmp, FileChannel channel) {
      this.location = location;
      this.target = target;
      this.tmp = tmp;
      this.channel = channel;
      this.stream =
          new OutputStream() {
            @Override
            public void write(int b) throws IOException {
              write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
              checkRunning("write " + tmp);
              ByteBuffer buf = ByteBuffer.wrap(b, off, len);
              while (buf.hasRemaining()) {
                channel.write(buf);
              }
              count += len;
            }
          };
    }

    @Override
    public String location() {
      return location;
    }

    @Override
    public OutputStream stream() {
      return stream;
    }

    @Override
    public long position() {
      return count;
    }

    @Override
    public long publish() throws IOException {
      if (done) {
        throw new IllegalStateException("File already published or aborted: " + location);
      }
      try {
        step("fsync " + tmp);
        channel.force(true);
        unsyncedContents.remove(tmp);
        effectDone();
        channel.close();
        step("link " + target);
      } catch (IOException e) {
        abort();
        throw e;
      }
      try {
        Files.createLink(target, tmp);
      } catch (FileAlreadyExistsException e) {
        abort();
        throw e;
      }
      nameAdded(target);
      try {
        effectDone();
      } catch (IOException e) {
        // as LocalStorage: a link that reports failure counts if the name is the file we wrote
        if (!(Files.exists(target) && Files.isSameFile(target, tmp))) {
          abort();
          throw e;
        }
      }
      done = true;
      try {
        step("unlink " + tmp);
        Files.deleteIfExists(tmp);
        nameRemoved(tmp);
        effectDone();
      } catch (IOException e) {
        // as LocalStorage: the file is published; the temporary is left behind as a harmless orphan
      }
      return count;
    }

    @Override
    public void abort() {
      if (done) {
        return;
      }
      done = true;
      try {
        channel.close();
      } catch (IOException ignored) {
        // discarding
      }
      if (stopped || (stopAfter >= 0 && operations >= stopAfter)) {
        return; // a stopped process removes nothing
      }
      try {
        Files.deleteIfExists(tmp);
        nameRemoved(tmp);
      } catch (IOException ignored) {
        // left behind as an orphan temporary
      }
    }
  }

  @Override
  public boolean delete(String location) throws IOException {
    Path p = LocalStorage.path(location);
    step("delete " + p);
    if (!Files.isRegularFile(p)) {
      return false;
    }
    nameRemoved(p);
    try {
      Files.delete(p);
    } catch (NoSuchFileException e) {
      return false;
    }
    effectDone();
    return true;
  }

  @Override
  public void syncDirectory(String directory) throws IOException {
    Path dir = LocalStorage.path(directory);
    step("sync " + dir);
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
    addedNames.removeIf(p -> dir.equals(p.getParent()));
    removedNames.keySet().removeIf(p -> dir.equals(p.getParent()));
    effectDone();
  }

  @Override
  public void replace(String location, byte[] content) throws IOException {
    Path target = LocalStorage.path(location);
    Path tmp =
        target.resolveSibling(
            "." + target.getFileName() + "." + Long.toHexString(random.nextLong()) + ".tmp");
    step("write " + tmp);
    makeDirectoriesDurably(target.getParent());
    Files.write(tmp, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    nameAdded(tmp);
    unsyncedContents.add(tmp);
    effectDone();
    try {
      step("rename " + tmp + " to " + target);
    } catch (IOException e) {
      Files.deleteIfExists(tmp);
      nameRemoved(tmp);
      throw e;
    }
    nameRemoved(target);
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    addedNames.remove(tmp);
    unsyncedContents.remove(tmp);
    nameAdded(target);
    unsyncedContents.add(target);
    effectDone();
  }

  /** As {@link LocalStorage}: a temporary written, linked under the name, removed; never forced. */
  @Override
  public void writeNew(String location, byte[] content) throws IOException {
    Path target = LocalStorage.path(location);
    Path tmp =
        target.resolveSibling(
            "." + target.getFileName() + "." + Long.toHexString(random.nextLong()) + ".tmp");
    step("write " + tmp);
    makeDirectoriesDurably(target.getParent());
    Files.write(tmp, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    nameAdded(tmp);
    unsyncedContents.add(tmp);
    try {
      effectDone();
      step("link " + target);
      Files.createLink(target, tmp);
      nameAdded(target);
      unsyncedContents.add(target);
      effectDone();
    } finally {
      if (!stopped) {
        Files.deleteIfExists(tmp);
        nameRemoved(tmp);
      }
    }
  }

  /** As {@link LocalStorage}: bytes added at the end, never forced. */
  @Override
  public long append(String location, byte[] content) throws IOException {
    Path target = LocalStorage.path(location);
    step("append " + content.length + " bytes to " + target);
    makeDirectoriesDurably(target.getParent());
    boolean created = !Files.exists(target);
    long offset = super.append(location, content);
    if (created) {
      nameAdded(target);
    }
    unsyncedContents.add(target);
    effectDone();
    return offset;
  }

  /** A hard link; its contents are as (un)synced as the file it links to. */
  @Override
  public void link(String existing, String location) throws IOException {
    Path from = LocalStorage.path(existing);
    Path target = LocalStorage.path(location);
    step("link " + target + " to " + from);
    Files.createLink(target, from);
    nameAdded(target);
    if (unsyncedContents.contains(from)) {
      unsyncedContents.add(target);
    }
    effectDone();
  }

  @Override
  public boolean isDurable() {
    return true;
  }

  @Override
  public String toString() {
    return "FaultyStorage(seed=" + seed + ", operations=" + operations + ")";
  }
}
