package io.datashard.internal.parquet;

import io.datashard.storage.Storage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.io.SeekableInputStream;

/** Parquet's file abstractions over {@link Storage}. */
final class StorageFiles {
  private StorageFiles() {}

  /** An output that writes into a pending (not yet published) storage file. */
  static OutputFile output(Storage.PendingFile pending) {
    return new OutputFile() {
      @Override
      public PositionOutputStream create(long blockSizeHint) {
        return stream(pending);
      }

      @Override
      public PositionOutputStream createOrOverwrite(long blockSizeHint) {
        return stream(pending);
      }

      @Override
      public boolean supportsBlockSize() {
        return false;
      }

      @Override
      public long defaultBlockSize() {
        return 0;
      }

      @Override
      public String getPath() {
        return pending.location();
      }
    };
  }

  private static PositionOutputStream stream(Storage.PendingFile pending) {
    OutputStream out = pending.stream();
    return new PositionOutputStream() {
      @Override
      public long getPos() {
        return pending.position();
      }

      @Override
      public void write(int b) throws IOException {
        out.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void flush() throws IOException {
        out.flush();
      }

      @Override
      public void close() throws IOException {
        out.flush(); // the pending file is published (or aborted) by its owner
      }
    };
  }

  /** A Parquet input over an open storage file. */
  static InputFile input(Storage.InputFile file) {
    return new InputFile() {
      @Override
      public long getLength() throws IOException {
        return file.length();
      }

      @Override
      public SeekableInputStream newStream() {
        return new Seekable(file);
      }

      @Override
      public String toString() {
        return file.location(); // parquet-java names the file by this in its error messages
      }
    };
  }

  private static final class Seekable extends SeekableInputStream {
    private final Storage.InputFile file;
    private long pos;

    Seekable(Storage.InputFile file) {
      this.file = file;
    }

    @Override
    public long getPos() {
      return pos;
    }

    @Override
    public void seek(long newPos) {
      this.pos = newPos;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = file.read(pos, one, 0, 1);
      if (n <= 0) {
        return -1;
      }
      pos++;
      return one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      int n = file.read(pos, b, off, len);
      if (n > 0) {
        pos += n;
      }
      return n;
    }

    @Override
    public void readFully(byte[] bytes) throws IOException {
      readFully(bytes, 0, bytes.length);
    }

    @Override
    public void readFully(byte[] bytes, int start, int len) throws IOException {
      file.readFully(pos, bytes, start, len);
      pos += len;
    }

    @Override
    public int read(ByteBuffer buf) throws IOException {
      int len = buf.remaining();
      if (len == 0) {
        return 0;
      }
      if (buf.hasArray()) { // heap buffers (DataShard's allocator): no copy
        int n = read(buf.array(), buf.arrayOffset() + buf.position(), len);
        if (n > 0) {
          buf.position(buf.position() + n);
        }
        return n;
      }
      byte[] tmp = new byte[len];
      int n = read(tmp, 0, len);
      if (n > 0) {
        buf.put(tmp, 0, n);
      }
      return n;
    }

    @Override
    public void readFully(ByteBuffer buf) throws IOException {
      int len = buf.remaining();
      if (buf.hasArray()) {
        readFully(buf.array(), buf.arrayOffset() + buf.position(), len);
        buf.position(buf.position() + len);
        return;
      }
      byte[] tmp = new byte[len];
      readFully(tmp, 0, len);
      buf.put(tmp);
    }

    @Override
    public void close() {
      // the owner closes the storage file
    }
  }
}
