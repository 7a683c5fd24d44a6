package io.datashard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.internal.commit.IdempotencyKey;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Named consumers: durable cursors, one committer per batch, pinning, follow, effectively once. */
class ChangeConsumerTest {
  @TempDir Path tmp;

  private static Table table(Path dir) {
    Table t = DataShard.create(dir, Schema.parse("id long not null"));
    t.updateProperties().set(TableProperties.COMPACTION_AUTO_ENABLED, "false").commit();
    return t;
  }

  private static void append(Table t, long from, long to) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (long i = from; i < to; i++) {
      rows.add(Map.of("id", i));
    }
    t.append(rows);
  }

  private static List<Long> inserted(ChangeBatch b) {
    List<Long> out = new ArrayList<>();
    for (Row r : b.rows()) {
      assertThat(r.get("_change_type")).isEqualTo("INSERT");
      out.add(r.get("id", Long.class));
    }
    return out;
  }

  @Test
  void aConsumerReadsEachCommitOnceAndItsCursorIsARef() {
    Table t = table(tmp.resolve("t"));
    append(t, 0, 3);
    ChangeConsumer c = t.consumer("evaluator");
    assertThat(c.exists()).isFalse();
    assertThat(c.position()).isEmpty();
    ChangeBatch first = c.poll();
    assertThat(inserted(first)).containsExactlyInAnyOrder(0L, 1L, 2L);
    c.commit(first);
    assertThat(t.consumers()).containsExactly("evaluator");
    assertThat(t.refs()).containsKey("consumer/evaluator");
    assertThat(c.position().orElseThrow().snapshotId())
        .isEqualTo(first.toSnapshotId().orElseThrow());
    assertThat(c.poll().isEmpty()).isTrue();
    append(t, 3, 5);
    append(t, 5, 6);
    // a new object of the same consumer (another process) goes on from the cursor
    ChangeBatch next = t.consumer("evaluator").poll();
    assertThat(next.commits()).isEqualTo(2);
    assertThat(inserted(next)).containsExactlyInAnyOrder(3L, 4L, 5L);
    // two processes polled the same batch: only one commits it
    ChangeBatch same = c.poll();
    t.consumer("evaluator").commit(next);
    assertThatThrownBy(() -> c.commit(same))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("another process of the consumer committed it");
    assertThat(c.poll().isEmpty()).isTrue();
    // maxCommits bounds a batch
    for (long i = 6; i < 9; i++) {
      append(t, i, i + 1);
    }
    ChangeBatch one = c.maxCommits(1).poll();
    assertThat(inserted(one)).containsExactly(6L);
    c.commit(one);
    assertThat(inserted(c.maxCommits(1000).poll())).containsExactly(7L, 8L);
    c.drop();
    assertThat(t.consumers()).isEmpty();
    assertThatThrownBy(() -> t.consumer("evaluator").drop())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("no consumer named 'evaluator'");
    assertThatThrownBy(() -> t.consumer("bad name"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("consumer name");
  }

  @Test
  void retentionKeepsWhatAConsumerHasNotReadUntilItIsIdle() throws Exception {
    Table t = table(tmp.resolve("r"));
    t.updateProperties()
        .set(TableProperties.MAX_SNAPSHOTS, "3")
        .set(TableProperties.MIN_SNAPSHOTS_TO_KEEP, "1")
        .commit();
    append(t, 0, 1);
    ChangeConsumer c = t.consumer("slow");
    c.commit(c.poll());
    for (long i = 1; i < 12; i++) {
      append(t, i, i + 1);
    }
    assertThat(t.refresh().snapshots()).hasSizeGreaterThanOrEqualTo(12);
    ChangeBatch b = c.poll();
    assertThat(inserted(b)).hasSize(11);
    c.commit(b);
    append(t, 12, 13);
    // read up to here: the older snapshots are no longer pinned
    assertThat(t.refresh().snapshots()).hasSizeLessThanOrEqualTo(4);
    // an idle consumer stops pinning: its unread history expires, and it is told so
    t.updateProperties().set(TableProperties.CONSUMER_IDLE_MS, "1").commit();
    Thread.sleep(20);
    for (long i = 13; i < 20; i++) {
      append(t, i, i + 1);
    }
    assertThat(t.refresh().snapshots()).hasSizeLessThanOrEqualTo(4);
    assertThatThrownBy(c::poll)
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("drop it and start it again");
  }

  @Test
  void followWaitsForTheNextCommit() throws Exception {
    Table t = table(tmp.resolve("f"));
    append(t, 0, 1);
    ChangeConsumer c = t.consumer("tail");
    c.commit(c.poll());
    long start = System.nanoTime();
    assertThat(c.follow(Duration.ofMillis(200)).isEmpty()).isTrue();
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(Duration.ofMillis(190).toNanos());
    Table writer = DataShard.open(tmp.resolve("f"));
    CompletableFuture<Void> later =
        CompletableFuture.runAsync(
            () -> {
              try {
                Thread.sleep(100);
              } catch (InterruptedException e) {
                throw new RuntimeException(e);
              }
              append(writer, 1, 2);
            });
    ChangeBatch b = c.follow(Duration.ofSeconds(30));
    later.join();
    assertThat(inserted(b)).containsExactly(1L);
  }

  @Test
  void aBatchIsWrittenToTheOutputOnceEvenAfterACrashBeforeTheCursorMoved() {
    Table source = table(tmp.resolve("src"));
    Table out = table(tmp.resolve("out"));
    append(source, 0, 5);
    ChangeConsumer c = source.consumer("copier").writingTo(out);
    ChangeBatch b = c.poll();
    // a process writes the batch's output, then dies before moving the cursor
    out.newTransaction()
        .idempotencyKey(
            new IdempotencyKey("consumer/" + source.uuid() + "/copier", b.toSequence(), 0))
        .run(
            tx -> {
              for (Row r : b.rows()) {
                tx.append(Map.of("id", r.get("id")));
              }
              return null;
            });
    assertThat(source.consumer("copier").position()).isEmpty(); // the cursor did not move
    // the restarted consumer goes on after what the output records
    ChangeConsumer again = source.consumer("copier").writingTo(out);
    assertThat(again.poll().isEmpty()).isTrue();
    // a process that had polled the same batch before the crash writes nothing
    TransactionResult<Void> late =
        again.commit(b, tx -> b.rows().forEach(r -> tx.append(Map.of("id", r.get("id")))));
    assertThat(late.alreadyApplied()).isTrue();
    assertThat(again.position().orElseThrow().snapshotId())
        .isEqualTo(b.toSnapshotId().orElseThrow());
    append(source, 5, 8);
    ChangeBatch next = again.poll();
    assertThat(
            again
                .commit(next, tx -> next.rows().forEach(r -> tx.append(Map.of("id", r.get("id")))))
                .alreadyApplied())
        .isFalse();
    List<Long> ids = new ArrayList<>();
    out.scan().toList().forEach(r -> ids.add(r.get("id", Long.class)));
    assertThat(ids).containsExactlyInAnyOrder(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L);
    assertThatThrownBy(() -> source.consumer("x").commit(next, tx -> {}))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("writingTo");
  }
}
