package io.datashard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rollback, tags, branches and diffs, each on its own, through the Java API. */
class HistoryTest {
  @TempDir Path dir;

  private Table table(String... properties) {
    DataShard.TableBuilder b =
        DataShard.table(dir).schema(Schema.parse("id long not null, name string")).durable(false);
    for (int i = 0; i < properties.length; i += 2) {
      b.property(properties[i], properties[i + 1]);
    }
    return b.create();
  }

  private static Snapshot append(Table t, long... ids) {
    Append a = t.newAppend();
    for (long id : ids) {
      a.add(Map.of("id", id, "name", "n" + id));
    }
    return a.commit();
  }

  private static Set<Long> ids(Scan scan) {
    Set<Long> out = new HashSet<>();
    List<Row> rows = scan.toList();
    for (Row r : rows) {
      out.add(r.get("id", Long.class));
    }
    assertThat(out).as("no duplicates").hasSize(rows.size());
    return out;
  }

  private static Set<String> paths(List<DataFile> files) {
    Set<String> out = new HashSet<>();
    files.forEach(f -> out.add(f.path()));
    return out;
  }

  // ------------------------------------------------------------------ tags

  @Test
  void tagsAreCreatedReadByNameMovedAndRemoved() {
    Table t = table();
    Snapshot s1 = append(t, 1);
    Snapshot s2 = append(t, 2);
    append(t, 3);

    Ref v1 = t.tag("v1").snapshot(s1.snapshotId()).create();
    assertThat(v1.isTag()).isTrue();
    assertThat(v1.snapshotId()).isEqualTo(s1.snapshotId());
    Ref latest = t.tag("latest").create(); // default: main's current snapshot
    assertThat(latest.snapshotId()).isEqualTo(t.currentSnapshot().orElseThrow().snapshotId());
    assertThat(t.refs().keySet()).containsExactly("main", "latest", "v1");
    assertThat(ids(t.scan().useRef("v1"))).containsExactlyInAnyOrder(1L);
    assertThat(ids(t.scan().useRef("latest"))).containsExactlyInAnyOrder(1L, 2L, 3L);
    assertThat(t.scan().useRef("v1").count()).isEqualTo(1);
    assertThat(ids(t.scan().useRef("main"))).containsExactlyInAnyOrder(1L, 2L, 3L);

    assertThatThrownBy(() -> t.tag("v1").snapshot(s2.snapshotId()).create())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("already has a tag named 'v1'");
    Ref moved = t.tag("v1").snapshot(s2.snapshotId()).replace();
    assertThat(moved.snapshotId()).isEqualTo(s2.snapshotId());
    assertThat(ids(t.scan().useRef("v1"))).containsExactlyInAnyOrder(1L, 2L);

    assertThat(t.tag("v1").remove().snapshotId()).isEqualTo(s2.snapshotId());
    assertThat(t.refs()).doesNotContainKey("v1");
    assertThatThrownBy(() -> t.tag("v1").remove())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("no tag named 'v1'");
    assertThatThrownBy(() -> t.scan().useRef("v1").toList())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("no branch or tag named 'v1'");

    // misuse is refused with a clear error and changes nothing
    assertThatThrownBy(() -> t.tag("main").create()).isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> t.branch("main").remove()).isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> t.tag("x").snapshot(12345L).create())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("no snapshot 12345");
    assertThatThrownBy(() -> t.branch("latest").create())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("already has a tag named 'latest'");
    assertThatThrownBy(() -> t.tag("y").minSnapshotsToKeep(2).create())
        .isInstanceOf(ValidationException.class);
    assertThat(t.refs().keySet()).containsExactly("main", "latest");
    // main keeps pointing at the current snapshot
    assertThat(t.refs().get("main").snapshotId())
        .isEqualTo(t.currentSnapshot().orElseThrow().snapshotId());
  }

  @Test
  void aTagKeepsItsSnapshotThroughCommitTimeRetention() {
    // keep at most 3 snapshots; a tagged one survives, an untagged one of the same age does not
    Table t =
        table("datashard.snapshots.max-count", "3", "history.expire.min-snapshots-to-keep", "1");
    Snapshot s1 = append(t, 1);
    Snapshot s2 = append(t, 2);
    t.tag("first").snapshot(s1.snapshotId()).create();
    for (long i = 3; i <= 10; i++) {
      append(t, i);
    }
    Set<Long> retained = new HashSet<>();
    t.snapshots().forEach(s -> retained.add(s.snapshotId()));
    assertThat(retained).contains(s1.snapshotId()).doesNotContain(s2.snapshotId());
    assertThat(ids(t.scan().useRef("first"))).containsExactly(1L);
    assertThat(ids(t.scan().useSnapshot(s1.snapshotId()))).containsExactly(1L);
    // once the tag is gone, the next commit's retention drops the snapshot
    t.tag("first").remove();
    append(t, 11);
    assertThat(t.snapshots()).extracting(Snapshot::snapshotId).doesNotContain(s1.snapshotId());
  }

  @Test
  void aTagKeepsItsSnapshotAndFilesThroughExpiryAndGc() throws Exception {
    Table t = table();
    Snapshot s1 = append(t, 1, 2);
    Snapshot s2 = append(t, 3, 4);
    String onlyInS2 =
        paths(t.diff(s1.snapshotId(), s2.snapshotId()).addedFiles()).iterator().next();
    t.tag("keep").snapshot(s2.snapshotId()).create();
    Snapshot s3 =
        t.rollback().toSnapshot(s1.snapshotId()).commit(); // main no longer has the s2 file
    assertThat(ids(t.scan())).containsExactlyInAnyOrder(1L, 2L);

    MaintenanceResult r =
        t.maintenance()
            .expireSnapshots()
            .olderThan(Instant.now().plusSeconds(60))
            .retainLast(1)
            .run();
    assertThat(r.expiredSnapshots())
        .contains(s1.snapshotId())
        .doesNotContain(s2.snapshotId(), s3.snapshotId());
    t.maintenance().removeOrphanFiles().olderThan(Duration.ZERO).noCommitsInFlight().run();
    assertThat(Path.of(onlyInS2)).exists();
    assertThat(ids(t.scan().useRef("keep"))).containsExactlyInAnyOrder(1L, 2L, 3L, 4L);
    assertThat(ids(t.scan())).containsExactlyInAnyOrder(1L, 2L);
    // the rollback snapshot reuses the expired s1's manifests: they were kept, the table verifies
    assertThat(DataShard.verify(dir, true).errors()).isEmpty();

    // without the tag, the same expiry drops the snapshot and deletes the file only it used
    t.tag("keep").remove();
    MaintenanceResult again =
        t.maintenance()
            .expireSnapshots()
            .olderThan(Instant.now().plusSeconds(60))
            .retainLast(1)
            .run();
    assertThat(again.expiredSnapshots()).containsExactly(s2.snapshotId());
    assertThat(again.deletedFiles()).contains(onlyInS2);
    assertThat(Path.of(onlyInS2)).doesNotExist();
    assertThat(ids(t.scan())).containsExactlyInAnyOrder(1L, 2L);
    assertThat(DataShard.verify(dir, true).errors()).isEmpty();
  }

  @Test
  void aRefPastItsMaxRefAgeIsRemovedByExpiry() throws Exception {
    Table t = table();
    Snapshot s1 = append(t, 1);
    t.tag("short").snapshot(s1.snapshotId()).maxRefAge(Duration.ofMillis(1)).create();
    t.tag("forever").snapshot(s1.snapshotId()).create();
    append(t, 2);
    Thread.sleep(20);
    t.maintenance().expireSnapshots().olderThan(Instant.now().plusSeconds(60)).retainLast(1).run();
    assertThat(t.refs().keySet()).containsExactly("main", "forever");
    assertThat(t.refs().get("forever").maxRefAge()).isEmpty();
    assertThat(t.snapshots()).extracting(Snapshot::snapshotId).contains(s1.snapshotId());
  }

  @Test
  void expiryRemovesARefPastItsMaxAgeEvenWhenNoSnapshotExpires() throws Exception {
    Table t = table();
    Snapshot s1 = append(t, 1);
    t.tag("short").snapshot(s1.snapshotId()).maxRefAge(Duration.ofMillis(1)).create();
    Thread.sleep(20);
    // the only snapshot is current: nothing to expire but the aged tag
    t.maintenance().expireSnapshots().olderThan(Instant.now().plusSeconds(60)).retainLast(1).run();
    assertThat(t.refs().keySet()).containsExactly("main");
    assertThat(t.snapshots()).extracting(Snapshot::snapshotId).containsExactly(s1.snapshotId());
    assertThat(DataShard.open(dir).refs().keySet()).containsExactly("main");
  }

  // ------------------------------------------------------------------ branches

  @Test
  void branchAppendsDoNotChangeMainAndMainAppendsDoNotChangeTheBranch()
      throws InterruptedException {
    Table t = table();
    Snapshot s1 = append(t, 1);
    Ref dev = t.branch("dev").create();
    assertThat(dev.isBranch()).isTrue();
    assertThat(dev.snapshotId()).isEqualTo(s1.snapshotId());

    Snapshot d1 = t.newAppend().toBranch("dev").add(Map.of("id", 10L, "name", "d")).commit();
    Snapshot d2 = t.newAppend().toBranch("dev").add(Map.of("id", 11L, "name", "d")).commit();
    assertThat(d1.parentId()).isEqualTo(s1.snapshotId());
    assertThat(d2.parentId()).isEqualTo(d1.snapshotId());
    assertThat(t.currentSnapshot().orElseThrow().snapshotId()).isEqualTo(s1.snapshotId());
    assertThat(t.refs().get("main").snapshotId()).isEqualTo(s1.snapshotId());
    assertThat(t.refs().get("dev").snapshotId()).isEqualTo(d2.snapshotId());
    assertThat(ids(t.scan())).containsExactly(1L);
    assertThat(ids(t.scan().useRef("dev"))).containsExactlyInAnyOrder(1L, 10L, 11L);
    assertThat(d2.summaryLong("total-records", -1)).isEqualTo(3);

    Thread.sleep(2); // s2 in a later millisecond than d2: time travel to d2's time must not see s2
    Snapshot s2 = append(t, 2);
    assertThat(s2.parentId()).isEqualTo(s1.snapshotId());
    assertThat(ids(t.scan())).containsExactlyInAnyOrder(1L, 2L);
    assertThat(ids(t.scan().useRef("dev"))).containsExactlyInAnyOrder(1L, 10L, 11L);
    // time travel on main does not see branch commits
    assertThat(ids(t.scan().asOfMillis(d2.timestampMillis()))).containsExactly(1L);

    // toBranch("main") is a plain append
    Snapshot s3 = t.newAppend().toBranch("main").add(Map.of("id", 3L)).commit();
    assertThat(t.currentSnapshot().orElseThrow().snapshotId()).isEqualTo(s3.snapshotId());

    t.tag("t").create();
    assertThatThrownBy(() -> t.newAppend().toBranch("nope").add(Map.of("id", 5L)).commit())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("no branch named 'nope'");
    assertThatThrownBy(() -> t.newAppend().toBranch("t").add(Map.of("id", 5L)).commit())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("it is a tag");
    assertThatThrownBy(
            () -> t.newAppend().toBranch("dev").add(Map.of("id", "not a number")).commit())
        .isInstanceOf(ValidationException.class);
    assertThat(ids(t.scan().useRef("dev"))).containsExactlyInAnyOrder(1L, 10L, 11L);

    // a removed branch's snapshots expire like any other
    t.branch("dev").remove();
    t.maintenance().expireSnapshots().olderThan(Instant.now().plusSeconds(60)).retainLast(1).run();
    assertThat(t.snapshots())
        .extracting(Snapshot::snapshotId)
        .doesNotContain(d1.snapshotId(), d2.snapshotId());
    assertThat(ids(t.scan())).containsExactlyInAnyOrder(1L, 2L, 3L);
  }

  @Test
  void aBranchKeepsItsMinSnapshotsToKeepThroughExpiry() {
    Table t = table("history.expire.min-snapshots-to-keep", "1");
    Snapshot s1 = append(t, 1);
    t.branch("dev").minSnapshotsToKeep(3).create();
    List<Long> dev = new ArrayList<>();
    for (long i = 10; i < 15; i++) {
      dev.add(t.newAppend().toBranch("dev").add(Map.of("id", i)).commit().snapshotId());
    }
    for (long i = 2; i < 6; i++) {
      append(t, i);
    }
    assertThat(t.refs().get("dev").minSnapshotsToKeep()).contains(3);
    t.maintenance().expireSnapshots().olderThan(Instant.now().plusSeconds(60)).retainLast(1).run();
    Set<Long> retained = new HashSet<>();
    t.snapshots().forEach(s -> retained.add(s.snapshotId()));
    // the branch head and its two parents stay; its older snapshots and main's old ones go
    assertThat(retained)
        .containsAll(dev.subList(2, 5))
        .doesNotContainAnyElementsOf(dev.subList(0, 2))
        .doesNotContain(s1.snapshotId());
    assertThat(retained).hasSize(4); // + main's current
    assertThat(ids(t.scan().useRef("dev"))).containsExactlyInAnyOrder(1L, 10L, 11L, 12L, 13L, 14L);
    assertThat(ids(t.scan().useSnapshot(dev.get(2)))).containsExactlyInAnyOrder(1L, 10L, 11L, 12L);
  }

  // ------------------------------------------------------------------ rollback

  @Test
  void rollbackIsANewCommitWithTheTargetsDataAndKeepsHistory() {
    Table t = table();
    Snapshot s1 = append(t, 1, 2);
    Snapshot s2 = append(t, 3);
    Snapshot s3 = append(t, 4, 5);

    Snapshot r = t.rollback().toSnapshot(s1.snapshotId()).commit();
    assertThat(r.snapshotId()).isNotIn(s1.snapshotId(), s2.snapshotId(), s3.snapshotId());
    assertThat(r.parentId()).isEqualTo(s3.snapshotId());
    assertThat(r.operation()).isEqualTo("overwrite");
    assertThat(r.summary())
        .containsEntry("datashard.rollback-to", Long.toString(s1.snapshotId()))
        .containsEntry("deleted-data-files", "2")
        .containsEntry("deleted-records", "3")
        .containsEntry("added-data-files", "0")
        .containsEntry("total-records", "2");
    assertThat(t.currentSnapshot().orElseThrow()).isEqualTo(r);
    assertThat(ids(t.scan())).containsExactlyInAnyOrder(1L, 2L);
    assertThat(paths(t.scan().files()))
        .isEqualTo(paths(t.scan().useSnapshot(s1.snapshotId()).files()));
    // history kept: every earlier snapshot still reads as before
    assertThat(ids(t.scan().useSnapshot(s3.snapshotId())))
        .containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L);
    assertThat(t.snapshots())
        .extracting(Snapshot::snapshotId)
        .containsExactly(s1.snapshotId(), s2.snapshotId(), s3.snapshotId(), r.snapshotId());

    // appends continue from the rolled-back state; rolling "forward" to s3 brings its rows back
    append(t, 6);
    Snapshot forward = t.rollback().toSnapshot(s3.snapshotId()).commit();
    assertThat(forward.summary())
        .containsEntry("added-data-files", "2")
        .containsEntry("added-records", "3")
        .containsEntry("deleted-records", "1");
    assertThat(ids(t.scan())).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L);

    // to a snapshot whose files main already has: nothing to commit
    int before = t.snapshots().size();
    assertThat(t.rollback().toSnapshot(s3.snapshotId()).commit()).isEqualTo(forward);
    assertThat(t.snapshots()).hasSize(before);

    assertThatThrownBy(() -> t.rollback().toSnapshot(42L).commit())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("no snapshot 42");
    assertThatThrownBy(() -> t.rollback().commit()).isInstanceOf(ValidationException.class);
  }

  @Test
  void rollbackConflictsWithACommitItDidNotSeeUnlessForced() {
    Table t = table();
    Snapshot s1 = append(t, 1);
    append(t, 2);
    Rollback decided =
        t.rollback().toSnapshot(s1.snapshotId()); // decided while 2 is the newest row
    Table other = DataShard.open(dir);
    Snapshot late = append(other, 3); // another writer commits meanwhile
    int before = t.snapshots().size();
    assertThatThrownBy(decided::commit)
        .isInstanceOf(CommitConflictException.class)
        .hasMessageContaining("another process committed in between");
    assertThat(t.snapshots()).hasSize(before);
    assertThat(ids(t.scan())).containsExactlyInAnyOrder(1L, 2L, 3L);
    try (var files = Files.list(dir.resolve("metadata"))) {
      assertThat(files.filter(p -> p.getFileName().toString().endsWith("-m5.avro")).count())
          .as("the refused rollback removed what it wrote")
          .isZero();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }

    // decided against the new current snapshot, it commits; expectCurrent names it explicitly
    Snapshot r = t.rollback().toSnapshot(s1.snapshotId()).expectCurrent(late.snapshotId()).commit();
    assertThat(ids(t.scan())).containsExactly(1L);
    assertThat(r.parentId()).isEqualTo(late.snapshotId());

    // force rolls back whatever is current at commit time
    append(t, 4);
    Rollback stale = t.rollback().toSnapshot(s1.snapshotId()).expectCurrent(late.snapshotId());
    assertThatThrownBy(stale::commit).isInstanceOf(CommitConflictException.class);
    stale.force().commit();
    assertThat(ids(t.scan())).containsExactly(1L);
  }

  // ------------------------------------------------------------------ diff

  @Test
  void diffListsTheFilesAndRowsAddedAndRemoved() {
    Table t = table();
    Snapshot s1 = append(t, 1, 2);
    Snapshot s2 = append(t, 3, 4, 5);
    Snapshot s3 = append(t, 6);

    SnapshotDiff d = t.diff(s1.snapshotId(), s3.snapshotId());
    assertThat(d.from()).isEqualTo(s1.snapshotId());
    assertThat(d.to()).isEqualTo(s3.snapshotId());
    assertThat(d.addedFiles()).hasSize(2);
    assertThat(d.addedRecords()).isEqualTo(4);
    assertThat(d.removedFiles()).isEmpty();
    assertThat(d.removedRecords()).isZero();
    assertThat(d.addedBytes()).isPositive();

    SnapshotDiff back = t.diff(s3.snapshotId(), s1.snapshotId());
    assertThat(paths(back.removedFiles())).isEqualTo(paths(d.addedFiles()));
    assertThat(back.removedRecords()).isEqualTo(4);
    assertThat(back.addedFiles()).isEmpty();

    assertThat(t.diff(s2.snapshotId(), s2.snapshotId()).addedFiles()).isEmpty();

    // compaction: three files out, one in, same rows
    t.maintenance().compact().run();
    Snapshot c = t.currentSnapshot().orElseThrow();
    SnapshotDiff dc = t.diff(s3.snapshotId(), c.snapshotId());
    assertThat(dc.removedFiles()).hasSize(3);
    assertThat(dc.addedFiles()).hasSize(1);
    assertThat(dc.addedRecords()).isEqualTo(dc.removedRecords()).isEqualTo(6);

    assertThatThrownBy(() -> t.diff(s1.snapshotId(), 99L)).isInstanceOf(ValidationException.class);
  }
}
