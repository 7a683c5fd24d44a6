package io.datashard.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link Storage} contract as tests: every storage of the build runs this suite through a
 * subclass (Lucene's {@code BaseDirectoryTestCase} is the model). A subclass makes the storage and
 * a root location for it, and says what the storage cannot be asked (threads, other processes).
 */
public abstract class StorageContractTest {
  /** The storage under test, made fresh for each test. */
  protected Storage storage;

  /** A location no test has used yet, under which each test writes. */
  protected String root;

  /** Makes the storage under test. */
  protected abstract Storage newStorage() throws IOException;

  /** A fresh, empty root location for one test. */
  protected abstract String newRoot() throws IOException;

  /** False for storages whose locations are not local paths (a {@code file:} URI means nothing). */
  protected boolean localPaths() {
    return true;
  }

  /** False for storages that one thread at a time must drive. */
  protected boolean threadSafe() {
    return true;
  }

  /**
   * Holds the lock named by {@code location} from somewhere else than this test's thread (another
   * thread, or another process for storages whose locks are per process) until the result is
   * closed.
   */
  protected AutoCloseable holdLockElsewhere(String location) throws Exception {
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread t =
        new Thread(
            () -> {
              try (Storage.Lock l = storage.lock(location, Duration.ofSeconds(10))) {
                held.countDown();
                release.await();
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    t.start();
    assertThat(held.await(10, TimeUnit.SECONDS)).as("lock taken elsewhere").isTrue();
    return () -> {
      release.countDown();
      t.join(10_000);
    };
  }

  @BeforeEach
  void setUpStorage() throws IOException {
    storage = newStorage();
    root = newRoot();
  }

  @AfterEach
  void tearDownStorage() throws Exception {
    if (storage instanceof AutoCloseable c) {
      c.close();
    }
  }

  private String at(String name) {
    return root + "/" + name;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private long publish(String location, String content) throws IOException {
    try (Storage.PendingFile f = storage.create(location)) {
      f.stream().write(bytes(content));
      return f.publish();
    }
  }

  private String read(String location) throws IOException {
    return new String(storage.readAll(location), StandardCharsets.UTF_8);
  }

  // ---------------------------------------------------------------- publish

  @Test
  void aFileIsInvisibleUntilPublishedAndWholeAfter() throws IOException {
    String loc = at("m/a.bin");
    Storage.PendingFile f = storage.create(loc);
    f.stream().write(bytes("hello "));
    f.stream().write(bytes("world"));
    assertThat(f.position()).isEqualTo(11);
    assertThat(storage.exists(loc)).isFalse();
    assertThat(f.publish()).isEqualTo(11);
    assertThat(storage.exists(loc)).isTrue();
    assertThat(storage.length(loc)).isEqualTo(11);
    assertThat(read(loc)).isEqualTo("hello world");
  }

  @Test
  void publishNeverReplacesAnExistingFile() throws IOException {
    String loc = at("v1.json");
    publish(loc, "first");
    Storage.PendingFile second = storage.create(loc);
    second.stream().write(bytes("second"));
    assertThatThrownBy(second::publish).isInstanceOf(FileAlreadyExistsException.class);
    assertThat(read(loc)).isEqualTo("first");
  }

  @Test
  void anAbortedFileLeavesNoVisibleName() throws IOException {
    String loc = at("d/gone.bin");
    Storage.PendingFile f = storage.create(loc);
    f.stream().write(bytes("x"));
    f.abort();
    f.abort(); // twice is fine
    assertThat(storage.exists(loc)).isFalse();
    assertThat(storage.list(at("d"))).noneMatch(n -> n.equals("gone.bin"));
    assertThat(storage.walk(root)).noneMatch(i -> !i.name().startsWith("."));
  }

  @Test
  void aFileIsPublishedOnce() throws IOException {
    Storage.PendingFile f = storage.create(at("once"));
    f.stream().write(1);
    f.publish();
    assertThatThrownBy(f::publish).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void ofWritersRacingForOneNameExactlyOneWins() throws Exception {
    assumeTrue(threadSafe(), "a storage driven by one thread");
    int writers = 8;
    String loc = at("race/v2.metadata.json");
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Boolean>> results = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        String content = "writer " + w;
        Callable<Boolean> task =
            () -> {
              Storage.PendingFile f = storage.create(loc);
              f.stream().write(bytes(content));
              go.await();
              try {
                f.publish();
                return true;
              } catch (FileAlreadyExistsException e) {
                return false;
              }
            };
        results.add(pool.submit(task));
      }
      go.countDown();
      int won = 0;
      for (Future<Boolean> r : results) {
        won += r.get(30, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertThat(won).isEqualTo(1);
      assertThat(read(loc)).startsWith("writer ");
    } finally {
      pool.shutdownNow();
    }
  }

  // ---------------------------------------------------------------- reading

  @Test
  void readsAtAnyPositionAndStopsAtTheEnd() throws IOException {
    String loc = at("r.bin");
    publish(loc, "0123456789");
    try (Storage.InputFile in = storage.open(loc)) {
      assertThat(in.location()).isEqualTo(loc);
      assertThat(in.length()).isEqualTo(10);
      byte[] buf = new byte[4];
      in.readFully(3, buf, 0, 4);
      assertThat(new String(buf, StandardCharsets.UTF_8)).isEqualTo("3456");
      int n = in.read(8, buf, 0, 4);
      assertThat(n).isBetween(1, 2);
      assertThat(in.read(10, buf, 0, 4)).isEqualTo(-1);
      assertThatThrownBy(() -> in.readFully(8, buf, 0, 4)).isInstanceOf(EOFException.class);
    }
  }

  @Test
  void aMissingFileIsNoSuchFile() throws IOException {
    String loc = at("missing");
    assertThat(storage.exists(loc)).isFalse();
    assertThatThrownBy(() -> storage.open(loc)).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> storage.readAll(loc)).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> storage.length(loc)).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> storage.realLocation(loc)).isInstanceOf(NoSuchFileException.class);
    assertThat(storage.delete(loc)).isFalse();
  }

  @Test
  void aFileUriNamesTheSameFileAsItsPath() throws IOException {
    assumeTrue(localPaths(), "locations that are not paths");
    String loc = at("u.txt");
    publish(loc, "abc");
    assertThat(storage.readAll("file:" + loc)).hasSize(3);
    assertThat(storage.exists("file://" + loc)).isTrue();
  }

  @Test
  void theRealLocationOfAFileReadsTheSameBytes() throws IOException {
    String loc = at("real.txt");
    publish(loc, "abc");
    assertThat(read(storage.realLocation(loc))).isEqualTo("abc");
  }

  // ---------------------------------------------------------------- append

  @Test
  void appendAddsAtTheEndAndSaysWhere() throws IOException {
    assumeTrue(storage.supports(Storage.Capability.APPEND));
    String loc = at("ap/log");
    assertThat(storage.append(loc, "abc".getBytes(StandardCharsets.UTF_8))).isEqualTo(0);
    assertThat(storage.append(loc, "de".getBytes(StandardCharsets.UTF_8))).isEqualTo(3);
    assertThat(storage.append(loc, new byte[0])).isEqualTo(5);
    assertThat(read(loc)).isEqualTo("abcde");
    assertThat(storage.length(loc)).isEqualTo(5);
  }

  @Test
  void aLinkSeesWhatWasAppendedBeforeItAndNothingIsChanged() throws IOException {
    assumeTrue(storage.supports(Storage.Capability.APPEND));
    String log = at("ap2/log");
    storage.append(log, "first".getBytes(StandardCharsets.UTF_8));
    storage.link(log, at("ap2/one"));
    long at = storage.append(log, "second".getBytes(StandardCharsets.UTF_8));
    storage.link(log, at("ap2/two"));
    byte[] second = new byte[6];
    try (Storage.InputFile in = storage.open(at("ap2/two"))) {
      in.readFully(at, second, 0, second.length);
    }
    assertThat(new String(second, StandardCharsets.UTF_8)).isEqualTo("second");
    assertThat(read(at("ap2/one"))).startsWith("first");
    // the name appended to can go: the links keep the bytes
    assertThat(storage.delete(log)).isTrue();
    assertThat(read(at("ap2/two"))).isEqualTo("firstsecond");
    assertThat(storage.append(log, "new".getBytes(StandardCharsets.UTF_8))).isEqualTo(0);
    assertThat(read(at("ap2/two"))).isEqualTo("firstsecond");
  }

  @Test
  void aStorageWithoutAppendSaysSo() {
    assumeTrue(!storage.supports(Storage.Capability.APPEND));
    assertThatThrownBy(() -> storage.append(at("na"), new byte[1]))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  // ---------------------------------------------------------------- delete, list, walk

  @Test
  void deleteRemovesAFileAndSaysWhetherThereWasOne() throws IOException {
    String loc = at("del");
    publish(loc, "x");
    assertThat(storage.delete(loc)).isTrue();
    assertThat(storage.exists(loc)).isFalse();
    assertThat(storage.delete(loc)).isFalse();
  }

  @Test
  void ofDeletersRacingForOneFileExactlyOneIsToldItRemovedIt() throws Exception {
    assumeTrue(threadSafe() && storage.supports(Storage.Capability.EXCLUSIVE_DELETE));
    int deleters = 8;
    for (int round = 0; round < 20; round++) {
      String loc = at("d" + round);
      publish(loc, "x");
      ExecutorService pool = Executors.newFixedThreadPool(deleters);
      try {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int d = 0; d < deleters; d++) {
          results.add(
              pool.submit(
                  () -> {
                    go.await();
                    return storage.delete(loc);
                  }));
        }
        go.countDown();
        int told = 0;
        for (Future<Boolean> r : results) {
          told += r.get(30, TimeUnit.SECONDS) ? 1 : 0;
        }
        assertThat(told).as("round %d", round).isEqualTo(1);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void listGivesTheNamesDirectlyInADirectory() throws IOException {
    publish(at("l/a"), "1");
    publish(at("l/b"), "2");
    publish(at("l/sub/c"), "3");
    assertThat(storage.list(at("l")))
        .filteredOn(n -> !n.startsWith("."))
        .containsOnly("a", "b", "sub");
    assertThat(storage.list(at("nothing-here"))).isEmpty();
  }

  @Test
  void walkGivesEveryFileBelowWithItsLengthAndTime() throws IOException {
    long before = System.currentTimeMillis() - 5_000;
    publish(at("w/a"), "1");
    publish(at("w/x/y/b"), "22");
    List<Storage.FileInfo> files = new ArrayList<>(storage.walk(at("w")));
    files.removeIf(i -> i.name().startsWith("."));
    assertThat(files)
        .extracting(Storage.FileInfo::location)
        .containsExactlyInAnyOrder(at("w/a"), at("w/x/y/b"));
    for (Storage.FileInfo i : files) {
      assertThat(i.length()).isEqualTo(i.name().equals("a") ? 1 : 2);
      assertThat(i.lastModifiedMillis()).isGreaterThan(before);
    }
    assertThat(storage.walk(at("nothing-here"))).isEmpty();
  }

  @Test
  void syncingADirectoryWithPublishedFilesSucceeds() throws IOException {
    publish(at("s/a"), "1");
    storage.syncDirectory(at("s"));
    assertThat(storage.exists(at("s/a"))).isTrue();
  }

  // ---------------------------------------------------------------- replace, writeNew, link

  @Test
  void replaceSwapsTheWholeContentLastWriterWins() throws IOException {
    String loc = at("meta/version-hint.text");
    storage.replace(loc, bytes("1"));
    assertThat(read(loc)).isEqualTo("1");
    storage.replace(loc, bytes("22"));
    assertThat(read(loc)).isEqualTo("22");
    assertThat(storage.list(at("meta")))
        .filteredOn(n -> !n.startsWith("."))
        .containsExactly("version-hint.text");
  }

  @Test
  void writeNewIsExclusiveAndWhole() throws IOException {
    String loc = at("q/a.req");
    storage.writeNew(loc, bytes("request"));
    assertThat(read(loc)).isEqualTo("request");
    assertThatThrownBy(() -> storage.writeNew(loc, bytes("other")))
        .isInstanceOf(FileAlreadyExistsException.class);
    assertThat(read(loc)).isEqualTo("request");
  }

  @Test
  void linkGivesAFileASecondNameExclusively() throws IOException {
    String from = at("q/a.req");
    String to = at("q/a.claimed");
    storage.writeNew(from, bytes("request"));
    storage.link(from, to);
    assertThat(read(to)).isEqualTo("request");
    assertThat(storage.delete(from)).isTrue();
    assertThat(read(to)).as("the second name outlives the first").isEqualTo("request");
    storage.writeNew(from, bytes("again"));
    assertThatThrownBy(() -> storage.link(from, to)).isInstanceOf(FileAlreadyExistsException.class);
    assertThatThrownBy(() -> storage.link(at("q/none"), at("q/none2")))
        .isInstanceOf(NoSuchFileException.class);
  }

  // ---------------------------------------------------------------- locks

  @Test
  void aLockIsHeldUntilClosedAndThenFree() throws Exception {
    assumeTrue(storage.supports(Storage.Capability.LOCKS));
    String loc = at("locks/commit.lock");
    publish(at("locks/x"), "directory exists");
    try (Storage.Lock l = storage.lock(loc, Duration.ofSeconds(1))) {
      assertThat(l).isNotNull();
    }
    try (Storage.Lock again = storage.tryLock(loc)) {
      assertThat(again).as("free again after close").isNotNull();
    }
  }

  @Test
  void aLockHeldElsewhereIsNotGrantedUntilReleased() throws Exception {
    assumeTrue(storage.supports(Storage.Capability.LOCKS));
    String loc = at("locks/commit.lock");
    publish(at("locks/x"), "directory exists");
    try (AutoCloseable elsewhere = holdLockElsewhere(loc)) {
      assertThat(storage.tryLock(loc)).isNull();
      long start = System.nanoTime();
      assertThat(storage.lock(loc, Duration.ofMillis(300))).isNull();
      assertThat(System.nanoTime() - start).as("waited for the lock").isGreaterThan(200_000_000L);
    }
    try (Storage.Lock l = storage.lock(loc, Duration.ofSeconds(10))) {
      assertThat(l).as("granted once released").isNotNull();
    }
  }

  @Test
  void aStorageWithoutLocksSaysSo() {
    assumeTrue(!storage.supports(Storage.Capability.LOCKS));
    assertThatThrownBy(() -> storage.tryLock(at("l")))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
