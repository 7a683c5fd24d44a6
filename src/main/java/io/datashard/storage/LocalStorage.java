package io.datashard.storage;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

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
    Path tmp =
        dir.resolve(
            "."
                + target.getFileName()
                + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + ".tmp");
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
    Path tmp =
        target.resolveSibling(
            "."
                + target.getFileName()
                + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + ".tmp");
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
  public String toString() {
    return "LocalStorage(durable=" + durable + ")";
  }

  /** Throws if {@code e} is not a "name exists" failure. Utility for callers of publish. */
  public static boolean isAlreadyExists(IOException e) {
    return e instanceof FileAlreadyExistsException;
  }
}
