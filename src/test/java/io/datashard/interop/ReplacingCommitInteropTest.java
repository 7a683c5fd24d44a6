package io.datashard.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.ManifestFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A transaction that replaces all rows writes one manifest with the new file ADDED and the replaced
 * ones DELETED; Apache Iceberg Java reads each snapshot's rows, added and removed files alike.
 */
class ReplacingCommitInteropTest {
  @TempDir Path tmp;

  @Test
  void replacingCommitsWriteOneManifestThatIcebergJavaReads() throws Exception {
    Path dir = tmp.resolve("t");
    Table t =
        DataShard.table(dir).schema(Schema.parse("value long not null, process int")).create();
    t.append(List.of(Map.of("value", 0L, "process", 0), Map.of("value", 0L, "process", 1)));
    List<Snapshot> snapshots = new ArrayList<>();
    for (long v = 1; v <= 3; v++) {
      long next = v;
      t.newTransaction()
          .run(
              tx -> {
                tx.deleteAll().append(Map.of("value", next, "process", 7));
                return null;
              });
      snapshots.add(t.currentSnapshot().orElseThrow());
    }
    org.apache.iceberg.Table ice = IcebergJava.load(dir);
    for (int i = 0; i < snapshots.size(); i++) {
      Snapshot s = snapshots.get(i);
      org.apache.iceberg.Snapshot is = ice.snapshot(s.snapshotId());
      List<ManifestFile> manifests = is.allManifests(ice.io());
      assertThat(manifests).as("manifests of snapshot %d", i).hasSize(1);
      ManifestFile m = manifests.get(0);
      assertThat(m.addedFilesCount()).isEqualTo(1);
      assertThat(m.deletedFilesCount()).isEqualTo(1);
      assertThat(m.sequenceNumber()).isEqualTo(is.sequenceNumber());
      assertThat(m.minSequenceNumber()).isEqualTo(is.sequenceNumber());
      Set<String> added = new HashSet<>();
      is.addedDataFiles(ice.io()).forEach(f -> added.add(f.location().replaceFirst("^file:", "")));
      Set<String> removed = new HashSet<>();
      is.removedDataFiles(ice.io())
          .forEach(f -> removed.add(f.location().replaceFirst("^file:", "")));
      Set<String> ours = new HashSet<>();
      t.scan()
          .useSnapshot(s.snapshotId())
          .files()
          .forEach(f -> ours.add(f.path().replaceFirst("^file:", "")));
      assertThat(added).isEqualTo(ours);
      Set<String> before = new HashSet<>();
      t.scan()
          .useSnapshot(s.parentId())
          .files()
          .forEach(f -> before.add(f.path().replaceFirst("^file:", "")));
      assertThat(removed).isEqualTo(before);
      assertThat(IcebergJava.rows(ice, s.snapshotId()))
          .containsExactly(Map.of("value", i + 1L, "process", 7));
    }
    // the first snapshot is still read as it was
    assertThat(IcebergJava.rows(ice, ice.snapshot(snapshots.get(0).parentId()).snapshotId()))
        .hasSize(2);
    assertThat(DataShard.verify(dir, true).isClean()).isTrue();
  }
}
