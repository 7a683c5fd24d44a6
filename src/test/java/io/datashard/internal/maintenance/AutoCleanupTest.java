package io.datashard.internal.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import io.datashard.TableProperties;
import io.datashard.interop.IcebergJava;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

  private Table table(boolean auto) {
    DataShard.TableBuilder b =
        DataShard.table(dir)
            .schema(Schema.parse("id long not null"))
            .property(TableProperties.MAX_SNAPSHOTS, "5")
            .property(TableProperties.MIN_SNAPSHOTS_TO_KEEP, "1")
            .property("commit.manifest.min-count-to-merge", "4");
    if (auto) {
      b.property(TableProperties.CLEANUP_EVERY_COMMITS, "10");
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
  void offByDefaultTheFilesStayUntilMaintenance() throws Exception {
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
}
