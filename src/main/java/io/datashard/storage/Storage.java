package io.datashard.storage;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.util.List;

/**
 * The only way DataShard touches the files of a table. It is deliberately narrow, so that other
 * back ends (an in-memory store for tests, a fault-injecting wrapper, object stores) can implement
 * it.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>Locations are absolute strings ({@code /tables/t/metadata/v3.metadata.json}); directories
 *       are implied by the locations of files inside them.
 *   <li>{@link #create} never makes anything visible: bytes go to a private place until {@link
 *       PendingFile#publish()}.
 *   <li>{@link PendingFile#publish()} makes the complete file visible under its location in one
 *       atomic step <b>only if no file of that name exists</b>, and otherwise throws {@link
 *       FileAlreadyExistsException} and changes nothing. A reader sees either no file or the whole
 *       file, never part of one. This is the commit point of the table protocol. When the storage
 *       is durable, the file's contents are on stable storage before it becomes visible.
 *   <li>A published file is never changed again; it can only be deleted.
 *   <li>{@link #syncDirectory} makes the names published in a directory durable (a power loss after
 *       it returns does not lose them). Without it, a durable storage keeps file contents but may
 *       lose recently published names.
 *   <li>{@link #replace} is the one non-exclusive write, for advisory files such as {@code
 *       version-hint.text}: it atomically swaps whole contents, last writer wins.
 * </ul>
 */
public interface Storage {

  /**
   * Starts writing a new file that {@link PendingFile#publish()} will publish at {@code location}.
   */
  PendingFile create(String location) throws IOException;

  /**
   * Opens a published file for reading.
   *
   * @throws java.nio.file.NoSuchFileException if there is no such file
   */
  InputFile open(String location) throws IOException;

  /** Reads a whole (small) published file. */
  default byte[] readAll(String location) throws IOException {
    try (InputFile in = open(location)) {
      long len = in.length();
      if (len > Integer.MAX_VALUE - 16) {
        throw new IOException("File too large to read whole: " + location + " (" + len + " bytes)");
      }
      byte[] buf = new byte[(int) len];
      in.readFully(0, buf, 0, buf.length);
      return buf;
    }
  }

  /** True if a published file exists at this location. */
  boolean exists(String location) throws IOException;

  /** The length of a published file. */
  long length(String location) throws IOException;

  /** Deletes a file; returns false if there was none. */
  boolean delete(String location) throws IOException;

  /**
   * The names (not full locations) of the files directly inside a directory, in no particular
   * order; empty if the directory does not exist. Private temporaries of {@link #create} may be
   * listed too: their names start with a dot.
   */
  List<String> list(String directory) throws IOException;

  /** Makes the file names published in this directory durable. */
  void syncDirectory(String directory) throws IOException;

  /**
   * Atomically replaces the whole content of an advisory file (last writer wins). Not forced to
   * disk: after a crash the file may hold an older content or be missing, never a torn one.
   */
  void replace(String location, byte[] content) throws IOException;

  /** True if published files are on stable storage when {@link PendingFile#publish()} returns. */
  boolean isDurable();

  /**
   * Thrown by {@link PendingFile#publish()} when the atomic step failed in a way that leaves it
   * unknown whether the file became visible. The cause is the underlying failure.
   */
  final class UncertainPublishException extends IOException {
    private static final long serialVersionUID = 1L;

    /** An exception with a message and the underlying failure. */
    public UncertainPublishException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** A file being written. Not thread-safe. */
  interface PendingFile extends AutoCloseable {
    /** Where the file will appear. */
    String location();

    /**
     * The stream to write the contents to. Do not close it; call {@link #publish()} or {@link
     * #abort()}.
     */
    OutputStream stream();

    /** Bytes written so far. */
    long position();

    /**
     * Makes the file visible at {@link #location()} if no file exists there.
     *
     * @return the published file's length
     * @throws FileAlreadyExistsException if a file exists there (nothing was changed)
     * @throws UncertainPublishException if it is unknown whether the file became visible
     * @throws IOException for any other failure, after which the file is not visible
     */
    long publish() throws IOException;

    /** Discards the file if it was not published. Safe to call more than once. */
    void abort();

    /** Same as {@link #abort()}: a file not published by the time it is closed is discarded. */
    @Override
    default void close() {
      abort();
    }
  }

  /** A published file open for random-access reading. */
  interface InputFile extends AutoCloseable {
    /** Where the file is. */
    String location();

    /** The file length in bytes. */
    long length() throws IOException;

    /** Reads up to {@code len} bytes at {@code position}; returns -1 at the end. */
    int read(long position, byte[] buf, int off, int len) throws IOException;

    /** Reads exactly {@code len} bytes at {@code position}. */
    default void readFully(long position, byte[] buf, int off, int len) throws IOException {
      int done = 0;
      while (done < len) {
        int n = read(position + done, buf, off + done, len - done);
        if (n < 0) {
          throw new java.io.EOFException(
              "Unexpected end of "
                  + location()
                  + " at byte "
                  + (position + done)
                  + " (wanted "
                  + len
                  + " bytes at "
                  + position
                  + ")");
        }
        done += n;
      }
    }

    @Override
    void close() throws IOException;
  }
}
