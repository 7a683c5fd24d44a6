package io.datashard.internal.parquet;

import io.datashard.internal.PositionedInput;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.io.OutputStream;
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
        return new PositionedInput(file, false); // the owner closes the storage file
      }

      @Override
      public String toString() {
        return file.location(); // parquet-java names the file by this in its error messages
      }
    };
  }
}
