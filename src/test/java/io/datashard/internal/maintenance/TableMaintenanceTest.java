package io.datashard.internal.maintenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.CommitConflictException;
import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import io.datashard.TableOptions;
import io.datashard.TableProperties;
import io.datashard.internal.TableCore;
import io.datashard.internal.commit.TableOperations;
import io.datashard.internal.meta.SnapshotRef;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.interop.IcebergJava;
import io.datashard.storage.LocalStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Maintenance commits racing other commits (interleaved deterministically), and refs pinning
 * snapshots.
 */
class TableMaintenanceTest {
  @TempDir Path dir;

  private Table create(int appends) {
    Table t =
        DataShard.table(dir)
            .schema(Schema.parse("id long not null"))
            .durable(false)
            .property(TableProperties.COMPACTION_AUTO_ENABLED, "false") // counts its appends' files
            .property("commit.manifest-merge.enabled", "false")
            .create();
    for (long i = 0; i < appends; i++) {
      t.append(List.of(Map.of("id", i)));
    }
    return t;
  }

  private TableMaintenance maintenance() {
    return new TableMaintenance(TableCore.open(dir, TableOptions.defaults().withDurable(false)));
  }

  private Set<Long> ids(Table t) {
    return t.scan().toList().stream().map(r -> r.get("id", Long.class)).collect(Collectors.toSet());
  }

  private long dataFiles() throws Exception {
    try (Stream<Path> s = Files.list(dir.resolve("data"))) {
      return s.count();
    }
  }

  @Test
  void compactionRebasesOntoAConcurrentAppendAndKeepsIt() throws Exception {
    Table t = create(10);
    Table other = DataShard.table(dir).durable(false).open();
    TableMaintenance.Report r =
        maintenance()
            .beforeCommit(() -> other.append(List.of(Map.of("id", 100L))))
            .compact(null, 2, false);
    assertThat(r.replacedFiles).hasSize(10);
    t.refresh();
    assertThat(t.currentSnapshot().orElseThrow().operation()).isEqualTo("replace");
    assertThat(t.scan().count()).isEqualTo(11);
    assertThat(ids(t)).contains(100L).hasSize(11);
    assertThat(t.scan().files()).hasSize(2);
    IcebergJava.assertSameAsDataShard(dir, true);
  }

  @Test
  void compactionFailsCleanlyIfACompactedFileWasRemovedMeanwhile() throws Exception {
    Table t = create(5);
    Table other = DataShard.table(dir).durable(false).open();
    long before = dataFiles();
    assertThatThrownBy(
            () ->
                maintenance()
                    .beforeCommit(
                        () ->
                            other.transaction(
                                tx -> {
                                  tx.deleteAll().append(Map.of("id", 7L));
                                  return null;
                                }))
                    .compact(null, 2, false))
        .isInstanceOf(CommitConflictException.class)
        .hasMessageContaining(
            "5 of the 5 files being compacted were removed from the table by a concurrent commit")
        .hasMessageContaining("Nothing was committed");
    // the compacted file was removed; the transaction's file is there
    assertThat(dataFiles()).isEqualTo(before + 1);
    t.refresh();
    assertThat(ids(t)).containsExactly(7L);
    assertThat(t.currentSnapshot().orElseThrow().operation()).isEqualTo("overwrite");
  }

  @Test
  void manifestRewriteRebasesOntoAnAppendButNotOntoAnotherRewrite() throws Exception {
    Table t = create(6);
    Table other = DataShard.table(dir).durable(false).open();
    maintenance()
        .beforeCommit(() -> other.append(List.of(Map.of("id", 50L))))
        .rewriteManifests(null, false);
    // the rewritten manifest plus the concurrent append's own
    assertThat(IcebergJava.manifests(dir)).hasSize(2);
    assertThat(ids(t.refresh())).hasSize(7).contains(50L);

    t.append(List.of(Map.of("id", 51L)));
    assertThatThrownBy(
            () ->
                maintenance()
                    .beforeCommit(() -> other.maintenance().rewriteManifests().run())
                    .rewriteManifests(null, false))
        .isInstanceOf(CommitConflictException.class)
        .hasMessageContaining("manifests being rewritten were replaced by a concurrent commit");
    assertThat(ids(t.refresh())).hasSize(8);
    assertThat(IcebergJava.manifests(dir)).hasSize(1);
    IcebergJava.assertSameAsDataShard(dir, true);
  }

  @Test
  void expiryKeepsSnapshotsThatATagPointsTo() throws Exception {
    Table t = create(6);
    List<Snapshot> snaps = t.snapshots();
    Snapshot tagged = snaps.get(1);
    List<Row> taggedRows = t.scan().useSnapshot(tagged.snapshotId()).toList();
    TableOperations ops =
        new TableOperations(new LocalStorage(false), dir.toAbsolutePath().normalize().toString());
    TableMetadata base = ops.refresh();
    Map<String, SnapshotRef> refs = new LinkedHashMap<>(base.refs());
    refs.put("v1", new SnapshotRef(tagged.snapshotId(), "tag", null, null, null));
    ops.commit(base, TableMetadata.buildFrom(base).refs(refs).build());

    TableMaintenance.Report r =
        maintenance().expireSnapshots(System.currentTimeMillis() + 1000, 1, 1, false);
    assertThat(r.expiredSnapshots).hasSize(4).doesNotContain(tagged.snapshotId());
    assertThat(t.snapshots())
        .extracting(Snapshot::snapshotId)
        .containsExactlyInAnyOrder(tagged.snapshotId(), snaps.get(5).snapshotId());
    assertThat(t.scan().useSnapshot(tagged.snapshotId()).toList())
        .containsExactlyInAnyOrderElementsOf(taggedRows);
    assertThat(t.scan().count()).isEqualTo(6);
    IcebergJava.assertSameAsDataShard(dir, true);
  }
}
