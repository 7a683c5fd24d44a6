package io.datashard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.interop.IcebergJava;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot retention keeps the metadata written per commit bounded, and time travel working for
 * what is kept.
 */
class RetentionTest {
  @TempDir Path dir;

  @Test
  void oldSnapshotsLeaveTheMetadataButRetainedOnesStillRead() throws Exception {
    Table t =
        DataShard.table(dir)
            .schema(Schema.parse("id long not null"))
            .durable(false)
            .property(TableProperties.COMPACTION_AUTO_ENABLED, "false") // counts its appends' files
            .property("datashard.snapshots.max-count", "10")
            .property("write.metadata.previous-versions-max", "5")
            .create();
    long firstId = t.append(List.of(Map.of("id", 0L))).snapshotId();
    long size10 = 0;
    for (long i = 1; i < 40; i++) {
      t.append(List.of(Map.of("id", i)));
      if (i == 20) {
        size10 = Files.size(dir.resolve("metadata/v22.metadata.json"));
      }
    }
    List<Snapshot> kept = t.snapshots();
    assertThat(kept).hasSize(10);
    assertThat(kept.get(9).sequenceNumber()).isEqualTo(40);
    long size40 = Files.size(dir.resolve("metadata/v41.metadata.json"));
    assertThat(size40).as("metadata size after 40 commits vs 20").isLessThanOrEqualTo(size10 + 200);
    // all rows are still there; every retained snapshot reads its prefix, by id and by time
    assertThat(t.scan().count()).isEqualTo(40);
    for (Snapshot s : kept) {
      assertThat(t.scan().useSnapshot(s.snapshotId()).count()).isEqualTo(s.sequenceNumber());
      // as of a time: the newest snapshot at or before it (two commits may share a millisecond)
      long newestAtThatTime =
          kept.stream()
              .filter(k -> k.timestampMillis() <= s.timestampMillis())
              .mapToLong(Snapshot::sequenceNumber)
              .max()
              .orElseThrow();
      assertThat(t.scan().asOfMillis(s.timestampMillis()).count())
          .as("as of %d", s.timestampMillis())
          .isEqualTo(newestAtThatTime);
    }
    assertThatThrownBy(() -> t.scan().useSnapshot(firstId).count())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("no snapshot " + firstId)
        .hasMessageContaining("expired");
    IcebergJava.assertSameAsDataShard(dir, true);
  }

  @Test
  void oldMetadataFilesAreRemovedAndTheTableStillOpensEverywhere() throws Exception {
    Table t =
        DataShard.table(dir)
            .schema(Schema.parse("id long not null"))
            .durable(false)
            .property(TableProperties.COMPACTION_AUTO_ENABLED, "false") // counts its appends' files
            .property("write.metadata.previous-versions-max", "5")
            .create();
    for (long i = 0; i < 20; i++) {
      t.append(List.of(Map.of("id", i)));
    }
    List<String> versions;
    try (Stream<Path> files = Files.list(dir.resolve("metadata"))) {
      versions =
          files
              .map(p -> p.getFileName().toString())
              .filter(n -> n.matches("v\\d+\\.metadata\\.json"))
              .sorted()
              .toList();
    }
    assertThat(versions)
        .hasSize(6)
        .contains("v21.metadata.json", "v16.metadata.json")
        .doesNotContain("v15.metadata.json", "v1.metadata.json");
    // a stale hint pointing at a removed version is harmless
    Files.writeString(dir.resolve("metadata/version-hint.text"), "3");
    assertThat(DataShard.open(dir).scan().count()).isEqualTo(20);
    Files.writeString(dir.resolve("metadata/version-hint.text"), "21");
    IcebergJava.assertSameAsDataShard(dir, false);
  }
}
