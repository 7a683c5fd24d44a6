package io.datashard.internal;

import io.datashard.storage.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.avro.file.SeekableInput;
import org.apache.parquet.io.SeekableInputStream;

/**
 * A read position over a {@link Storage.InputFile}, written once for every format library: it is
 * Parquet's {@link SeekableInputStream} and Avro's {@link SeekableInput} itself, and ORC's Hadoop
 * stream forwards to it.
 */
public final class PositionedInput extends SeekableInputStream implements SeekableInput {
  private final Storage.InputFile file;
  private final boolean closesFile;
  private long pos;

  /**
   * @param closesFile whether {@link #close()} closes the file (else its owner does)
   */
  public PositionedInput(Storage.InputFile file, boolean closesFile) {
    this.file = file;
    this.closesFile = closesFile;
  }

  /** The file read. */
  public Storage.InputFile file() {
    return file;
  }

  @Override
  public long getPos() {
    return pos;
  }

  @Override
  public long tell() {
    return pos;
  }

  @Override
  public void seek(long position) {
    this.pos = position;
  }

  @Override
  public long length() throws IOException {
    return file.length();
  }

  /** Reads up to {@code len} bytes at the position and moves past them; -1 at the end. */
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

  /** Reads one byte (0-255) and moves past it; -1 at the end. */
  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) <= 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public void readFully(byte[] b) throws IOException {
    readFully(b, 0, b.length);
  }

  /** Reads exactly {@code len} bytes at the position and moves past them. */
  @Override
  public void readFully(byte[] b, int off, int len) throws IOException {
    file.readFully(pos, b, off, len);
    pos += len;
  }

  /** Reads into the buffer's remaining space as far as the file goes; -1 at the end. */
  @Override
  public int read(ByteBuffer buf) throws IOException {
    int len = buf.remaining();
    if (len == 0) {
      return 0;
    }
    if (buf.hasArray()) { // heap buffers: no copy
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

  /** Fills the buffer's remaining space. */
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
  public void close() throws IOException {
    if (closesFile) {
      file.close();
    }
  }
}
