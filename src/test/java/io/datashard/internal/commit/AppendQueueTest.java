package io.datashard.internal.commit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import io.datashard.TableOptions;
import io.datashard.internal.FileNames;
import io.datashard.internal.TableCore;
import io.datashard.internal.meta.TableMetadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit's queue files: requests that share their process's log (no new file per request),
 * and the envelope, versioned, CRC32-checked, never half read.
 */
class AppendQueueTest {
  @TempDir Path dir;

  private TableOperations ops;
  private AppendQueue queue;

  private void openQueue() {
    DataShard.create(dir, Schema.parse("id long not null, note string"));
    ops = TableCore.open(dir, TableOptions.defaults()).operations();
    queue = new AppendQueue(ops.storage(), ops.metadataDir());
  }

  private String submit(String id, long value, String note) throws IOException {
    TableMetadata meta = ops.current();
    List<Row> rows =
        DataWriter.convert(meta.schema(), List.of(Map.of("id", value, "note", note)), false);
    return queue.submit(id, meta.schema(), rows, Map.of("k", id));
  }

  private Path queueDir() {
    return dir.resolve("metadata").resolve(FileNames.QUEUE_DIR);
  }

  private List<Path> logs() throws IOException {
    try (Stream<Path> s = Files.list(queueDir())) {
      return s.filter(p -> p.toString().endsWith(AppendQueue.REQUEST_LOG)).sorted().toList();
    }
  }

  private Map<String, Long> readAll() throws IOException {
    Map<String, Long> out = new java.util.TreeMap<>();
    for (AppendQueue.Entry e : queue.entries("none")) {
      AppendQueue.Request r = queue.read(e, ops.current());
      assertThat(r.summary).containsEntry("k", e.id());
      out.put(e.id(), (Long) r.rows.get(0).get("id"));
    }
    return out;
  }

  @Test
  void requestsAreLinksToTheirProcesssLogAndEachReadsBackItsOwnRows() throws IOException {
    openQueue();
    String a = submit("8000000000000001", 1, "one");
    String b = submit("8000000000000002", 2, "two");
    String c = submit("8000000000000003", 3, "three");
    assertThat(a).endsWith("8000000000000001.0.req");
    assertThat(readAll())
        .containsExactly(
            Map.entry("8000000000000001", 1L),
            Map.entry("8000000000000002", 2L),
            Map.entry("8000000000000003", 3L));
    // one file: the log and the three request names are links to the same bytes
    List<Path> logs = logs();
    assertThat(logs).hasSize(1);
    Object inode = Files.getAttribute(logs.get(0), "unix:ino");
    for (String r : List.of(a, b, c)) {
      assertThat(Files.getAttribute(Path.of(r), "unix:ino")).isEqualTo(inode);
    }
    assertThat(Files.getAttribute(logs.get(0), "unix:nlink")).isEqualTo(4);
    assertThat(queue.withdraw(b)).isTrue();
    assertThat(queue.withdraw(b)).as("a request is taken back once").isFalse();
    assertThat(readAll()).containsOnlyKeys("8000000000000001", "8000000000000003");
  }

  @Test
  void aLogIsStartedAnewPastItsSizeAndTheRequestsInTheOldOneStayReadable() throws IOException {
    openQueue();
    String note = "x".repeat(10_000);
    int n = (int) (AppendQueue.LOG_ROTATE_BYTES / 10_000) + 5;
    for (int i = 0; i < n; i++) {
      submit(Long.toHexString(0x8000000000000000L | i), i, note);
    }
    List<Path> logs = logs();
    assertThat(logs).as("the first log's name went at the rotation").hasSize(1);
    assertThat(logs.get(0).getFileName().toString()).endsWith("-1" + AppendQueue.REQUEST_LOG);
    Map<String, Long> read = readAll();
    assertThat(read).hasSize(n);
    for (int i = 0; i < n; i++) {
      assertThat(read).containsEntry(Long.toHexString(0x8000000000000000L | i), (long) i);
    }
  }

