package io.datashard.internal.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import io.datashard.TableOptions;
import io.datashard.TableProperties;
import io.datashard.internal.TableCore;
import io.datashard.internal.commit.TableOperations;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.interop.IcebergJava;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AutoCleanupTest {
  @TempDir Path dir;

  private long manifestLists() throws IOException {
    try (Stream<Path> s = Files.list(dir.resolve("metadata"))) {
      return s.filter(p -> p.getFileName().toString().startsWith("snap-")).count();
    }
  }

  /** A table whose cleanup is on (at once, no grace period) or off; no automatic compaction. */
  private Table table(boolean auto) {
    return table(auto ? "0" : null);
  }

  private Table table(String graceMillis) {
    DataShard.TableBuilder b =
        DataShard.table(dir)
            .schema(Schema.parse("id long not null"))
            .property(TableProperties.MAX_SNAPSHOTS, "5")
            .property(TableProperties.MIN_SNAPSHOTS_TO_KEEP, "1")
            .property(TableProperties.COMPACTION_AUTO_ENABLED, "false")
            .property("commit.manifest.min-count-to-merge", "4");
    if (graceMillis != null) {
      b.property(TableProperties.CLEANUP_EVERY_COMMITS, "10");
      b.property(TableProperties.CLEANUP_GRACE_MS, graceMillis);
    } else {
      b.property(TableProperties.CLEANUP_EVERY_COMMITS, "0");
    }
    return b.create();
  }

  @Test
  void filesOfDroppedSnapshotsAreDeletedEveryNCommits() throws Exception {
    Table t = table(true);
    List<Long> expected = new ArrayList<>();
    for (long i = 0; i < 60; i++) {
      t.append(List.of(Map.of("id", i)));
      expected.add(i);
    }
    assertThat(t.snapshots()).hasSize(5);
    // 5 retained snapshots, plus those dropped since the last cleanup (at most 10)
    assertThat(manifestLists()).as("manifest lists on disk").isBetween(5L, 16L);
    // every row still reads, through every retained snapshot too
    List<Long> ids = new ArrayList<>();
    for (Row r : t.scan().toList()) {
      ids.add(r.get("id", Long.class));
    }
    assertThat(ids).containsExactlyInAnyOrderElementsOf(expected);
    for (Snapshot s : t.snapshots()) {
      assertThat(t.scan().useSnapshot(s.snapshotId()).count())
          .isEqualTo(s.summaryLong("total-records", -1));
    }
    assertThat(DataShard.verify(dir, true).errors()).isEmpty();
    IcebergJava.assertSameAsDataShard(dir, false);
  }

  @Test
  void turnedOffTheFilesStayUntilMaintenance() throws Exception {
    Table t = table(false);
    for (long i = 0; i < 30; i++) {
      t.append(List.of(Map.of("id", i)));
    }
    assertThat(manifestLists())
        .as("manifest lists of all 30 commits are still there")
        .isEqualTo(30);
  }

  private long dataFiles() throws IOException {
    try (Stream<Path> s = Files.walk(dir.resolve("data"))) {
      return s.filter(p -> p.getFileName().toString().endsWith(".parquet")).count();
    }
  }

  /**
   * Among appends the cleanup reads only manifest lists, but once a compaction replaced data files,
   * the replaced files are deleted when the last snapshot that used them is dropped.
   */
  @Test
  void dataFilesReplacedByCompactionAreDeletedOnceNoSnapshotUsesThem() throws Exception {
    Table t = table(true);
    for (long i = 0; i < 20; i++) {
      t.append(List.of(Map.of("id", i)));
    }
    assertThat(dataFiles()).isEqualTo(20);
    t.maintenance().compact().run();
    assertThat(dataFiles()).as("replaced files are still used by retained snapshots").isEqualTo(21);
    for (long i = 20; i < 50; i++) {
      t.append(List.of(Map.of("id", i)));
    }
    // one compacted file plus the 30 appended since: the 20 replaced ones went with the snapshots
    // using them
    assertThat(dataFiles()).isEqualTo(31);
    assertThat(t.scan().count()).isEqualTo(50);
    assertThat(DataShard.verify(dir, true).errors()).isEmpty();
  }

  /**
   * Another process's commit may remove the oldest versions of the metadata log while a cleanup
   * looks at them (here: the file of the version cleaned last, and the one after it, removed before
   * the cleanup runs). The cleanup reads the next version still there instead of failing, so the
   * snapshots dropped since are cleaned, not left behind for good.
   */
  @Test
  void versionsRemovedWhileTheCleanupLooksAreSkippedNotFatal() throws Exception {
    Table t = table(true);
    TableOperations ops = TableCore.open(dir, TableOptions.defaults()).operations();
    long i = 0;
    while (ops.refresh().version() < 20 || ops.refresh().version() % 10 != 6) {
      t.append(List.of(Map.of("id", i++)));
    }
    TableMetadata committed = ops.refresh();
    long since = AutoCleanup.lastDue(committed.version(), committed);
    assertThat(since).isEqualTo(committed.version() - 6);
    Set<Long> retained = new HashSet<>();
    committed.snapshots().forEach(s -> retained.add(s.snapshotId()));
    List<String> droppedLists = new ArrayList<>();
    for (Snapshot s : ops.load((int) since + 2).snapshots()) {
      if (!retained.contains(s.snapshotId())) {
        droppedLists.add(s.manifestList());
      }
    }
    assertThat(droppedLists).as("snapshots dropped since the last cleanup").isNotEmpty();
    for (String l : droppedLists) {
      assertThat(Path.of(l)).exists();
    }
    Files.delete(Path.of(ops.metadataFile((int) since)));
    Files.delete(Path.of(ops.metadataFile((int) since + 1)));

    assertThat(AutoCleanup.run(ops, committed, since)).as("ran to the end").isTrue();
    for (String l : droppedLists) {
      assertThat(Path.of(l)).as("manifest list of a dropped snapshot").doesNotExist();
    }
    assertThat(t.scan().count()).isEqualTo(i);
  }

  private Path deletesDir() {
    return dir.resolve("metadata").resolve(".datashard-deletes");
  }

  private long deferredLists() throws IOException {
    if (!Files.isDirectory(deletesDir())) {
      return 0;
    }
    try (Stream<Path> s = Files.list(deletesDir())) {
      return s.filter(p -> p.getFileName().toString().endsWith(".deletes")).count();
    }
  }

  @Test
  void onByDefault() {
    Table t = DataShard.table(dir).schema(Schema.parse("id long not null")).create();
    assertThat(t.properties()).doesNotContainKey(TableProperties.CLEANUP_EVERY_COMMITS);
    assertThat(TableProperties.CLEANUP_EVERY_COMMITS_DEFAULT).isPositive();
    assertThat(TableProperties.CLEANUP_GRACE_MS_DEFAULT).isPositive();
    assertThat(TableProperties.COMPACTION_AUTO_ENABLED_DEFAULT).isTrue();
  }

  /**
   * Files of dropped snapshots stay for the grace period, listed for deletion (verify does not call
   * them orphans); a cleanup after the grace period deletes them.
   */
  @Test
  void filesOfDroppedSnapshotsStayForTheGracePeriod() throws Exception {
    Table t = table("1500");
    for (long i = 0; i < 40; i++) {
      t.append(List.of(Map.of("id", i)));
    }
    assertThat(manifestLists()).as("nothing deleted within the grace period").isEqualTo(40);
    assertThat(deferredLists()).isGreaterThan(0);
    io.datashard.VerifyReport report = DataShard.verify(dir, true);
    assertThat(report.errors()).isEmpty();
    assertThat(report.warnings())
        .as("files waiting for the grace period are not orphans")
        .noneMatch(p -> p.kind() == io.datashard.VerifyReport.Kind.ORPHAN);
    assertThat(report.checked().get(io.datashard.internal.Verifier.AWAITING_CLEANUP))
        .isGreaterThan(0);
    Thread.sleep(1600);
    for (long i = 40; i < 50; i++) {
      t.append(List.of(Map.of("id", i)));
    }
    // the due lists went with their files; those the last cleanup scheduled wait
    assertThat(manifestLists()).isLessThanOrEqualTo(5 + 10 + 10);
    assertThat(t.scan().count()).isEqualTo(50);
    assertThat(DataShard.verify(dir, true).errors()).isEmpty();
    IcebergJava.assertSameAsDataShard(dir, false);
  }

  @Test
  void aDamagedListOfDeletionsIsIgnoredAndItsFilesStay() throws Exception {
    Table t = table("0");
    t.append(List.of(Map.of("id", 1L)));
    Path victim = Files.list(dir.resolve("data")).findFirst().orElseThrow();
    Files.createDirectories(deletesDir());
    // due long ago, names a live file, but has no end line: torn or foreign
    Files.writeString(
        deletesDir().resolve("1000-0a0b0c0d-0000-0000-0000-000000000000.deletes"),
        "datashard-deferred-deletes 1\n" + victim + "\n");
    for (long i = 2; i < 25; i++) {
      t.append(List.of(Map.of("id", i)));
    }
    assertThat(victim).exists();
    assertThat(t.scan().count()).isEqualTo(24);
  }

  /**
   * A reader that lost a file of the snapshot it reads, because that snapshot was dropped and its
   * files deleted meanwhile, gets an error that says so, not fewer rows.
   */
  @Test
  void aReaderOfAnExpiredSnapshotGetsAClearError() throws Exception {
    Table t = table("0");
    for (long i = 0; i < 3; i++) {
      t.append(List.of(Map.of("id", i)));
    }
    Table reader = DataShard.open(dir);
    io.datashard.CloseableIterator<Row> rows = reader.scan().iterator();
    t.maintenance().compact().run(); // the reader's files are only the old snapshots' now
    for (long i = 3; i < 30; i++) {
      t.append(List.of(Map.of("id", i)));
    }
    try {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> {
                while (rows.hasNext()) {
                  rows.next();
                }
              })
          .isInstanceOf(io.datashard.SnapshotExpiredException.class)
          .hasMessageContaining("expired while it was being read")
          .hasMessageContaining(TableProperties.CLEANUP_GRACE_MS);
    } finally {
      rows.close();
    }
    assertThat(reader.refresh().scan().count()).isEqualTo(30);
  }
}
