package io.datashard.internal.orc;

import io.datashard.internal.PositionedInput;
import io.datashard.storage.Storage;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FSInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The smallest Hadoop {@link FileSystem} ORC needs, over DataShard's {@link Storage}: {@code
 * create} writes into one pending (not yet published) storage file, {@code open} reads published
 * files. No local Hadoop filesystem is involved, so there are no {@code .crc} side files, no forked
 * {@code chmod}, and every write still goes through Storage (create-new, fsync, no-replace
 * publish).
 */
final class StorageFileSystem extends FileSystem {
  private static final URI URI_ = URI.create("datashard:///");
  private final Storage storage;
  private final Storage.PendingFile pending;

  StorageFileSystem(Storage storage, Storage.PendingFile pending, Configuration conf) {
    this.storage = storage;
    this.pending = pending;
    setConf(conf);
  }

  static String location(Path p) {
    return p.toUri().getPath();
  }

  @Override
  public URI getUri() {
    return URI_;
  }

  @Override
  public String getScheme() {
    return "datashard";
  }

  @Override
  public FSDataInputStream open(Path f, int bufferSize) throws IOException {
    return new FSDataInputStream(new In(storage.open(location(f))));
  }

  @Override
  public FSDataOutputStream create(
      Path f,
      FsPermission permission,
      boolean overwrite,
      int bufferSize,
      short replication,
      long blockSize,
      Progressable progress)
      throws IOException {
    if (pending == null || !pending.location().equals(location(f))) {
      throw new IOException(
          "This filesystem writes only " + (pending == null ? "nothing" : pending.location()));
    }
    OutputStream out =
        new FilterOutputStream(pending.stream()) {
          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
          }

          @Override
          public void close() throws IOException {
            out.flush(); // the pending file is published (or aborted) by its owner
          }
        };
    return new FSDataOutputStream(out, null);
  }

  @Override
  public FSDataOutputStream append(Path f, int bufferSize, Progressable progress)
      throws IOException {
    throw new IOException("Files are never appended to");
  }

  @Override
  public boolean rename(Path src, Path dst) throws IOException {
    throw new IOException("Files are never renamed");
  }

  @Override
  public boolean delete(Path f, boolean recursive) throws IOException {
    throw new IOException("Files are not deleted through this filesystem");
  }

  @Override
  public FileStatus[] listStatus(Path f) throws IOException {
    throw new IOException("Directories are not listed through this filesystem");
  }

  @Override
  public void setWorkingDirectory(Path dir) {
    // paths are absolute
  }

  @Override
  public Path getWorkingDirectory() {
    return new Path("/");
  }

  @Override
  public boolean mkdirs(Path f, FsPermission permission) {
    return true;
  }

  @Override
  public FileStatus getFileStatus(Path f) throws IOException {
    return new FileStatus(storage.length(location(f)), false, 1, 64L * 1024 * 1024, 0, f);
  }

  /** A positioned, seekable stream over a storage file. */
  private static final class In extends FSInputStream {
    private final PositionedInput in;

    In(Storage.InputFile file) {
      this.in = new PositionedInput(file, true);
    }

    @Override
    public void seek(long p) {
      in.seek(p);
    }

    @Override
    public long getPos() {
      return in.getPos();
    }

    @Override
    public boolean seekToNewSource(long targetPos) {
      return false;
    }

    @Override
    public int read() throws IOException {
      return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return in.read(b, off, len);
    }

    @Override
    public int read(long position, byte[] buffer, int offset, int length) throws IOException {
      return length == 0 ? 0 : in.file().read(position, buffer, offset, length);
    }

    @Override
    public void readFully(long position, byte[] buffer, int offset, int length) throws IOException {
      in.file().readFully(position, buffer, offset, length);
    }

    @Override
    public void close() throws IOException {
      in.file().close();
    }
  }
}
