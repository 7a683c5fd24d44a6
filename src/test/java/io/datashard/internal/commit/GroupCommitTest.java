package io.datashard.internal.commit;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import io.datashard.TableOptions;
import io.datashard.TableProperties;
import io.datashard.internal.FileNames;
import io.datashard.internal.TableCore;
import io.datashard.interop.IcebergJava;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupCommitTest {
  @TempDir Path dir;

  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  private Path queue() {
    return dir.resolve("metadata").resolve(FileNames.QUEUE_DIR);
  }

  private List<Path> queued(String suffix) throws IOException {
    if (!Files.isDirectory(queue())) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(queue())) {
      // the request logs of this process stay (for ten minutes after their last use)
      return s.filter(p -> p.getFileName().toString().endsWith(suffix))
          .filter(p -> !p.getFileName().toString().endsWith(AppendQueue.REQUEST_LOG))
          .toList();
    }
  }

  private void awaitQueued(int n) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (queued(".req").size() < n) {
      assertThat(System.currentTimeMillis()).as("requests queued in time").isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  private Future<Snapshot> appendAsync(long id) {
    return pool.submit(
        () ->
            DataShard.open(dir)
                .newAppend()
                .add(Map.of("id", id))
                .summary("writer", "w" + id)
                .commit());
  }

  private static Map<Long, Integer> counts(Table t) {
    Map<Long, Integer> m = new HashMap<>();
    for (Row r : t.scan().toList()) {
      m.merge(r.get("id", Long.class), 1, Integer::sum);
    }
    return m;
  }

  @Test
  void appendsWaitingTogetherShareOneSnapshotAndEachLearnsIt() throws Exception {
    Table t = DataShard.create(dir, Schema.parse("id long not null"));
    t.append(List.of(Map.of("id", 0L)));
    TableCore holder = TableCore.open(dir, TableOptions.defaults());
    List<Future<Snapshot>> appends = new ArrayList<>();
    try (AutoCloseable lock = holder.lock()) {
      for (long i = 1; i <= 5; i++) {
        appends.add(appendAsync(i));
      }
      awaitQueued(5); // all five are waiting for the lock we hold
    }
    Snapshot first = appends.get(0).get();
    for (Future<Snapshot> f : appends) {
      assertThat(f.get().snapshotId())
          .as("every caller learns the shared snapshot")
          .isEqualTo(first.snapshotId());
    }
    assertThat(t.snapshots()).hasSize(2);
    Snapshot shared = t.currentSnapshot().orElseThrow();
    assertThat(shared.snapshotId()).isEqualTo(first.snapshotId());
    assertThat(shared.summary())
        .containsEntry("added-records", "5")
        .containsEntry("total-records", "6");
    assertThat(shared.summary().get(SnapshotSummary.GROUP_REQUESTS).split(",")).hasSize(5);
    assertThat(shared.summary().get("writer").split(","))
        .containsExactlyInAnyOrder("w1", "w2", "w3", "w4", "w5");
    assertThat(counts(t))
        .containsOnlyKeys(0L, 1L, 2L, 3L, 4L, 5L)
        .allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
    assertThat(queued("")).as("nothing left in the queue").isEmpty();
    IcebergJava.assertSameAsDataShard(dir, true);
  }

  /** A leader waits for its group to fill only after leading a group of three or more. */
  @Test
  void aLeaderWaitsForStragglersOnlyAfterLargerGroups() {
    assertThat(GroupCommit.worthWaiting(0, 1)).as("first lead").isFalse();
    assertThat(GroupCommit.worthWaiting(1, 1)).as("alone").isFalse();
    assertThat(GroupCommit.worthWaiting(2, 1)).as("in pairs").isFalse();
    assertThat(GroupCommit.worthWaiting(8, 3)).isTrue();
    assertThat(GroupCommit.worthWaiting(8, 7)).as("all but one are there").isFalse();
    assertThat(GroupCommit.worthWaiting(8, Integer.MAX_VALUE)).as("queue unreadable").isFalse();
  }

  @Test
  void largeAppendsCommitOnTheirOwnWithoutQueueing() {
    Table t = DataShard.create(dir, Schema.parse("id long not null"));
    List<Map<String, Object>> many = new ArrayList<>();
    for (long i = 0; i < TableProperties.GROUP_COMMIT_MAX_ROWS_DEFAULT + 1; i++) {
      many.add(Map.of("id", i));
    }
    Snapshot big = t.append(many);
    assertThat(big.summary()).doesNotContainKey("datashard.group-requests");
    Snapshot small = t.append(many.subList(0, 10));
    assertThat(small.summary()).containsKey("datashard.group-requests");
    assertThat(t.scan().count()).isEqualTo(many.size() + 10);
  }

  @Test
  void aRequestWhoseCallerIsGoneIsDroppedNotCommitted() throws Exception {
    Table t = DataShard.create(dir, Schema.parse("id long not null"));
    TableCore holder = TableCore.open(dir, TableOptions.defaults());
    Future<Snapshot> live;
    try (AutoCloseable lock = holder.lock()) {
      live = appendAsync(1);
      awaitQueued(1);
      // a request of this process that no caller waits for any more (as after a crash of its
      // thread)
      AppendQueue q =
          new AppendQueue(holder.operations().storage(), holder.operations().metadataDir());
      q.submit(
          "00000000deadbeef",
          t.schema(),
          DataWriter.convert(t.schema(), List.of(Map.of("id", 2L)), false),
          Map.of());
    }
    live.get();
    assertThat(counts(t)).containsExactly(Map.entry(1L, 1));
    assertThat(queued("")).isEmpty();
  }

  @Test
  void aClaimLeftByALeaderThatDiedAfterPublishingIsSettledNotAppliedTwice() throws Exception {
    Table t = DataShard.create(dir, Schema.parse("id long not null"));
    TableCore holder = TableCore.open(dir, TableOptions.defaults());
    Future<Snapshot> first;
    String[] name;
    try (AutoCloseable lock = holder.lock()) {
      first = appendAsync(1);
      awaitQueued(1);
      Path req = queued(".req").get(0);
      name = req.getFileName().toString().split("\\.");
      // keeps the request's bytes (its process's log may be rotated or cleared later)
      Files.createLink(dir.resolve("kept-request"), req);
    }
    Snapshot s = first.get();
    assertThat(s.summary().get(SnapshotSummary.GROUP_REQUESTS)).isEqualTo(name[0]);
    // the leader published, then died before removing its claim (a leader that has exited)
    Files.createLink(
        queue().resolve(name[0] + "." + name[1] + "." + deadToken() + ".claimed"),
        dir.resolve("kept-request"));
    t.append(List.of(Map.of("id", 2L)));
    assertThat(counts(t)).containsOnly(Map.entry(1L, 1), Map.entry(2L, 1));
    assertThat(queued(".claimed")).isEmpty();
  }

  @Test
  void aWaiterWhoseRequestALeaderClaimedAndThenDiedWithSettlesItItself() throws Exception {
    Table t = DataShard.create(dir, Schema.parse("id long not null"));
    TableCore holder = TableCore.open(dir, TableOptions.defaults());
    Future<Snapshot> waiting;
    String deadToken = deadToken();
    try (AutoCloseable lock = holder.lock()) {
      waiting = appendAsync(7);
      awaitQueued(1);
      Path req = queued(".req").get(0);
      String[] name = req.getFileName().toString().split("\\.");
      // the dead leader claimed it (link to its claim name, then removal of the request name)
      Files.createLink(
          queue().resolve(name[0] + "." + name[1] + "." + deadToken + ".claimed"), req);
      Files.delete(req);
    }
    // no outcome will ever come from the dead leader: the waiter takes the lock and carries it
    Snapshot s = waiting.get(30, TimeUnit.SECONDS);
    assertThat(s.summary()).containsEntry("added-records", "1");
    assertThat(counts(t)).containsExactly(Map.entry(7L, 1));
    assertThat(queued("")).as("nothing left in the queue").isEmpty();
  }

  /** The token a leader that has exited would have put in its claims: pid, start time, boot id. */
  private static String deadToken() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    long start = gone.toHandle().info().startInstant().map(i -> i.toEpochMilli()).orElse(1L);
    String bootId =
        Files.readString(Path.of("/proc/sys/kernel/random/boot_id"))
            .trim()
            .replace("-", "")
            .substring(0, 12);
    return Long.toHexString(gone.pid()) + "-" + Long.toHexString(start) + "-" + bootId;
  }

  @Test
  void manyThreadsAppendingAtOnceLoseAndDuplicateNothing() throws Exception {
    Table t =
        DataShard.table(dir)
            .schema(Schema.parse("id long not null, payload string, emb list<float>"))
            .property("datashard.snapshots.max-count", "100000")
            .create();
    int threads = 6;
    int each = 40;
    List<Future<?>> futures = new ArrayList<>();
    for (int w = 0; w < threads; w++) {
      long base = w * 1000L;
      futures.add(
          pool.submit(
              () -> {
                Table mine = DataShard.open(dir);
                for (int i = 0; i < each; i++) {
                  mine.newAppend()
                      .add(Map.of("id", base + i, "payload", "p" + i, "emb", new float[] {i, -i}))
                      .commit();
                }
                return null;
              }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    Map<Long, Integer> seen = counts(t);
    assertThat(seen).hasSize(threads * each).allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
    long added =
        t.snapshots().stream()
            .filter(s -> !"replace".equals(s.operation())) // compactions rewrite, adding no rows
            .mapToLong(s -> s.summaryLong("added-records", 0))
            .sum();
    assertThat(added).isEqualTo(threads * each);
    Row r =
        t.scan().toList().stream()
            .filter(x -> x.get("id", Long.class) == 3003L)
            .findFirst()
            .orElseThrow();
    assertThat(r.get("payload")).isEqualTo("p3");
    assertThat(r.get("emb")).isEqualTo(List.of(3f, -3f));
    System.out.println(
        "GroupCommitTest: "
            + threads * each
            + " appends in "
            + t.snapshots().size()
            + " snapshots");
  }

  @Test
  void groupCommitCanBeSwitchedOff() throws Exception {
    Table t =
        DataShard.table(dir)
            .schema(Schema.parse("id long not null"))
            .property("datashard.commit.group.enabled", "false")
            .create();
    TableCore holder = TableCore.open(dir, TableOptions.defaults());
    List<Future<Snapshot>> appends = new ArrayList<>();
    try (AutoCloseable lock = holder.lock()) {
      for (long i = 1; i <= 3; i++) {
        appends.add(appendAsync(i));
      }
      Thread.sleep(200);
      assertThat(queued(".req")).isEmpty();
    }
    for (Future<Snapshot> f : appends) {
      f.get();
    }
    assertThat(t.snapshots()).hasSize(3);
  }
}
