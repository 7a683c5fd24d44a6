package io.datashard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.interop.IcebergJava;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransactionTest {
  @TempDir Path dir;

  static long max(Transaction tx) {
    long m = 0;
    for (Row r : tx.scan().toList()) {
      m = Math.max(m, r.get("value", Long.class));
    }
    return m;
  }

  @Test
  void readModifyWriteCommitsOnTheSnapshotItRead() {
    Table t = DataShard.create(dir, Schema.parse("value long not null"));
    for (int i = 0; i < 3; i++) {
      long v =
          t.transaction(
              tx -> {
                long next = max(tx) + 1;
                tx.append(Map.of("value", next));
                return next;
              });
      assertThat(v).isEqualTo(i + 1);
    }
    assertThat(t.scan().count()).isEqualTo(3);
    IcebergJava.assertSameAsDataShard(dir, true);
  }

  @Test
  void aConflictingCommitMakesTheTransactionRunAgainOnNewData() {
    Table t = DataShard.create(dir, Schema.parse("value long not null"));
    Table other = DataShard.open(dir);
    AtomicInteger runs = new AtomicInteger();
    TransactionResult<Long> r =
        t.newTransaction()
            .run(
                tx -> {
                  long next = max(tx) + 1;
                  if (runs.incrementAndGet() == 1) {
                    // another writer commits after this transaction read the table
                    other.append(List.of(Map.of("value", 100L)));
                  }
                  tx.append(Map.of("value", next));
                  return next;
                });
    assertThat(runs.get()).isEqualTo(2);
    assertThat(r.attempts()).isEqualTo(2);
    assertThat(r.value()).isEqualTo(101L);
    List<Long> values =
        t.scan().toList().stream().map(x -> x.get("value", Long.class)).sorted().toList();
    assertThat(values).containsExactly(100L, 101L);
    assertThat(t.conflictRetries()).isEqualTo(1);
  }

  @Test
  void blindTransactionsAreRebasedNotReRun() {
    Table t = DataShard.create(dir, Schema.parse("value long not null"));
    Table other = DataShard.open(dir);
    AtomicInteger runs = new AtomicInteger();
    t.newTransaction()
        .run(
            tx -> {
              if (runs.incrementAndGet() == 1) {
                other.append(List.of(Map.of("value", 1L)));
              }
              tx.append(Map.of("value", 2L));
              return null;
            });
    assertThat(runs.get()).isEqualTo(1);
    assertThat(t.scan().count()).isEqualTo(2);
  }

  @Test
  void retryLimitReachedIsAClearErrorAndCommitsNothing() {
    Table t = DataShard.create(dir, Schema.parse("value long not null"));
    Table other = DataShard.open(dir);
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(
            () ->
                t.newTransaction()
                    .maxAttempts(3)
                    .run(
                        tx -> {
                          long next = max(tx) + 1;
                          other.append(List.of(Map.of("value", 1000L + calls.incrementAndGet())));
                          tx.append(Map.of("value", next));
                          return next;
                        }))
        .isInstanceOf(CommitConflictException.class)
        .hasMessageContaining("gave up after 3 attempts");
    assertThat(t.scan().toList())
        .extracting(r -> r.get("value"))
        .containsExactlyInAnyOrder(1001L, 1002L, 1003L);
  }

  @Test
  void idempotencyKeyAppliesOnce() {
    Table t = DataShard.create(dir, Schema.parse("value long not null"));
    TransactionResult<Object> first =
        t.newTransaction().idempotencyKey("job-1", 5).run(tx -> tx.append(Map.of("value", 1L)));
    assertThat(first.alreadyApplied()).isFalse();
    assertThat(first.snapshot()).isPresent();
    TransactionResult<Object> again =
        t.newTransaction().idempotencyKey("job-1", 5).run(tx -> tx.append(Map.of("value", 1L)));
    assertThat(again.alreadyApplied()).isTrue();
    TransactionResult<Object> older =
        t.newTransaction().idempotencyKey("job-1", 4).run(tx -> tx.append(Map.of("value", 1L)));
    assertThat(older.alreadyApplied()).isTrue();
    TransactionResult<Object> next =
        t.newTransaction().idempotencyKey("job-1", 6).run(tx -> tx.append(Map.of("value", 2L)));
    assertThat(next.alreadyApplied()).isFalse();
    TransactionResult<Object> otherApp =
        t.newTransaction().idempotencyKey("job-2", 1).run(tx -> tx.append(Map.of("value", 3L)));
    assertThat(otherApp.alreadyApplied()).isFalse();
    assertThat(t.scan().count()).isEqualTo(3);
    IcebergJava.assertSameAsDataShard(dir, true);
  }

  @Test
  void readOnlyTransactionsCommitNothing() {
    Table t = DataShard.create(dir, Schema.parse("value long not null"));
    t.append(List.of(Map.of("value", 1L)));
    int before = t.snapshots().size();
    long n = t.transaction(tx -> tx.scan().count());
    assertThat(n).isEqualTo(1);
    assertThat(t.snapshots()).hasSize(before);
  }

  static long counter(Transaction tx) {
    List<Row> rows = tx.scan().toList();
    return rows.isEmpty() ? 0 : rows.get(0).get("value", Long.class);
  }

  @Test
  void aCounterIsReplacedInPlaceByOverwrites() {
    Table t = DataShard.create(dir, Schema.parse("value long not null"));
    for (int i = 0; i < 5; i++) {
      t.transaction(
          tx -> {
            long next = counter(tx) + 1;
            tx.deleteAll().append(Map.of("value", next));
            return next;
          });
    }
    List<Row> rows = t.scan().toList();
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).get("value")).isEqualTo(5L);
    assertThat(t.snapshots())
        .extracting(Snapshot::operation)
        .containsExactly("append", "overwrite", "overwrite", "overwrite", "overwrite");
    Snapshot last = t.currentSnapshot().orElseThrow();
    assertThat(last.summary())
        .containsEntry("deleted-records", "1")
        .containsEntry("added-records", "1")
        .containsEntry("total-records", "1")
        .containsEntry("total-data-files", "1");
    // time travel still sees every earlier value
    List<Snapshot> history = t.snapshots();
    for (int i = 0; i < history.size(); i++) {
      assertThat(t.scan().useSnapshot(history.get(i).snapshotId()).toList())
          .extracting(r -> r.get("value"))
          .containsExactly((long) i + 1);
    }
    IcebergJava.assertSameAsDataShard(dir, true);
  }

  @Test
  void deleteAllAloneEmptiesTheTable() {
    Table t = DataShard.create(dir, Schema.parse("value long not null"));
    t.append(List.of(Map.of("value", 1L), Map.of("value", 2L)));
    t.transaction(tx -> tx.deleteAll());
    assertThat(t.scan().count()).isZero();
    assertThat(t.currentSnapshot().orElseThrow().operation()).isEqualTo("delete");
    assertThat(t.snapshots()).hasSize(2);
    IcebergJava.assertSameAsDataShard(dir, true);
  }
}
