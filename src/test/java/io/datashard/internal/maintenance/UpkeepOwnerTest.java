package io.datashard.internal.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Table;
import io.datashard.TableOptions;
import io.datashard.TableProperties;
import io.datashard.internal.FileNames;
import io.datashard.internal.TableCore;
import io.datashard.internal.commit.TableOperations;
import io.datashard.testkit.AppendWorker;
import io.datashard.testkit.ChildJvm;
import io.datashard.testkit.LockHolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One process at a time runs a table's upkeep; real child processes play the other ones. */
class UpkeepOwnerTest {
  @TempDir Path dir;

  private Table table() {
    return DataShard.table(dir.resolve("t"))
        .schema(Schema.parse("worker int not null, seq int not null"))
        .property(TableProperties.MAX_SNAPSHOTS, "1000")
        .create();
  }

  private void appendRows(Table t, int worker, int from, int to) {
    for (int i = from; i < to; i++) {
      t.newAppend().add(Map.of("worker", worker, "seq", i)).commit();
    }
  }

  private static long compactions(Table t) {
    return t.snapshots().stream().filter(s -> "replace".equals(s.operation())).count();
  }

  private static Set<String> rows(Table t) {
    Set<String> out = new HashSet<>();
    List<Row> all = t.scan().toList();
    for (Row r : all) {
      out.add(r.get("worker", Integer.class) + "/" + r.get("seq", Integer.class));
    }
    assertThat(out).as("no row twice").hasSize(all.size());
    return out;
  }

  @Test
  void whileAnotherProcessOwnsTheUpkeepThisOneRunsNoneAndTakesOverOnceItIsGone() throws Exception {
    Table t = table();
    String lock = dir.resolve("t/metadata/" + FileNames.COMPACTION_LOCK).toString();
    try (AutoCloseable other = LockHolder.hold(lock, dir)) {
      appendRows(t, 0, 0, 12);
      // 12 one-row files: an owner would have merged ten of them at the tenth
      assertThat(t.scan().files()).hasSize(12);
      assertThat(compactions(t)).isZero();
    }
    // the other process is gone: the next commits take the upkeep over, from their own commits on
    appendRows(t, 0, 12, 20);
    assertThat(compactions(t)).isEqualTo(1);
    assertThat(t.scan().files().size()).isLessThan(20);
    assertThat(rows(t)).hasSize(20);
  }

  /** A table that keeps 5 snapshots and deletes what dropped ones used at once; no compaction. */
  private static Table fiveSnapshotsCleanedAtOnce(Path tdir) {
    return DataShard.table(tdir)
        .schema(Schema.parse("worker int not null, seq int not null"))
        .property(TableProperties.MAX_SNAPSHOTS, "5")
        .property(TableProperties.MIN_SNAPSHOTS_TO_KEEP, "1")
        .property(TableProperties.CLEANUP_GRACE_MS, "0")
        .property(TableProperties.COMPACTION_AUTO_ENABLED, "false")
        .create();
  }

  /**
   * An owner that stops before cleaning up after the last commits (it exited between two polls,
   * here: it never cleans) leaves dropped snapshots' files behind; the next owner cleans them.
   */
  @Test
  void aNewOwnerCleansUpAfterTheVersionsTheOwnerBeforeItLeft() throws Exception {
    Path tdir = dir.resolve("t");
    Table t = fiveSnapshotsCleanedAtOnce(tdir);
    String lock = tdir.resolve("metadata/" + FileNames.COMPACTION_LOCK).toString();
    try (AutoCloseable other = LockHolder.hold(lock, dir)) {
      appendRows(t, 0, 0, 34); // 34 snapshots, 5 retained: 29 dropped, nobody cleaning up
    }
    assertThat(orphans(tdir)).as("left by an owner that did not clean up").isNotEmpty();
    appendRows(t, 0, 34, 36); // this process takes the upkeep over
    assertThat(orphans(tdir)).as("cleaned up by the new owner").isEmpty();
    assertThat(rows(t)).hasSize(36);
  }

