package io.datashard.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.testkit.ChildJvm;
import io.datashard.testkit.LockHolder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStorageTest {
  @TempDir Path dir;

  private final LocalStorage storage = new LocalStorage(true);

  /** A holder sees another process wait for its lock, and stops seeing it once that one has it. */
  @Test
  void aLockHolderSeesAnotherProcessWaitingForIt() throws Exception {
    String loc = dir.resolve("m/.commit.lock").toString();
    Files.createDirectories(dir.resolve("m"));
    AutoCloseable waiter = null;
    try (Storage.Lock held = storage.lock(loc, Duration.ofSeconds(1))) {
      assertThat(held).isNotNull();
      assertThat(held.othersWaiting()).as("nobody waits yet").isFalse();
      Path marker = dir.resolve("held");
      Process child =
          ChildJvm.start(LockHolder.class, dir.resolve("child.log"), loc, marker.toString());
      waiter =
          () -> {
            child.getOutputStream().close();
            if (!child.waitFor(10, TimeUnit.SECONDS)) {
              child.destroyForcibly().waitFor();
            }
          };
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (!held.othersWaiting()) {
        assertThat(child.isAlive()).as("the child waits for the lock").isTrue();
        assertThat(System.nanoTime()).as("the wait is seen in time").isLessThan(deadline);
        Thread.sleep(10);
      }
      assertThat(marker).as("it still waits").doesNotExist();
    }
    // released: the child takes it, and waits no more
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!Files.exists(dir.resolve("held"))) {
      assertThat(System.nanoTime()).as("the child takes the lock").isLessThan(deadline);
      Thread.sleep(10);
    }
    try (Storage.Lock mine = storage.tryLock(loc)) {
      assertThat(mine).as("the child holds it now").isNull();
    }
    waiter.close();
    try (Storage.Lock again = storage.lock(loc, Duration.ofSeconds(10))) {
      assertThat(again).isNotNull();
      assertThat(again.othersWaiting()).isFalse();
    }
  }

  @Test
  void nothingIsVisibleBeforePublishAndEverythingAfter() throws Exception {
    String loc = dir.resolve("m/a.bin").toString();
    Storage.PendingFile f = storage.create(loc);
    f.stream().write("hello".getBytes(StandardCharsets.UTF_8));
    assertThat(storage.exists(loc)).isFalse();
    assertThat(f.publish()).isEqualTo(5);
    assertThat(new String(storage.readAll(loc), StandardCharsets.UTF_8)).isEqualTo("hello");
    assertThat(storage.list(dir.resolve("m").toString())).containsExactly("a.bin");
  }

  @Test
  void publishNeverReplacesAnExistingFile() throws Exception {
    String loc = dir.resolve("v1.json").toString();
    Storage.PendingFile first = storage.create(loc);
    first.stream().write(1);
    first.publish();
    Storage.PendingFile second = storage.create(loc);
    second.stream().write(2);
    assertThatThrownBy(second::publish).isInstanceOf(FileAlreadyExistsException.class);
    assertThat(storage.readAll(loc)).containsExactly(1);
    assertThat(storage.list(dir.toString())).containsExactly("v1.json");
  }

  @Test
  void exactlyOneOfManyRacingWritersWins() throws Exception {
    String loc = dir.resolve("v7.json").toString();
    int writers = 16;
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger wins = new AtomicInteger();
    AtomicInteger losses = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < writers; i++) {
      int id = i;
      Thread t =
          new Thread(
              () -> {
                try {
                  Storage.PendingFile f = storage.create(loc);
                  f.stream().write(("writer-" + id).getBytes(StandardCharsets.UTF_8));
                  start.await();
                  f.publish();
                  wins.incrementAndGet();
                } catch (FileAlreadyExistsException e) {
                  losses.incrementAndGet();
                } catch (Exception e) {
                  throw new RuntimeException(e);
                }
              });
      t.start();
      threads.add(t);
    }
    start.countDown();
    for (Thread t : threads) {
      t.join();
    }
    assertThat(wins.get()).isEqualTo(1);
    assertThat(losses.get()).isEqualTo(writers - 1);
    assertThat(new String(storage.readAll(loc), StandardCharsets.UTF_8)).startsWith("writer-");
    assertThat(storage.list(dir.toString())).containsExactly("v7.json");
  }

  @Test
  void abortLeavesNothingBehind() throws Exception {
    String loc = dir.resolve("x.bin").toString();
    try (Storage.PendingFile f = storage.create(loc)) {
      f.stream().write(new byte[100_000]);
    }
    assertThat(storage.exists(loc)).isFalse();
    assertThat(storage.list(dir.toString())).isEmpty();
  }

  @Test
  void replaceSwapsWholeContent() throws Exception {
    String loc = dir.resolve("hint.text").toString();
    storage.replace(loc, "1".getBytes(StandardCharsets.UTF_8));
    storage.replace(loc, "22".getBytes(StandardCharsets.UTF_8));
    assertThat(Files.readString(Path.of(loc))).isEqualTo("22");
    assertThat(storage.list(dir.toString())).containsExactly("hint.text");
  }

  @Test
  void readsFileUris() throws Exception {
    Files.writeString(dir.resolve("f.txt"), "abc");
    assertThat(storage.readAll("file:" + dir.resolve("f.txt"))).hasSize(3);
    assertThat(storage.readAll("file://" + dir.resolve("f.txt"))).hasSize(3);
    assertThat(storage.list(dir.resolve("missing").toString())).isEmpty();
  }
}
