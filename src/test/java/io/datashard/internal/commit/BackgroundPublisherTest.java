package io.datashard.internal.commit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.storage.ForwardingStorage;
import io.datashard.storage.LocalStorage;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The background publisher keeps a commit's on-disk order: forced, linked, directory synced, then
 * settled.
 */
class BackgroundPublisherTest {
  @TempDir Path dir;

  private final ExecutorService pool = Executors.newFixedThreadPool(4);

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  /** Records when each publish and directory sync ends; publishes take random, uneven times. */
  private static final class Recording extends ForwardingStorage {
    final List<String> events = Collections.synchronizedList(new ArrayList<>());
    final Random random;
    String failPublishOf;

    Recording(long seed) {
      super(new LocalStorage(true));
      random = new Random(seed);
    }

    private synchronized int delay() {
      return random.nextInt(4);
    }

    @Override
    protected long publish(String location, PendingFile file) throws IOException {
      sleep(delay());
      if (location.equals(failPublishOf)) {
        file.abort();
        throw new IOException("disk full (injected) for " + location);
      }
      long n = file.publish();
      events.add("linked " + name(location));
      return n;
    }

    @Override
    public void syncDirectory(String directory) throws IOException {
      sleep(delay());
      inner.syncDirectory(directory);
      events.add("synced " + name(directory));
    }

    @Override
    public boolean delete(String location) throws IOException {
      events.add("deleted " + name(location));
      return inner.delete(location);
    }

    private static String name(String location) {
      return Path.of(location).getFileName().toString();
    }

    private static void sleep(int millis) {
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static long write(Storage storage, String location, String content) throws IOException {
    try (Storage.PendingFile f = storage.create(location)) {
      f.stream().write(content.getBytes(StandardCharsets.UTF_8));
      return f.publish();
    }
  }

  @Test
  void directorySyncsFollowTheLinksBeforeThemAndSettleWaitsForAll() throws Exception {
    long seed = System.nanoTime();
    System.out.println("BackgroundPublisherTest seed " + seed);
    Files.createDirectories(dir.resolve("data"));
    Files.createDirectories(dir.resolve("metadata"));
    for (int round = 0; round < 20; round++) {
      Recording storage = new Recording(seed + round);
      BackgroundPublisher out = new BackgroundPublisher(storage, pool);
      String data = dir + "/data/d" + round;
      String manifest = dir + "/metadata/m" + round;
      String list = dir + "/metadata/l" + round;
      assertThat(write(out, data, "rows"))
          .isEqualTo(4); // the length, known before the file is done
      out.syncDirectory(dir + "/data");
      write(out, manifest, "manifest!");
      write(out, list, "list");
      out.syncDirectory(dir + "/metadata");
      out.settle();
      List<String> events = List.copyOf(storage.events);
      assertThat(events).as("seed %d", seed).hasSize(5);
      int dataSync = events.indexOf("synced data");
      int metaSync = events.indexOf("synced metadata");
      assertThat(events.indexOf("linked d" + round))
          .as("seed %d: %s", seed, events)
          .isLessThan(dataSync);
      assertThat(events.indexOf("linked m" + round))
          .as("seed %d: %s", seed, events)
          .isLessThan(metaSync);
      assertThat(events.indexOf("linked l" + round))
          .as("seed %d: %s", seed, events)
          .isLessThan(metaSync);
      assertThat(Files.readString(Path.of(manifest))).isEqualTo("manifest!");
      assertThat(Files.readString(Path.of(data))).isEqualTo("rows");
    }
  }

  @Test
  void aFailedPublishIsThrownBySettleAndNoLaterSyncRuns() throws Exception {
    Recording storage = new Recording(1);
    BackgroundPublisher out = new BackgroundPublisher(storage, pool);
    String bad = dir + "/bad";
    storage.failPublishOf = bad;
    write(out, dir + "/good", "x");
    write(out, bad, "y"); // returns: the failure is the settle's
    out.syncDirectory(dir.toString());
    assertThatThrownBy(out::settle)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("disk full (injected)");
    assertThat(storage.events).containsExactly("linked good");
    assertThat(Files.exists(Path.of(bad))).isFalse();
    assertThat(Files.list(dir).map(p -> p.getFileName().toString())).containsExactly("good");
    out.settle(); // settled: nothing left to throw
  }

  @Test
  void removingWaitsForAQueuedLinkSoTheNameStaysGone() throws Exception {
    for (int round = 0; round < 20; round++) {
      Recording storage = new Recording(round);
      BackgroundPublisher out = new BackgroundPublisher(storage, pool);
      String f = dir + "/f" + round;
      write(out, f, "z");
      assertThat(out.delete(f)).isTrue();
      out.settle();
      assertThat(Files.exists(Path.of(f))).isFalse();
      assertThat(storage.events).containsExactly("linked f" + round, "deleted f" + round);
    }
  }

  @Test
  void inlineRunsEachStepWhenAskedAndThrowsThere() throws Exception {
    Recording storage = new Recording(2);
    BackgroundPublisher out = BackgroundPublisher.inline(storage);
    write(out, dir + "/a", "a");
    assertThat(storage.events).containsExactly("linked a");
    out.syncDirectory(dir.toString());
    assertThat(storage.events).containsExactly("linked a", "synced " + dir.getFileName());
    storage.failPublishOf = dir + "/b";
    assertThatThrownBy(() -> write(out, dir + "/b", "b")).isInstanceOf(IOException.class);
    out.settle();
  }

  @Test
  void aFileIsPublishedOnceAndAnAbortedOneNever() throws Exception {
    BackgroundPublisher out = new BackgroundPublisher(new Recording(3), pool);
    Storage.PendingFile f = out.create(dir + "/once");
    f.stream().write(1);
    f.publish();
    assertThatThrownBy(f::publish).isInstanceOf(IllegalStateException.class);
    Storage.PendingFile g = out.create(dir + "/never");
    g.stream().write(2);
    g.abort();
    g.close();
    out.settle();
    assertThat(Files.list(dir).map(p -> p.getFileName().toString())).containsExactly("once");
  }

  @Test
  void onlyADurableLocalStorageIsFinishedInTheBackground() throws Exception {
    // a storage of unknown thread-safety, or one that never forces, keeps every step in the caller
    Recording other = new Recording(4);
    write(BackgroundPublisher.over(other), dir + "/x", "x");
    assertThat(other.events).containsExactly("linked x");
    BackgroundPublisher local = BackgroundPublisher.over(new LocalStorage(true));
    write(local, dir + "/y", "y");
    local.settle();
    assertThat(Files.readString(dir.resolve("y"))).isEqualTo("y");
  }
}
