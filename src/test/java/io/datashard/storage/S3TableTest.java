package io.datashard.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.ChangeBatch;
import io.datashard.ChangeConsumer;
import io.datashard.DataFile;
import io.datashard.DataShard;
import io.datashard.MaintenanceResult;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.StreamingAppend;
import io.datashard.Table;
import io.datashard.TableProperties;
import io.datashard.ValidationException;
import io.datashard.testkit.S3Proxy;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Tables on a real S3-API server: every kind of change, time travel and maintenance. */
class S3TableTest {
  private static S3Proxy server;

  @BeforeAll
  static void startServer() throws IOException {
    server = S3Proxy.start(Files.createTempDirectory("datashard-s3-table"));
    server.createBucket("lake");
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  private static List<Long> ids(Table t) {
    return TableOnAnyStorageTest.ids(t);
  }

  @Test
  void aTableOnS3CommitsReadsTravelsInTimeAndIsMaintained() {
    // another storage object (as another process would have) sees the same table
    try (S3Storage s3 = server.storage();
        S3Storage other = server.storage()) {
      TableOnAnyStorageTest.everyFeature(s3, other, "s3://lake/ml/events");
    }
  }

  @Test
  void mergeOnReadDeletesWorkOnS3() {
    try (S3Storage s3 = server.storage()) {
      Table t =
          DataShard.table(s3, "s3://lake/mor")
              .schema(Schema.parse("id long not null, tag string"))
              .property("write.delete.mode", "merge-on-read")
              .create();
      List<Map<String, Object>> rows = new ArrayList<>();
      for (long i = 0; i < 100; i++) {
        rows.add(Map.of("id", i, "tag", i % 10 == 0 ? "bad" : "ok"));
      }
      t.append(rows);
      t.newDelete().where("tag = 'bad'").commit();
      assertThat(t.scan().count()).isEqualTo(90);
      assertThat(ids(t)).doesNotContain(0L, 10L, 90L);
    }
  }

  @Test
  void changeFeedsAndConsumersWorkOnS3() {
    try (S3Storage s3 = server.storage();
        S3Storage other = server.storage()) {
      Table t =
          DataShard.table(s3, "s3://lake/feed")
              .schema(Schema.parse("id long not null, tag string"))
              .create();
      t.append(List.of(Map.of("id", 1L, "tag", "a"), Map.of("id", 2L, "tag", "b")));
      long first = t.currentSnapshot().orElseThrow().snapshotId();
      t.newUpsert().key("id").add(Map.of("id", 2L, "tag", "B")).commit();
      List<String> changes = new ArrayList<>();
      for (Row r : t.changes().fromSnapshot(first).key("id").toList()) {
        changes.add(r.get("_change_type") + " " + r.get("id") + " " + r.get("tag"));
      }
      assertThat(changes).containsExactly("UPDATE_BEFORE 2 b", "UPDATE_AFTER 2 B");
      // a consumer's cursor is a tag in the table: another client goes on from it
      ChangeConsumer c = t.consumer("exporter");
      ChangeBatch all = c.poll();
      assertThat(all.commits()).isEqualTo(2);
      c.commit(all);
      t.append(List.of(Map.of("id", 3L, "tag", "c")));
      Table seen = DataShard.table(other, "s3://lake/feed").open();
      ChangeBatch next = seen.consumer("exporter").follow(Duration.ofSeconds(10));
      assertThat(next.rows()).hasSize(1);
      assertThat(next.rows().get(0).get("id")).isEqualTo(3L);
      assertThat(seen.refs()).containsKey("consumer/exporter");
    }
  }

  /** Requests cost money on S3: an append must not send more of them as the history grows. */
  @Test
  void requestsPerAppendDoNotGrowWithHistory() {
    try (S3Storage s3 = server.storage()) {
      Table t =
          DataShard.table(s3, "s3://lake/counted")
              .schema(Schema.parse("id long not null"))
              .property("datashard.compaction.auto.enabled", "false")
              .create();
      long[] early = appendsCost(s3, t, 0, 10);
      for (long i = 10; i < 60; i++) {
        t.append(List.of(Map.of("id", i)));
      }
      long[] late = appendsCost(s3, t, 100, 10);
      System.out.printf(
          "S3 requests per append (PUT, GET, HEAD, LIST, DELETE): early %s, late %s%n",
          java.util.Arrays.toString(early), java.util.Arrays.toString(late));
      for (int k = 0; k < early.length; k++) {
        // the same number per append after 60 commits as after 1, give or take the periodic upkeep
        assertThat(late[k]).as("requests of kind %d", k).isLessThanOrEqualTo(early[k] + 2);
      }
      assertThat(late[S3Storage.Request.LIST.ordinal()]).isLessThanOrEqualTo(2);
      assertThat(t.scan().count()).isEqualTo(70);
    }
  }

  /** The requests of {@code n} appends (by kind, summed), starting at id {@code from}. */
  private static long[] appendsCost(S3Storage s3, Table t, long from, int n) {
    Map<S3Storage.Request, Long> before = s3.requests();
    for (int i = 0; i < n; i++) {
      t.append(List.of(Map.of("id", from + i)));
    }
    Map<S3Storage.Request, Long> after = s3.requests();
    long[] out = new long[S3Storage.Request.values().length];
    for (S3Storage.Request r : S3Storage.Request.values()) {
      out[r.ordinal()] = (after.get(r) - before.get(r) + n - 1) / n;
    }
    return out;
  }

  /**
   * S3 has no atomic link: a writer's data file is an object before any metadata references it, so
   * a garbage collector running meanwhile sees an orphan. The rule is the grace period on object
   * age: {@code removeOrphanFiles} deletes only objects older than it (3 days by default), so a
   * commit slower than an eager gc loses nothing as long as it takes less than the grace period.
   */
  @Test
  void aSlowWriterKeepsItsFilesThroughAnEagerGc() throws Exception {
    try (S3Storage s3 = server.storage()) {
      String location = "s3://lake/slow";
      Table t = DataShard.table(s3, location).schema(Schema.parse("id long not null")).create();
      t.append(List.of(Map.of("id", 0L)));
      java.util.concurrent.CountDownLatch staged = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.CountDownLatch gcDone = new java.util.concurrent.CountDownLatch(1);
      // the slow writer: its data file and manifest are uploaded, then it stalls before the commit
      Storage slow =
          new ForwardingStorage(s3) {
            @Override
            public PendingFile create(String loc) throws IOException {
              PendingFile f = super.create(loc);
              if (!loc.endsWith(".metadata.json")) {
                return f;
              }
              return new PendingFile() {
                @Override
                public String location() {
                  return f.location();
                }

                @Override
                public java.io.OutputStream stream() {
                  return f.stream();
                }

                @Override
                public long position() {
                  return f.position();
                }

                @Override
                public long publish() throws IOException {
                  staged.countDown();
                  try {
                    gcDone.await();
                  } catch (InterruptedException e) {
                    throw new IOException(e);
                  }
                  return f.publish();
                }

                @Override
                public void abort() {
                  f.abort();
                }
              };
            }
          };
      Table writer = DataShard.table(slow, location).open();
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newSingleThreadExecutor();
      try {
        java.util.concurrent.Future<?> commit =
            pool.submit(() -> writer.append(List.of(Map.of("id", 1L))));
        assertThat(staged.await(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        long before = s3.walk(location + "/data").size();
        t.maintenance().removeOrphanFiles().run(); // the default grace period
        assertThat(s3.walk(location + "/data")).hasSize((int) before);
        gcDone.countDown();
        commit.get(60, java.util.concurrent.TimeUnit.SECONDS);
      } finally {
        gcDone.countDown();
        pool.shutdownNow();
      }
      assertThat(ids(DataShard.table(s3, location).open())).containsExactly(0L, 1L);
    }
  }

  /**
   * The fence for an eager gc: the grace may not be shorter than the table's write window, and a
   * writer slower than the window is refused instead of committing files gc may have deleted. Here
   * the window is 5 s: a writer within it keeps its file through a gc of 5 s grace; one that stalls
   * past it loses its file to that gc and its commit is refused; the table stays whole.
   */
  @Test
  void theWriteWindowFencesAnEagerGc() throws Exception {
    try (S3Storage s3 = server.storage()) {
      String location = "s3://lake/fenced";
      Table t =
          DataShard.table(s3, location)
              .schema(Schema.parse("id long not null"))
              .property(TableProperties.WRITE_WINDOW_MS, "5000")
              .create();
      t.append(List.of(Map.of("id", 0L)));
      java.time.Duration grace = java.time.Duration.ofSeconds(5);
      assertThatThrownBy(
              () -> t.maintenance().removeOrphanFiles().olderThan(java.time.Duration.ZERO).run())
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("shorter than the write window")
          .hasMessageContaining("--no-commits-in-flight");

      // within the window: the file is young, the eager gc keeps it, the commit lands
      try (StreamingAppend quick = t.newStreamingAppend()) {
        quick.writeFile(List.of(quick.schema().toRow(Map.of("id", 1L))).iterator());
        t.maintenance().removeOrphanFiles().olderThan(grace).run();
        quick.commit();
      }
      assertThat(ids(DataShard.table(s3, location).open())).containsExactly(0L, 1L);

      // past the window: gc deletes the stalled writer's file, and the writer is refused
      try (StreamingAppend slow = t.newStreamingAppend()) {
        DataFile f = slow.writeFile(List.of(slow.schema().toRow(Map.of("id", 2L))).iterator());
        Thread.sleep(7000); // older than the grace by more than S3's one-second timestamps
        MaintenanceResult gc = t.maintenance().removeOrphanFiles().olderThan(grace).run();
        assertThat(gc.deletedFiles()).contains(f.path());
        assertThatThrownBy(slow::commit)
            .isInstanceOf(ValidationException.class)
            .hasMessageContaining("write window")
            .hasMessageContaining("was not committed");
      }
      Table reopened = DataShard.table(s3, location).open();
      assertThat(ids(reopened)).containsExactly(0L, 1L);
      assertThat(io.datashard.internal.Verifier.verify(s3, location, true, null).errors())
          .isEmpty();
    }
  }

  /** A scan of one column fetches that column's chunks, not the whole file. */
  @Test
  void aProjectedScanReadsOnlyItsColumnChunks() {
    try (S3Storage s3 = server.storage()) {
      Table t =
          DataShard.table(s3, "s3://lake/wide")
              .schema(Schema.parse("id long not null, payload string"))
              .create();
      java.util.Random random = new java.util.Random(11);
      List<Map<String, Object>> rows = new ArrayList<>();
      for (long i = 0; i < 2000; i++) {
        byte[] b = new byte[1000];
        random.nextBytes(b);
        rows.add(Map.of("id", i, "payload", java.util.Base64.getEncoder().encodeToString(b)));
      }
      t.append(rows);
      long fileBytes = t.scan().files().get(0).fileSizeInBytes();
      assertThat(fileBytes).isGreaterThan(1_000_000);
      Table reader = DataShard.table(s3, "s3://lake/wide").open();
      long before = s3.bytesRead();
      assertThat(reader.scan().select("id").count()).isEqualTo(2000);
      List<Row> ids = reader.scan().select("id").toList();
      long read = s3.bytesRead() - before;
      System.out.printf(
          "S3TableTest: a scan of 'id' read %d bytes of a %d-byte data file (with metadata)%n",
          read, fileBytes);
      assertThat(ids).hasSize(2000);
      assertThat(read).isLessThan(fileBytes / 4);
    }
  }
}
