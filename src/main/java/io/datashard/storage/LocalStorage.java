package io.datashard.storage;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.FileLockInterruptionException;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@link Storage} on a local (or NFS) filesystem.
 *
 * <p>Publishing writes to a temporary file in the target directory ({@code .NAME.RANDOM.tmp}),
 * forces it to disk when durable, then creates the final name as a hard link to it ({@link
 * Files#createLink}), which fails if the name exists, and removes the temporary name. The final
 * name therefore only ever names a complete file, and two writers can never both publish the same
 * name. Rename is never used for exclusive publishing, because rename replaces silently.
 *
 * <p>Assumes a POSIX filesystem with hard links and directory fsync (ext4, xfs, btrfs, tmpfs, NFS).
 */
public final class LocalStorage implements Storage {
  private final boolean durable;

  /** A durable local storage: every published file and directory entry is forced to disk. */
  public LocalStorage() {
    this(true);
  }

  /**
   * A local storage; when {@code durable} is false nothing is fsynced (faster, but a power loss or
   * OS crash can lose or tear recent commits; a killed process cannot).
   */
  public LocalStorage(boolean durable) {
    this.durable = durable;
  }

  static Path path(String location) {
    return Paths.get(Locations.stripFileScheme(location));
  }

  /**
   * Creates missing directories; when durable, syncs the parent of each one created, so a power
   * loss cannot take away a directory whose files were synced (a new name in a directory is only
   * durable once that directory is synced).
   */
  private void createDirectories(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    Path parent = dir.getParent();
    if (parent != null) {
      createDirectories(parent);
    }
    try {
      Files.createDirectory(dir);
    } catch (FileAlreadyExistsException e) {
      if (!Files.isDirectory(dir)) {
        throw e;
      }
      return;
    }
    if (durable && parent != null) {
      try (FileChannel ch = FileChannel.open(parent, StandardOpenOption.READ)) {
        ch.force(true);
      }
    }
  }

  @Override
  public boolean isDurable() {
    return durable;
  }

  @Override
  public PendingFile create(String location) throws IOException {
    Path target = path(location);
    Path dir = target.getParent();
    createDirectories(dir);
    Path tmp = temporary(target);
    FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    return new LocalPendingFile(location, target, tmp, ch);
  }

  private final class LocalPendingFile implements PendingFile {
    private final String location;
    private final Path target;
    private final Path tmp;
    private final FileChannel channel;
    private final CountingStream stream;
    private boolean done;

    LocalPendingFile(String location, Path target, Path tmp, FileChannel channel) {
      this.location = location;
      this.target = target;
      this.tmp = tmp;
      this.channel = channel;
      this.stream = new CountingStream(Channels.newOutputStream(channel));
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
      return stream.count;
    }

    @Override
    public long publish() throws IOException {
      if (done) {
        throw new IllegalStateException("File already published or aborted: " + location);
      }
      try {
        stream.flushBuffer();
        if (durable) {
          channel.force(true);
        }
        channel.close();
      } catch (IOException e) {
        abort();
        throw e;
      }
      try {
        Files.createLink(target, tmp);
      } catch (FileAlreadyExistsException e) {
        abort();
        throw e;
      } catch (IOException | UnsupportedOperationException e) {
        boolean linked;
        try {
          linked = Files.exists(target) && Files.isSameFile(target, tmp);
        } catch (IOException checkFailed) {
          throw new UncertainPublishException(
              "Linking " + target + " failed and its state cannot be checked", e);
        }
        if (!linked) {
          if (Files.exists(target)) {
            abort();
            throw new FileAlreadyExistsException(target.toString());
          }
          abort();
          throw e instanceof IOException
              ? (IOException) e
              : new IOException(
                  "Hard links are not supported where "
                      + target
                      + " lives; DataShard needs "
                      + "a filesystem with hard links (ext4, xfs, btrfs, NFS)",
                  e);
        }
      }
      done = true;
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException e) {
        // The file is published (the commit point may have passed): failing now would make the
        // caller clean up a committed file. The temporary stays behind as a harmless orphan.
      }
      return stream.count;
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
        // closing a file we are discarding
      }
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // left behind as an orphan temporary; harmless (never referenced)
      }
    }
  }

  /** Buffers small writes (Avro and Parquet write many tiny pieces) and counts bytes. */
  private static final class CountingStream extends OutputStream {
    private final OutputStream out;
    private final byte[] buf = new byte[64 * 1024];
    private int n;
    long count;

    CountingStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      if (n == buf.length) {
        flushBuffer();
      }
      buf[n++] = (byte) b;
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len >= buf.length) {
        flushBuffer();
        out.write(b, off, len);
      } else {
        if (n + len > buf.length) {
          flushBuffer();
        }
        System.arraycopy(b, off, buf, n, len);
        n += len;
      }
      count += len;
    }

    void flushBuffer() throws IOException {
      if (n > 0) {
        out.write(buf, 0, n);
        n = 0;
      }
    }

    @Override
    public void flush() throws IOException {
      flushBuffer();
    }

    @Override
    public void close() {
      // the pending file owns the channel
    }
  }

  @Override
  public InputFile open(String location) throws IOException {
    FileChannel ch = FileChannel.open(path(location), StandardOpenOption.READ);
    return new InputFile() {
      @Override
      public String location() {
        return location;
      }

      @Override
      public long length() throws IOException {
        return ch.size();
      }

      @Override
      public int read(long position, byte[] buf, int off, int len) throws IOException {
        return ch.read(ByteBuffer.wrap(buf, off, len), position);
      }

      @Override
      public void close() throws IOException {
        ch.close();
      }
    };
  }

  @Override
  public boolean exists(String location) {
    return Files.isRegularFile(path(location));
  }

  @Override
  public long length(String location) throws IOException {
    return Files.size(path(location));
  }

  @Override
  public boolean delete(String location) throws IOException {
    return Files.deleteIfExists(path(location));
  }

  @Override
  public List<String> list(String directory) throws IOException {
    List<String> names = new ArrayList<>();
    Path dir = path(directory);
    if (!Files.isDirectory(dir)) {
      return names;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        names.add(p.getFileName().toString());
      }
    } catch (NoSuchFileException e) {
      return names;
    }
    return names;
  }

  @Override
  public void syncDirectory(String directory) throws IOException {
    if (!durable) {
      return;
    }
    try (FileChannel ch = FileChannel.open(path(directory), StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  @Override
  public void replace(String location, byte[] content) throws IOException {
    Path target = path(location);
    createDirectories(target.getParent());
    Path tmp = temporary(target);
    try (FileChannel ch =
        FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(content);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      // No fsync: replace() is for advisory files (the version hint), which readers verify and
      // may find stale or missing after a crash; forcing them would only slow every commit.
    }
    try {
      // Advisory file: replacing is the intent here (last writer wins), unlike commits.
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
  }

  @Override
  public List<FileInfo> walk(String directory) throws IOException {
    List<FileInfo> out = new ArrayList<>();
    Path dir = path(directory);
    if (!Files.isDirectory(dir)) {
      return out;
    }
    String prefix = directory.endsWith("/") ? directory : directory + "/";
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            if (attrs.isRegularFile()) {
              out.add(
                  new FileInfo(
                      prefix + dir.relativize(file).toString().replace(File.separatorChar, '/'),
                      attrs.size(),
                      attrs.lastModifiedTime().toMillis()));
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE; // removed while listing
            }
            throw e;
          }
        });
    return out;
  }

  /**
   * Writes {@code content} under a temporary name, then links it as {@code target} (never
   * replacing).
   */
  @Override
  public void writeNew(String location, byte[] content) throws IOException {
    Path target = path(location);
    Path tmp = temporary(target);
    try {
      Files.write(tmp, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    } catch (NoSuchFileException e) {
      createDirectories(target.getParent());
      Files.write(tmp, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }
    try {
      Files.createLink(target, tmp);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Opens the file for appending (creating it and its directory if missing), writes at its end and
   * closes it. Hard links share the bytes.
   */
  @Override
  public long append(String location, byte[] content) throws IOException {
    Path target = path(location);
    FileChannel ch;
    try {
      ch = appendChannel(target);
    } catch (NoSuchFileException e) {
      createDirectories(target.getParent());
      ch = appendChannel(target);
    }
    try (FileChannel c = ch) {
      long offset = c.size(); // one writer at a time: nobody else moves the end meanwhile
      ByteBuffer b = ByteBuffer.wrap(content);
      while (b.hasRemaining()) {
        c.write(b);
      }
      return offset;
    }
  }

  private static FileChannel appendChannel(Path target) throws IOException {
    return FileChannel.open(
        target, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
  }

  /** A hard link. */
  @Override
  public void link(String existing, String location) throws IOException {
    Files.createLink(path(location), path(existing));
  }

  @Override
  public String realLocation(String location) throws IOException {
    return path(location).toRealPath().toString();
  }

  /** Locks and appends always; background publishing when durable; deletes are POSIX unlinks. */
  @Override
  public boolean supports(Capability capability) {
    switch (capability) {
      case LOCKS:
      case EXCLUSIVE_DELETE:
      case APPEND:
        return true;
      case BACKGROUND_PUBLISH:
        return durable;
      default:
        return false;
    }
  }

  /**
   * An OS file lock ({@link FileChannel#lock(long, long, boolean)}, exclusive, on the first byte)
   * on the file at {@code location}, created if missing. The wait blocks in the kernel (no
   * spinning); after {@code maxWait} an alarm interrupts it. While it waits, it holds a shared lock
   * on the second byte, which the holder sees ({@link Lock#othersWaiting()}). OS locks are held per
   * process: callers in one process must take turns among themselves first, and must not open a
   * second lock on the same file while one is held (closing any channel to the file would release
   * the process's lock).
   */
  @Override
  public Lock lock(String location, Duration maxWait) throws IOException {
    long nanos = maxWait.toNanos();
    FileChannel ch = openLockFile(location);
    try {
      FileLock l = ch.tryLock(LOCK_BYTE, 1, false);
      if (l == null && nanos > 0) {
        // while it waits, a shared lock on the next byte says so to the holder (othersWaiting)
        FileLock waiting = ch.tryLock(WAITING_BYTE, 1, true);
        try {
          l = lockWithin(ch, nanos);
        } finally {
          if (waiting != null && waiting.isValid()) {
            waiting.release();
          }
        }
      }
      if (l != null) {
        return new LocalLock(ch, l);
      }
    } catch (OverlappingFileLockException e) {
      closeQuietly(ch);
      throw new IOException("The lock " + location + " is already held in this process", e);
    } catch (IOException | RuntimeException e) {
      closeQuietly(ch);
      throw e;
    }
    closeQuietly(ch);
    return null;
  }

  @Override
  public Lock tryLock(String location) throws IOException {
    return lock(location, Duration.ZERO);
  }

  private static FileChannel openLockFile(String location) throws IOException {
    // readable too: a waiter's lock on the waiting byte is a shared (read) lock
    return FileChannel.open(
        path(location),
        StandardOpenOption.CREATE,
        StandardOpenOption.READ,
        StandardOpenOption.WRITE);
  }

  /** Blocks until the lock is granted, at most {@code nanos}; null if not granted by then. */
  private static FileLock lockWithin(FileChannel ch, long nanos) throws IOException {
    Alarm alarm = new Alarm(Thread.currentThread());
    ScheduledFuture<?> timer = LOCK_TIMER.schedule(alarm, nanos, TimeUnit.NANOSECONDS);
    try {
      return ch.lock(LOCK_BYTE, 1, false);
    } catch (ClosedByInterruptException | FileLockInterruptionException e) {
      return null;
    } finally {
      timer.cancel(false);
      if (alarm.disarm()) {
        Thread.interrupted(); // the alarm's interrupt, not the caller's
      }
    }
  }

  private static final ScheduledExecutorService LOCK_TIMER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "datashard-lock-timer");
            t.setDaemon(true);
            return t;
          });

  /** Interrupts a thread waiting for an OS lock, unless disarmed first. */
  private static final class Alarm implements Runnable {
    private final Thread waiter;
    private boolean armed = true;
    private boolean fired;

    Alarm(Thread waiter) {
      this.waiter = waiter;
    }

    @Override
    public synchronized void run() {
      if (armed) {
        fired = true;
        waiter.interrupt();
      }
    }

    /** Stops the alarm; true if it had already fired. */
    synchronized boolean disarm() {
      armed = false;
      return fired;
    }
  }

  /**
   * The byte of a lock file whose exclusive OS lock is the lock. (Versions before this one locked
   * the whole file, which covers it: the two still exclude each other.)
   */
  private static final long LOCK_BYTE = 0;

  /** The byte a process waiting for the lock holds a shared OS lock on while it waits. */
  private static final long WAITING_BYTE = 1;

  private static final class LocalLock implements Lock {
    private final FileChannel channel;
    private final FileLock lock;

    LocalLock(FileChannel channel, FileLock lock) {
      this.channel = channel;
      this.lock = lock;
    }

    /** True if another process holds its waiting byte shared: it blocks in {@link #lock}. */
    @Override
    public boolean othersWaiting() {
      try {
        FileLock probe = channel.tryLock(WAITING_BYTE, 1, false);
        if (probe == null) {
          return true;
        }
        probe.release();
        return false;
      } catch (OverlappingFileLockException e) {
        return true; // a thread of this process waits (it should have queued in-process first)
      } catch (IOException e) {
        return false;
      }
    }

    @Override
    public void close() {
      try {
        lock.release();
      } catch (IOException e) {
        // closing the channel releases it too
      }
      closeQuietly(channel);
    }
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      // nothing to do
    }
  }

  private static Path temporary(Path target) {
    return target.resolveSibling(
        "."
            + target.getFileName()
            + "."
            + Long.toHexString(ThreadLocalRandom.current().nextLong())
            + ".tmp");
  }

  @Override
  public String toString() {
    return "LocalStorage(durable=" + durable + ")";
  }
}
