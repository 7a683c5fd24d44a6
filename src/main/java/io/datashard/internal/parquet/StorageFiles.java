package io.datashard.internal.parquet;

import io.datashard.internal.PositionedInput;
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
    private final PositionedInput in;

    Seekable(Storage.InputFile file) {
      this.in = new PositionedInput(file);
    }

    @Override
    public long getPos() {
      return in.position();
    }

    @Override
    public void seek(long newPos) {
      in.seek(newPos);
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
    public void readFully(byte[] bytes) throws IOException {
      in.readFully(bytes, 0, bytes.length);
    }

    @Override
    public void readFully(byte[] bytes, int start, int len) throws IOException {
      in.readFully(bytes, start, len);
    }

    @Override
    public int read(ByteBuffer buf) throws IOException {
      return in.read(buf);
    }

    @Override
    public void readFully(ByteBuffer buf) throws IOException {
      in.readFully(buf);
    }

    @Override
    public void close() {
      // the owner closes the storage file
    }
  }
}
