package io.datashard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.interop.IcebergJava;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deletes, overwrites and upserts in merge-on-read mode write position delete files instead of
 * rewriting data files; readers (DataShard and Apache Iceberg Java) leave the deleted rows out at
 * every snapshot, and compaction folds the deletes back in.
 */
class MergeOnReadTest {
  @TempDir Path tmp;

  private Table table(Path dir) {
    Table t = DataShard.create(dir, Schema.parse("id long not null, v string"));
    for (int f = 0; f < 3; f++) {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (long i = f * 100L; i < f * 100L + 100; i++) {
        rows.add(Map.of("id", i, "v", "r" + i));
      }
      t.append(rows);
    }
    t.updateProperties()
        .set(TableProperties.DELETE_MODE, TableProperties.MERGE_ON_READ)
        .set(TableProperties.UPDATE_MODE, TableProperties.MERGE_ON_READ)
        .set(TableProperties.MERGE_MODE, TableProperties.MERGE_ON_READ)
        .set(TableProperties.COMPACTION_AUTO_ENABLED, "false")
        .commit();
    return t;
  }

  private static TreeSet<Long> ids(Table t) {
    return t.scan().toList().stream()
        .map(r -> (Long) r.get("id"))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static List<String> dataFilePaths(Table t) {
    return t.scan().files().stream().map(DataFile::path).sorted().toList();
  }

  @Test
  void deleteOverwriteAndUpsertWriteDeleteFilesThatEveryReaderApplies() throws Exception {
    Path dir = tmp.resolve("t");
    Table t = table(dir);
    List<String> filesBefore = dataFilePaths(t);

    Snapshot d = t.newDelete().where("id >= 10 and id < 20").commit().orElseThrow();
    assertThat(d.operation()).isEqualTo("delete");
    assertThat(d.summary())
        .containsEntry("added-delete-files", "1")
        .containsEntry("added-position-deletes", "10")
        .containsEntry("total-delete-files", "1")
        .containsEntry("datashard.rows-removed", "10")
        .containsEntry("datashard.rows-rewritten", "0")
        .containsEntry("added-data-files", "0")
        .containsEntry("deleted-data-files", "0");
    assertThat(dataFilePaths(t)).isEqualTo(filesBefore); // no data file rewritten
    SnapshotDiff diff = t.diff(d.parentId(), d.snapshotId());
    assertThat(diff.addedFiles()).isEmpty();
    assertThat(diff.removedFiles()).isEmpty();
    assertThat(diff.addedDeleteFiles()).hasSize(1);
    assertThat(diff.addedDeleteFiles().get(0).recordCount()).isEqualTo(10);
    assertThat(ids(t)).hasSize(290).doesNotContain(10L, 15L, 19L).contains(9L, 20L);
    assertThat(t.scan().count()).isEqualTo(290);
    assertThat(t.scan().filter("id < 30").count()).isEqualTo(20);
    try (Stream<Path> s = Files.walk(dir.resolve("data"))) {
      assertThat(s.filter(p -> p.toString().endsWith("-deletes.parquet")).count()).isEqualTo(1);
    }

    // the same rows again: nothing left to delete
    assertThat(t.newDelete().where("id >= 10 and id < 20").commit()).isEmpty();
    // by id (read as the id column alone): 15 is gone already, 25 and 135 are not
    Snapshot byId =
        t.newDelete().where(Expressions.in("id", 15L, 25L, 135L)).commit().orElseThrow();
    assertThat(byId.summary())
        .containsEntry("datashard.rows-removed", "2")
        .containsEntry("added-position-deletes", "2")
        .containsEntry("added-delete-files", "2")
        .containsEntry("total-delete-files", "3");
    assertThat(t.newDelete().where("id = 25").commit()).isEmpty();
    assertThat(ids(t)).hasSize(288).doesNotContain(25L, 135L);

    Snapshot o =
        t.newOverwrite()
            .where("id >= 250")
            .add(Map.of("id", 1000L, "v", "new"))
            .commit()
            .orElseThrow();
    assertThat(o.operation()).isEqualTo("overwrite");
    assertThat(o.summary())
        .containsEntry("added-position-deletes", "50")
        .containsEntry("added-data-files", "1")
        .containsEntry("total-delete-files", "4");
    assertThat(ids(t)).hasSize(239).contains(1000L, 249L).doesNotContain(250L, 299L);

    Snapshot u =
        t.newUpsert()
            .key("id")
            .add(Map.of("id", 5L, "v", "five"))
            .add(Map.of("id", 150L, "v", "one-fifty"))
            .add(Map.of("id", 2000L, "v", "two-thousand"))
            .commit();
    assertThat(u.summary())
        .containsEntry("datashard.rows-replaced", "2")
        .containsEntry("datashard.rows-inserted", "1")
        .containsEntry("added-position-deletes", "2");
    assertThat(ids(t)).hasSize(240).contains(5L, 150L, 2000L);
    assertThat(t.scan().filter("id = 150").toList().get(0).get("v")).isEqualTo("one-fifty");
    assertThat(DataShard.verify(dir, true).isClean()).isTrue();
    // Apache Iceberg Java reads the same rows at every snapshot
    IcebergJava.assertSameAsDataShard(dir, true);

    // compaction folds the deletes in: the rows stay, the delete files go
    List<Map<String, Object>> before = IcebergJava.rows(IcebergJava.load(dir), null);
    t.maintenance().compact().run();
    Snapshot c = t.currentSnapshot().orElseThrow();
    assertThat(c.operation()).isEqualTo("replace");
    assertThat(c.summary()).containsEntry("total-delete-files", "0");
    assertThat(t.diff(c.parentId(), c.snapshotId()).removedDeleteFiles()).hasSize(6);
    assertThat(t.scan().count()).isEqualTo(240);
    assertThat(IcebergJava.rows(IcebergJava.load(dir), null))
        .containsExactlyInAnyOrderElementsOf(before);
    IcebergJava.assertSameAsDataShard(dir, true);
    assertThat(DataShard.verify(dir, true).isClean()).isTrue();
  }

  @Test
  void copyOnWriteOnATableWithDeleteFilesKeepsDeletedRowsDeleted() {
    Path dir = tmp.resolve("t");
    Table t = table(dir);
    t.newDelete().where("id < 50").commit();
    // back to copy-on-write: the file with deletes is rewritten, without its deleted rows
    t.updateProperties().set(TableProperties.DELETE_MODE, TableProperties.COPY_ON_WRITE).commit();
    Snapshot d = t.newDelete().where("id = 60").commit().orElseThrow();
    assertThat(d.summary())
        .containsEntry("datashard.rows-removed", "1")
        .containsEntry("datashard.rows-rewritten", "49")
        .containsEntry("removed-delete-files", "1")
        .containsEntry("total-delete-files", "0");
    assertThat(ids(t)).hasSize(249).doesNotContain(0L, 49L, 60L).contains(50L, 61L);
    IcebergJava.assertSameAsDataShard(dir, true);
  }

  @Test
  void aRollbackOverDeleteFilesBringsBackExactlyTheTargetsRows() {
    Path dir = tmp.resolve("t");
    Table t = table(dir);
    t.newDelete().where("id < 20").commit();
    Snapshot target = t.currentSnapshot().orElseThrow();
    TreeSet<Long> targetIds = ids(t);
    // later: more deletes (a new delete file on a file the first one touched too), an upsert, an
    // append, and a copy-on-write rewrite that folds a delete file in
    t.newDelete().where("id >= 10 and id < 30").commit();
    t.newUpsert().key("id").add(Map.of("id", 150L, "v", "new")).commit();
    t.append(List.of(Map.of("id", 5000L, "v", "late")));
    t.updateProperties().set(TableProperties.DELETE_MODE, TableProperties.COPY_ON_WRITE).commit();
    t.newDelete().where("id = 250").commit();
    assertThat(ids(t)).isNotEqualTo(targetIds);

    Snapshot r = t.rollback().toSnapshot(target.snapshotId()).commit();
    assertThat(r.summary())
        .containsEntry("datashard.rollback-to", Long.toString(target.snapshotId()))
        .containsEntry("total-delete-files", target.summary().get("total-delete-files"))
        .containsEntry("total-position-deletes", "20");
    assertThat(ids(t)).isEqualTo(targetIds);
    assertThat(t.scan().count()).isEqualTo(targetIds.size());
    assertThat(t.scan().filter("id < 30").count()).isEqualTo(10);
    // the rollback's changes undo what came after the target
    List<Row> undone = t.changes().fromSnapshot(r.parentId()).toSnapshot(r.snapshotId()).toList();
    assertThat(undone).isNotEmpty();
    IcebergJava.assertSameAsDataShard(dir, true);
    // and later deletes apply on top of the rolled-back state
    t.updateProperties().set(TableProperties.DELETE_MODE, TableProperties.MERGE_ON_READ).commit();
    t.newDelete().where("id = 25").commit();
    assertThat(ids(t)).hasSize(targetIds.size() - 1).doesNotContain(25L);
    IcebergJava.assertSameAsDataShard(dir, true);
  }

  @Test
  void anUnknownWriteModeIsAClearError() {
    Path dir = tmp.resolve("t");
    Table t = table(dir);
    t.updateProperties().set(TableProperties.DELETE_MODE, "merge-on-write").commit();
    assertThatThrownBy(() -> t.newDelete().where("id = 1").commit())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("write.delete.mode")
        .hasMessageContaining("merge-on-read");
    assertThat(t.scan().count()).isEqualTo(300);
  }
}