  @Test
  void aLogClearedAwayIsStartedAgainAndAnUnusedOneIsClearedWhileItsRequestsStay()
      throws IOException {
    openQueue();
    submit("8000000000000001", 1, "one");
    Path log = logs().get(0);
    Files.setLastModifiedTime(log, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
    queue.entries("none"); // a leader's look clears a log unused for long
    assertThat(log).doesNotExist();
    assertThat(readAll()).containsExactly(Map.entry("8000000000000001", 1L));
    String again = submit("8000000000000002", 2, "two");
    assertThat(again).endsWith(".0.req"); // a new log, from its start
    assertThat(readAll())
        .containsExactly(Map.entry("8000000000000001", 1L), Map.entry("8000000000000002", 2L));
  }

  @Test
  void aNameThatPointsAtAnotherRequestOrPastTheLogsEndIsRejected() throws IOException {
    openQueue();
    String real = submit("8000000000000001", 1, "one");
    Files.createLink(queueDir().resolve("80000000000000ff.0.req"), Path.of(real));
    Files.createLink(queueDir().resolve("80000000000000fe.7777.req"), Path.of(real));
    for (AppendQueue.Entry e : queue.entries("none")) {
      if (e.id().equals("80000000000000ff")) {
        assertThatThrownBy(() -> queue.read(e, ops.current()))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("points at request 8000000000000001, not 80000000000000ff");
      } else if (e.id().equals("80000000000000fe")) {
        assertThatThrownBy(() -> queue.read(e, ops.current()))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("is torn")
            .hasMessageContaining("offset 30583");
      } else {
        assertThat(queue.read(e, ops.current()).rows).hasSize(1);
      }
    }
  }

  private static final byte[] BODY = "some request body".getBytes(StandardCharsets.UTF_8);

  @Test
  void outcomesShareTheirLeadersLogAndEachRequestReadsItsOwn() throws IOException {
    openQueue();
    Snapshot snapshot = new Snapshot(7L, null, 3L, 1234L, "/m/snap-7.avro", Map.of("a", "1"), 0);
    int groups = 0;
    // many groups (a record is about 90 bytes), past the log's size twice: each request still
    // reads the outcome of its own group
    while (groups < 800) {
      List<String> ids = List.of("a" + groups, "b" + groups);
      AppendQueue.Outcome o =
          groups % 3 == 0
              ? new AppendQueue.Outcome(AppendQueue.FAILED, null, "group " + groups + " failed")
              : new AppendQueue.Outcome(
                  AppendQueue.OK,
                  new Snapshot(
                      groups, null, 3L, 1234L, "/m/snap.avro", Map.of("g", "" + groups), 0),
                  null);
      queue.writeOutcomes(ids, o);
      groups++;
    }
    try (Stream<Path> s = Files.list(queueDir())) {
      List<String> names = s.map(p -> p.getFileName().toString()).toList();
      assertThat(names.stream().filter(n -> n.endsWith(AppendQueue.OUTCOME))).hasSize(2 * groups);
      assertThat(Files.size(queueDir().resolve("a0" + AppendQueue.OUTCOME)))
          .as("the first log was filled and left")
          .isGreaterThan(AppendQueue.OUTCOME_LOG_ROTATE_BYTES);
      assertThat(names.stream().filter(n -> n.startsWith(AppendQueue.OUTCOME_LOG)))
          .as("one outcome log in use; the full ones live on only in their links")
          .hasSize(1);
    }
    for (int g = groups - 1; g >= 0; g--) {
      for (String id : List.of("a" + g, "b" + g)) {
        AppendQueue.Outcome o = queue.takeOutcome(id);
        if (g % 3 == 0) {
          assertThat(o.kind()).isEqualTo(AppendQueue.FAILED);
          assertThat(o.message()).isEqualTo("group " + g + " failed");
        } else {
          assertThat(o.kind()).isEqualTo(AppendQueue.OK);
          assertThat(o.snapshot().snapshotId()).isEqualTo(g);
          assertThat(o.snapshot().summary()).containsEntry("g", "" + g);
        }
        assertThat(queue.takeOutcome(id)).as("taken once").isNull();
      }
    }
    // a request settled twice keeps its first outcome
    queue.writeOutcomes(List.of("x"), new AppendQueue.Outcome(AppendQueue.OK, snapshot, null));
    queue.writeOutcomes(List.of("x"), new AppendQueue.Outcome(AppendQueue.FAILED, null, "late"));
    assertThat(queue.takeOutcome("x").snapshot().snapshotId()).isEqualTo(7L);
  }

  @Test
  void anOutcomeLogTornOrDamagedBeforeTheRequestsRecordIsAnError() throws IOException {
    byte[] first =
        AppendQueue.seal(
            AppendQueue.KIND_OUTCOME,
            AppendQueue.outcomeBody(
                List.of("a"), new AppendQueue.Outcome(AppendQueue.FAILED, null, "no")));
    byte[] second =
        AppendQueue.seal(
            AppendQueue.KIND_OUTCOME,
            AppendQueue.outcomeBody(
                List.of("b", "c"), new AppendQueue.Outcome(AppendQueue.FAILED, null, "bc")));
    byte[] log = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, log, first.length, second.length);
    assertThat(AppendQueue.readOutcome("q/c.done", log, "c").message()).isEqualTo("bc");
    for (int cut = first.length; cut < log.length; cut++) {
      byte[] torn = Arrays.copyOf(log, cut);
      assertThat(AppendQueue.readOutcome("q/a.done", torn, "a").message()).isEqualTo("no");
      assertThatThrownBy(() -> AppendQueue.readOutcome("q/c.done", torn, "c"))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("q/c.done")
          .hasMessageContaining("no whole outcome for append request c");
    }
    byte[] damaged = log.clone();
    damaged[first.length + AppendQueue.HEADER + 3] ^= 1;
    assertThatThrownBy(() -> AppendQueue.readOutcome("q/c.done", damaged, "c"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("damaged");
  }

  @Test
  void aSealedFileOpensToItsBody() throws IOException {
    byte[] file = AppendQueue.seal(AppendQueue.KIND_REQUEST, BODY);
    assertThat(file).hasSize(AppendQueue.HEADER + BODY.length + AppendQueue.FOOTER);
    assertThat(AppendQueue.open("/q/a.req", file, AppendQueue.KIND_REQUEST)).isEqualTo(BODY);
  }

  @Test
  void aTornFileIsRejectedAtEveryLength() {
    byte[] file = AppendQueue.seal(AppendQueue.KIND_REQUEST, BODY);
    for (int n = 0; n < file.length; n++) {
      byte[] torn = Arrays.copyOf(file, n);
      assertThatThrownBy(() -> AppendQueue.open("/q/a.req", torn, AppendQueue.KIND_REQUEST))
          .as("torn at %d of %d bytes", n, file.length)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("/q/a.req");
    }
  }

  @Test
  void everyFlippedBitIsRejected() {
    byte[] file = AppendQueue.seal(AppendQueue.KIND_OUTCOME, BODY);
    for (int bit = 0; bit < file.length * 8; bit++) {
      byte[] damaged = file.clone();
      damaged[bit / 8] ^= (byte) (1 << (bit % 8));
      assertThatThrownBy(() -> AppendQueue.open("/q/a.done", damaged, AppendQueue.KIND_OUTCOME))
          .as("bit %d", bit)
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void aForeignFileAFileOfAnotherKindAndANewerVersionAreNamedAsSuch() {
    assertThatThrownBy(
            () ->
                AppendQueue.open("/q/x.req", "PAR1 not ours".getBytes(), AppendQueue.KIND_REQUEST))
        .hasMessageContaining("is not a DataShard append request");
    byte[] outcome = AppendQueue.seal(AppendQueue.KIND_OUTCOME, BODY);
    assertThatThrownBy(() -> AppendQueue.open("/q/x.req", outcome, AppendQueue.KIND_REQUEST))
        .hasMessageContaining("is not a DataShard append request");
    byte[] newer = AppendQueue.seal(AppendQueue.KIND_REQUEST, BODY);
    newer[5] = (byte) (AppendQueue.FORMAT_VERSION + 1);
    assertThatThrownBy(() -> AppendQueue.open("/q/x.req", newer, AppendQueue.KIND_REQUEST))
        .hasMessageContaining("format version " + (AppendQueue.FORMAT_VERSION + 1));
  }

  @Test
  void aDamagedRequestOfAnotherProcessIsAnsweredAsFailedAndTheAppendsGoOn() throws Exception {
    Table t = DataShard.create(dir, Schema.parse("id long not null"));
    t.append(List.of(Map.of("id", 1L))); // creates the queue directory
    Path queue = dir.resolve("metadata").resolve(FileNames.QUEUE_DIR);
    String id = "8000000000000abc";
    byte[] torn = Arrays.copyOf(AppendQueue.seal(AppendQueue.KIND_REQUEST, BODY), 12);
    Files.write(queue.resolve(id + ".0" + AppendQueue.REQUEST), torn);

    t.append(List.of(Map.of("id", 2L)));

    assertThat(t.scan().toList())
        .extracting(r -> ((Row) r).get("id"))
        .containsExactlyInAnyOrder(1L, 2L);
    assertThat(queue.resolve(id + ".0" + AppendQueue.REQUEST)).doesNotExist();
    byte[] outcome = Files.readAllBytes(queue.resolve(id + AppendQueue.OUTCOME));
    AppendQueue.Outcome o = AppendQueue.readOutcome("outcome", outcome, id);
    assertThat(o.kind()).isEqualTo(AppendQueue.FAILED);
    assertThat(o.message()).contains("unreadable").contains("torn");
    try (Stream<Path> left = Files.list(queue)) {
      assertThat(
              left.map(p -> p.getFileName().toString())
                  .filter(n -> !n.endsWith(AppendQueue.REQUEST_LOG)))
          .as("only the unread outcome is left (and this process's request log)")
          .containsExactly(id + AppendQueue.OUTCOME);
    }
  }
}
