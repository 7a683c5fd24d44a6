package io.datashard.testkit;

import io.datashard.storage.LocalStorage;
import io.datashard.storage.Storage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM that takes a {@link LocalStorage} lock, creates a marker file once it holds it, and
 * keeps it until its standard input ends (or it is killed). Args: lock location, marker path.
 */
public final class LockHolder {
  private LockHolder() {}

  public static void main(String[] args) throws Exception {
    try (Storage.Lock lock = new LocalStorage().lock(args[0], Duration.ofSeconds(30))) {
      if (lock == null) {
        System.exit(3);
      }
      Files.writeString(Path.of(args[1]), "held");
      while (System.in.read() >= 0) {
        // wait for the parent to close our input
      }
    }
  }

  /** Starts a holder of {@code lock} and waits until it holds it; closing the result ends it. */
  public static AutoCloseable hold(String lock, Path workDir) throws Exception {
    Path marker = workDir.resolve("held-" + System.nanoTime());
    Process p =
        ChildJvm.start(
            LockHolder.class,
            workDir.resolve(marker.getFileName() + ".log"),
            lock,
            marker.toString());
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!Files.exists(marker)) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        p.destroyForcibly();
        throw new IllegalStateException(
            "The lock holder did not take "
                + lock
                + " (exit "
                + (p.isAlive() ? "none" : p.exitValue())
                + ")");
      }
      Thread.sleep(10);
    }
    return () -> {
      p.getOutputStream().close();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
      }
    };
  }
}