  /**
   * A cleanup that fails (here: a version it must read is damaged) does not count its versions as
   * cleaned: the next due cleanup looks at them again, so what they dropped is not left behind.
   */
  @Test
  void aFailedCleanupIsTriedAgainAtTheNextDueVersion() throws Exception {
    Path tdir = dir.resolve("t");
    Table t = fiveSnapshotsCleanedAtOnce(tdir);
    TableOperations ops = TableCore.open(tdir, TableOptions.defaults()).operations();
    int seq = 0;
    while (ops.refresh().version() < 9) {
      appendRows(t, 0, seq, ++seq);
    }
    assertThat(ops.refresh().version()).isEqualTo(9);
    // damage the older versions (not the newest, the next commit's base) for the cleanup at 10
    Map<Path, byte[]> saved = new HashMap<>();
    for (int v = 2; v <= 8; v++) {
      Path f = Path.of(ops.metadataFile(v));
      saved.put(f, Files.readAllBytes(f));
      Files.writeString(f, "{ damaged");
    }
    appendRows(t, 0, seq, ++seq); // version 10: its cleanup fails
    for (Map.Entry<Path, byte[]> e : saved.entrySet()) {
      Files.write(e.getKey(), e.getValue());
    }
    assertThat(ops.refresh().version()).isEqualTo(10);
    assertThat(orphans(tdir)).as("not cleaned by the failed cleanup").isNotEmpty();
    while (ops.refresh().version() < 20) {
      appendRows(t, 0, seq, ++seq);
    }
    assertThat(orphans(tdir)).as("cleaned by the next due cleanup").isEmpty();
    assertThat(rows(t)).hasSize(seq);
  }

  private static List<String> orphans(Path table) {
    return DataShard.verify(table, true).warnings().stream()
        .filter(p -> p.kind() == io.datashard.VerifyReport.Kind.ORPHAN)
        .map(Object::toString)
        .toList();
  }

  @Test
  void theOwnerLooksAfterTheCommitsOfOtherProcesses() throws Exception {
    Table t = table();
    appendRows(t, 0, 0, 1); // this process owns the upkeep now
    TableCore core = TableCore.open(dir.resolve("t"), TableOptions.defaults());
    assertThat(UpkeepOwner.of(core).owning()).isTrue();
    Path log = dir.resolve("worker.log");
    Process p =
        ChildJvm.start(
            AppendWorker.class,
            dir.resolve("worker.out"),
            dir.resolve("t").toString(),
            "1",
            "40",
            log.toString());
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readAllLines(log)).hasSize(40).allMatch(l -> l.startsWith("ok "));
    // The child ran no upkeep (this process owns it); this one's poll merges its files. Planning
    // starts when the file count passes a multiple of the merge factor (10), so a tier may hold
    // up to 19 files before the next one: 41 one-row files end as at most 20.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (t.scan().files().size() > 20 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(t.scan().files().size()).isLessThanOrEqualTo(20);
    assertThat(compactions(t)).isGreaterThan(0);
    assertThat(rows(t)).hasSize(41);
    assertThat(DataShard.verify(dir.resolve("t"), true).errors()).isEmpty();
  }

  @Test
  void anIdleOwnerLetsTheLockGoAndTheNextCommitTakesItAgain() throws Exception {
    long idle = UpkeepOwner.IDLE_MS;
    UpkeepOwner.IDLE_MS = 300;
    try {
      Table t = table();
      appendRows(t, 0, 0, 1);
      UpkeepOwner owner = UpkeepOwner.of(TableCore.open(dir.resolve("t"), TableOptions.defaults()));
      assertThat(owner.owning()).isTrue();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (owner.owning() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(owner.owning()).as("released after idling").isFalse();
      // another process can take it now
      String lock = dir.resolve("t/metadata/" + FileNames.COMPACTION_LOCK).toString();
      try (AutoCloseable other = LockHolder.hold(lock, dir)) {
        appendRows(t, 0, 1, 2);
        assertThat(owner.owning()).isFalse();
      }
      appendRows(t, 0, 2, 3);
      assertThat(owner.owning()).isTrue();
    } finally {
      UpkeepOwner.IDLE_MS = idle;
    }
  }
}
