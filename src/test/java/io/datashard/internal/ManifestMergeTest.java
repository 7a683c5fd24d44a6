package io.datashard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import io.datashard.TableProperties;
import io.datashard.internal.manifest.ManifestIO;
import io.datashard.interop.IcebergJava;
import io.datashard.storage.LocalStorage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small manifests are merged so a snapshot's manifest list stays bounded, without changing any
 * read.
 */
class ManifestMergeTest {
  @TempDir Path dir;

  @Test
  void manifestCountStaysBoundedAndEveryRowAndSnapshotStillReads() {
    Table t =
        DataShard.table(dir)
            .schema(Schema.parse("id long not null"))
            .durable(false)
            .property(TableProperties.COMPACTION_AUTO_ENABLED, "false") // counts its appends' files
            .property("commit.manifest.min-count-to-merge", "10")
            .create();
    for (long i = 0; i < 45; i++) {
      t.append(List.of(Map.of("id", i)));
    }
    LocalStorage storage = new LocalStorage(false);
    int maxManifests = 0;
    for (Snapshot s : t.snapshots()) {
      int n = ManifestIO.readList(storage, s.manifestList()).size();
      maxManifests = Math.max(maxManifests, n);
    }
    assertThat(maxManifests).isLessThanOrEqualTo(10);
    List<ManifestIO.Manifest> last =
        ManifestIO.readList(storage, t.currentSnapshot().orElseThrow().manifestList());
    assertThat(last.stream().mapToLong(m -> m.existingFiles).sum()).isGreaterThan(0);
    Set<Long> ids = new HashSet<>();
    for (Row r : t.scan().toList()) {
      assertThat(ids.add((Long) r.get("id"))).isTrue();
    }
    assertThat(ids).hasSize(45);
    // every earlier snapshot still reads exactly its prefix, here and in Apache Iceberg Java
    List<Snapshot> snaps = t.snapshots();
    for (int i = 0; i < snaps.size(); i++) {
      assertThat(t.scan().useSnapshot(snaps.get(i).snapshotId()).count()).isEqualTo(i + 1);
    }
    IcebergJava.assertSameAsDataShard(dir, true);
    // sequence numbers survive the merge: Iceberg sees each file with the sequence number it was
    // added with
    org.apache.iceberg.Table ice = IcebergJava.load(dir);
    List<Long> seqs = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = ice.newScan().planFiles()) {
      tasks.forEach(task -> seqs.add(task.file().dataSequenceNumber()));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    assertThat(new HashSet<>(seqs)).hasSize(45);
  }

  /**
   * Merging is tiered: a file entry is rewritten a few times in all, not once every
   * min-count-to-merge commits, so what one commit rewrites does not grow with the table.
   */
  @Test
  void eachEntryIsRewrittenOnlyAFewTimes() {
    Table t =
        DataShard.table(dir)
            .schema(Schema.parse("id long not null"))
            .durable(false)
            .property(TableProperties.COMPACTION_AUTO_ENABLED, "false") // counts its appends' files
            .property("commit.manifest.min-count-to-merge", "10")
            .create();
    LocalStorage storage = new LocalStorage(false);
    int commits = 400;
    long rewritten = 0;
    long rewrittenInLastHalf = 0;
    int maxManifests = 0;
    for (long i = 0; i < commits; i++) {
      Snapshot s = t.append(List.of(Map.of("id", i)));
      List<ManifestIO.Manifest> list = ManifestIO.readList(storage, s.manifestList());
      maxManifests = Math.max(maxManifests, list.size());
      long here =
          list.stream()
              .filter(m -> m.addedSnapshotId == s.snapshotId())
              .mapToLong(m -> m.existingFiles)
              .sum();
      rewritten += here;
      if (i >= commits / 2) {
        rewrittenInLastHalf += here;
      }
    }
    // Re-merging every small manifest at each merge rewrote ~commits^2 / (2 * 10) = 8,000 entries
    // here; tiers of fanout 4 rewrite each entry about once per tier (log4(400) = 4.3).
    assertThat(rewritten).isLessThanOrEqualTo(6L * commits);
    assertThat(rewrittenInLastHalf).isLessThanOrEqualTo(6L * commits / 2);
    assertThat(maxManifests).isLessThanOrEqualTo(16);
    assertThat(t.scan().count()).isEqualTo(commits);
    Set<Long> ids = new HashSet<>();
    for (Row r : t.scan().toList()) {
      assertThat(ids.add((Long) r.get("id"))).isTrue();
    }
    assertThat(ids).hasSize(commits);
  }
}
