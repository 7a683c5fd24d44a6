package io.datashard.storage;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.List;

/**
 * The only way DataShard touches the files of a table. It is deliberately narrow, so that other
 * back ends (an in-memory store for tests, a fault-injecting wrapper, object stores) can implement
 * it; {@link ForwardingStorage} is the base for wrappers that change a few calls.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>Locations are absolute strings ({@code /tables/t/metadata/v3.metadata.json}); directories
 *       are implied by the locations of files inside them. A {@code file:} location names the same
 *       file as its plain path ({@link Locations#stripFileScheme}).
 *   <li>{@link #create} never makes anything visible: bytes go to a private place until {@link
 *       PendingFile#publish()}.
 *   <li>{@link PendingFile#publish()} makes the complete file visible under its location in one
 *       atomic step <b>only if no file of that name exists</b>, and otherwise throws {@link
 *       FileAlreadyExistsException} and changes nothing. A reader sees either no file or the whole
 *       file, never part of one. This is the commit point of the table protocol. When the storage
 *       is durable, the file's contents are on stable storage before it becomes visible. When the
 *       outcome cannot be known, it throws {@link UncertainPublishException}.
 *   <li>A published file is never changed again; it can only be deleted.
 *   <li>{@link #syncDirectory} makes the names published in a directory durable (a power loss after
 *       it returns does not lose them). Without it, a durable storage keeps file contents but may
 *       lose recently published names.
 *   <li>{@link #replace} is the one non-exclusive write, for advisory files such as {@code
 *       version-hint.text}: it atomically swaps whole contents, last writer wins.
 *   <li>{@link #writeNew} and {@link #link} are exclusive like a publish but never forced to disk:
 *       they are for coordination files that need not survive a power loss (whose readers check
 *       them).
 *   <li>Names that start with a dot are the storage's and DataShard's private files (temporaries,
 *       locks, queues): listings include them, and callers skip them where they look for table
 *       files.
 *   <li>What a storage offers beyond this is asked with {@link #supports}: advisory locks,
 *       publishing in the background, deletes that tell exactly one caller it removed a file.
 * </ul>
 *
 * <p>One test suite states this contract in code and runs against every storage of the build
 * ({@code StorageContractTest}).
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
   * Every file at any depth below {@code directory}, with its length and last-modified time, in no
   * particular order; empty if the directory does not exist. A file removed while the listing runs
   * may or may not be in it.
   */
  List<FileInfo> walk(String directory) throws IOException;

  /**
   * Writes a small file whole and makes it visible at {@code location} only if no file of that name
   * exists, as a publish does, without forcing it to disk: a power loss may lose or damage it. For
   * coordination files, which their readers check.
   *
   * @throws FileAlreadyExistsException if a file exists there (nothing was changed)
   */
  default void writeNew(String location, byte[] content) throws IOException {
    try (PendingFile out = create(location)) {
      out.stream().write(content);
      out.publish();
    }
  }

  /**
   * Makes the published file at {@code existing} visible at {@code location} too, only if no file
   * of that name exists, not forced to disk. Where the storage has hard links this is one; this
   * default copies the bytes with {@link #writeNew}.
   *
   * @throws FileAlreadyExistsException if a file exists at {@code location}
   * @throws NoSuchFileException if there is no file at {@code existing}
   */
  default void link(String existing, String location) throws IOException {
    writeNew(location, readAll(existing));
  }

  /**
   * Adds {@code content} at the end of the file at {@code location}, creating the file if there is
   * none, and returns the offset at which the content starts, without forcing it to disk. Bytes
   * once written are never changed: a {@link #link} made afterwards sees them, and so does every
   * reader of the file. Only one writer may append to a file at a time (callers name such files
   * after their process and take turns within it); for coordination files, whose readers check what
   * they read.
   *
   * @throws UnsupportedOperationException if this storage has no {@link Capability#APPEND}
   */
  default long append(String location, byte[] content) throws IOException {
    throw new UnsupportedOperationException(this + " cannot append to files");
  }

  /**
   * The location a published file really is at, after following symbolic links (or whatever aliases
   * the storage has); this default returns the location itself.
   *
   * @throws NoSuchFileException if there is no file there
   */
  default String realLocation(String location) throws IOException {
    if (!exists(location)) {
      throw new NoSuchFileException(location);
    }
    return location;
  }

  /** What a storage may offer beyond the basic contract; see {@link #supports}. */
  enum Capability {
    /**
     * {@link #lock} and {@link #tryLock} give advisory locks that every process using this storage
     * respects. They only make writers take turns: correctness never depends on them.
     */
    LOCKS,
    /**
     * Publishes and directory syncs may run on other threads while the caller writes its next file
     * (the storage is thread-safe, and publishing waits for the disk, so overlapping pays).
     */
    BACKGROUND_PUBLISH,
    /**
     * Of several callers deleting one file at once, exactly one is told {@code true} by {@link
     * #delete} (a POSIX unlink does this; an object store's idempotent delete does not). Group
     * commit's append queue relies on it.
     */
    EXCLUSIVE_DELETE,
    /**
     * {@link #append} adds bytes at the end of a file, and files share their bytes with their
     * links. Group commit's append queue writes its requests this way, so that a request costs no
     * new file.
     */
    APPEND
  }

  /** True if this storage offers the capability; false by default. */
  default boolean supports(Capability capability) {
    return false;
  }

  /**
   * Takes the advisory lock named by {@code location} (a file the storage may create), waiting at
   * most {@code maxWait} for another process to release it.
   *
   * @return the held lock, or null if it was not granted in time
   * @throws UnsupportedOperationException if this storage has no {@link Capability#LOCKS}
   * @throws IOException if the storage could not lock here (some network filesystems)
   */
  default Lock lock(String location, Duration maxWait) throws IOException {
    throw new UnsupportedOperationException(this + " has no locks");
  }

  /**
   * Takes the advisory lock named by {@code location} if no other process holds it right now.
   *
   * @return the held lock, or null if another process holds it
   * @throws UnsupportedOperationException if this storage has no {@link Capability#LOCKS}
   * @throws IOException if the storage could not lock here
   */
  default Lock tryLock(String location) throws IOException {
    throw new UnsupportedOperationException(this + " has no locks");
  }

  /** A held advisory lock; {@link #close()} releases it. */
  interface Lock extends AutoCloseable {
    /**
     * True if another process is known to be waiting in {@link Storage#lock} for this lock; false
     * if none is, or the storage cannot tell (the default). A hint only: a waiter may give up or
     * start waiting at any time.
     */
    default boolean othersWaiting() {
      return false;
    }

    @Override
    void close();
  }

  /** A file found by {@link #walk}: its location, length in bytes and last-modified time. */
  record FileInfo(String location, long length, long lastModifiedMillis) {
    /** The last part of the location. */
    public String name() {
      int slash = location.lastIndexOf('/');
      return slash < 0 ? location : location.substring(slash + 1);
    }
  }

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
          throw new EOFException(
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
