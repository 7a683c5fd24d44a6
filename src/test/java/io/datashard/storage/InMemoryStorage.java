package io.datashard.storage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A storage that keeps files in memory: for tests that need a storage without a disk, and as the
 * second implementation the storage contract test runs against. Thread-safe. Not durable (nothing
 * survives the object); its locks are shared by the users of one instance.
 */
public final class InMemoryStorage implements Storage {
  private record Stored(byte[] bytes, long modified) {}

  private final Map<String, Stored> files = new TreeMap<>();
  private final Map<String, Semaphore> locks = new ConcurrentHashMap<>();

  /** An empty storage. */
  public InMemoryStorage() {}

  /** A storage holding these files (location to contents). */
  public static InMemoryStorage of(Map<String, byte[]> contents) {
    InMemoryStorage s = new InMemoryStorage();
    contents.forEach((k, v) -> s.files.put(k, new Stored(v.clone(), System.currentTimeMillis())));
    return s;
  }

  private static String key(String location) {
    return Locations.stripFileScheme(location);
  }

  private synchronized Stored get(String location) throws NoSuchFileException {
    Stored s = files.get(key(location));
    if (s == null) {
      throw new NoSuchFileException(location);
    }
    return s;
  }

  private synchronized void putNew(String location, byte[] bytes) throws IOException {
    String k = key(location);
    if (files.containsKey(k)) {
      throw new FileAlreadyExistsException(location);
    }
    files.put(k, new Stored(bytes, System.currentTimeMillis()));
  }

  @Override
  public PendingFile create(String location) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    return new PendingFile() {
      private boolean done;

      @Override
      public String location() {
        return location;
      }

      @Override
      public OutputStream stream() {
        return buf;
      }

      @Override
      public long position() {
        return buf.size();
      }

      @Override
      public long publish() throws IOException {
        if (done) {
          throw new IllegalStateException("File already published or aborted: " + location);
        }
        done = true;
        putNew(location, buf.toByteArray());
        return buf.size();
      }

      @Override
      public void abort() {
        done = true;
      }
    };
  }

  @Override
  public InputFile open(String location) throws IOException {
    byte[] b = get(location).bytes();
    return new InputFile() {
      @Override
      public String location() {
        return location;
      }

      @Override
      public long length() {
        return b.length;
      }

      @Override
      public int read(long position, byte[] out, int off, int len) {
        if (position >= b.length) {
          return -1;
        }
        int n = (int) Math.min(len, b.length - position);
        System.arraycopy(b, (int) position, out, off, n);
        return n;
      }

      @Override
      public void close() {}
    };
  }

  @Override
  public synchronized boolean exists(String location) {
    return files.containsKey(key(location));
  }

  @Override
  public long length(String location) throws IOException {
    return get(location).bytes().length;
  }

  @Override
  public synchronized boolean delete(String location) {
    return files.remove(key(location)) != null;
  }

  @Override
  public synchronized List<String> list(String directory) {
    String prefix = prefix(directory);
    Set<String> names = new LinkedHashSet<>();
    for (String k : files.keySet()) {
      if (k.startsWith(prefix)) {
        String rest = k.substring(prefix.length());
        int slash = rest.indexOf('/');
        names.add(slash < 0 ? rest : rest.substring(0, slash));
      }
    }
    return new ArrayList<>(names);
  }

  @Override
  public synchronized List<FileInfo> walk(String directory) {
    String prefix = prefix(directory);
    List<FileInfo> out = new ArrayList<>();
    files.forEach(
        (k, v) -> {
          if (k.startsWith(prefix)) {
            out.add(new FileInfo(k, v.bytes().length, v.modified()));
          }
        });
    return out;
  }

  private static String prefix(String directory) {
    String d = key(directory);
    return d.endsWith("/") ? d : d + "/";
  }

  @Override
  public void syncDirectory(String directory) {}

  @Override
  public synchronized void replace(String location, byte[] content) {
    files.put(key(location), new Stored(content.clone(), System.currentTimeMillis()));
  }

  @Override
  public void writeNew(String location, byte[] content) throws IOException {
    putNew(location, content.clone());
  }

  @Override
  public synchronized void link(String existing, String location) throws IOException {
    putNew(location, get(existing).bytes());
  }

  /** A link taken before an append keeps the bytes it had; one taken after sees them all. */
  @Override
  public synchronized long append(String location, byte[] content) {
    Stored old = files.get(key(location));
    byte[] before = old == null ? new byte[0] : old.bytes();
    byte[] after = java.util.Arrays.copyOf(before, before.length + content.length);
    System.arraycopy(content, 0, after, before.length, content.length);
    files.put(key(location), new Stored(after, System.currentTimeMillis()));
    return before.length;
  }

  @Override
  public boolean isDurable() {
    return false;
  }

  @Override
  public boolean supports(Capability capability) {
    return capability == Capability.LOCKS
        || capability == Capability.EXCLUSIVE_DELETE
        || capability == Capability.APPEND;
  }

  @Override
  public Lock lock(String location, Duration maxWait) throws IOException {
    Semaphore s = locks.computeIfAbsent(key(location), k -> new Semaphore(1));
    boolean got;
    try {
      got = s.tryAcquire(maxWait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while waiting for the lock " + location, e);
    }
    if (!got) {
      return null;
    }
    boolean[] released = {false};
    return () -> {
      synchronized (released) {
        if (!released[0]) {
          released[0] = true;
          s.release();
        }
      }
    };
  }

  @Override
  public Lock tryLock(String location) throws IOException {
    return lock(location, Duration.ZERO);
  }

  @Override
  public String toString() {
    return "InMemoryStorage";
  }
}
