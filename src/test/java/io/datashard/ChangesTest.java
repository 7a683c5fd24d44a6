package io.datashard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The change feed against a brute-force difference of snapshots' rows: random histories of appends,
 * copy-on-write and merge-on-read deletes, overwrites, upserts, compactions and rollbacks; for
 * every commit, its change rows applied to its parent's rows give its own rows, and between random
 * pairs of snapshots the changes equal the multiset difference of their rows.
 */
class ChangesTest {
  @TempDir Path tmp;

  private static final List<String> COLUMNS = List.of("id", "v");

  /** Rows as a multiset of (id, v). */
  private static Map<List<Object>, Integer> rows(Table t, long snapshotId) {
    Map<List<Object>, Integer> out = new HashMap<>();
    for (Row r : t.scan().useSnapshot(snapshotId).toList()) {
      out.merge(List.of(r.get("id"), r.get("v")), 1, Integer::sum);
    }
    return out;
  }

  /** {@code base} with the change rows applied: inserts added, deletes taken away. */
  private static Map<List<Object>, Integer> apply(
      Map<List<Object>, Integer> base, List<Row> changes) {
    Map<List<Object>, Integer> out = new HashMap<>(base);
    for (Row c : changes) {
      List<Object> k = List.of(c.get("id"), c.get("v"));
      String type = c.get("_change_type", String.class);
      if (type.equals("INSERT") || type.equals("UPDATE_AFTER")) {
        out.merge(k, 1, Integer::sum);
      } else {
        Integer n = out.get(k);
        assertThat(n).as("a %s of a row that was not there: %s", type, c).isNotNull();
        if (n == 1) {
          out.remove(k);
        } else {
          out.put(k, n - 1);
        }
      }
    }
    return out;
  }

  private static int changeCount(Map<List<Object>, Integer> a, Map<List<Object>, Integer> b) {
    int n = 0;
    Map<List<Object>, Integer> all = new HashMap<>(a);
    b.forEach((k, v) -> all.merge(k, 0, Integer::sum));
    for (List<Object> k : all.keySet()) {
      n += Math.abs(a.getOrDefault(k, 0) - b.getOrDefault(k, 0));
    }
    return n;
  }

  @Test
  void randomHistoriesGiveExactlyTheRowDifferences() {
    for (int round = 0; round < 4; round++) {
      String given = System.getProperty("datashard.test.seed");
      long seed = given != null ? Long.parseLong(given) + round : new Random().nextLong();
      System.out.println("ChangesTest seed " + seed + " (round " + round + ")");
      runHistory(tmp.resolve("t" + round), seed, round % 2 == 1);
    }
  }

  private void runHistory(Path dir, long seed, boolean partitioned) {
    Random rnd = new Random(seed);
    Table t =
        partitioned
            ? DataShard.table(dir)
                .schema(Schema.parse("id long not null, v string"))
                .partitionBy("bucket(4, id)")
                .create()
            : DataShard.create(dir, Schema.parse("id long not null, v string"));
    t.updateProperties().set(TableProperties.COMPACTION_AUTO_ENABLED, "false").commit();
    long next = 0;
    int ops = 40;
    for (int i = 0; i < ops; i++) {
      boolean mor = rnd.nextBoolean();
      t.updateProperties()
          .set(TableProperties.DELETE_MODE, mor ? TableProperties.MERGE_ON_READ : "copy-on-write")
          .set(TableProperties.MERGE_MODE, mor ? TableProperties.MERGE_ON_READ : "copy-on-write")
          .commit();
      int op = rnd.nextInt(10);
      long hi = Math.max(1, next);
      if (op < 4 || next == 0) {
        List<Map<String, Object>> batch = new ArrayList<>();
        int n = 1 + rnd.nextInt(30);
        for (int k = 0; k < n; k++) {
          // some duplicate rows on purpose: changes are a multiset
          long id = rnd.nextInt(5) == 0 && next > 0 ? rnd.nextLong(hi) : next++;
          batch.add(Map.of("id", id, "v", "v" + id));
        }
        t.append(batch);
      } else if (op == 4) {
        long a = rnd.nextLong(hi);
        t.newDelete().where("id >= " + a + " and id < " + (a + 1 + rnd.nextInt(8))).commit();
      } else if (op == 5) {
        long a = rnd.nextLong(hi);
        t.newOverwrite()
            .where("id >= " + a + " and id < " + (a + 3))
            .add(Map.of("id", a, "v", "over" + i))
            .commit();
      } else if (op == 6) {
        Upsert u = t.newUpsert().key("id");
        java.util.Set<Long> keys = new java.util.HashSet<>();
        for (int k = 0; k < 3; k++) {
          long id = rnd.nextBoolean() ? rnd.nextLong(hi) : next++;
          if (keys.add(id)) {
            u.add(Map.of("id", id, "v", "up" + i + "-" + k));
          }
        }
        u.commit();
      } else if (op == 7) {
        t.maintenance().compact().minInputFiles(2).run();
      } else if (op == 8 && t.snapshots().size() > 3) {
        List<Snapshot> s = t.snapshots();
        Snapshot target = s.get(s.size() - 1 - 1 - rnd.nextInt(2));
        t.rollback().toSnapshot(target.snapshotId()).commit();
      } else {
        t.append(List.of(Map.of("id", next, "v", "v" + next)));
        next++;
      }
    }
    t.refresh();
    // every commit on main: its changes take its parent's rows to its own
    List<Long> line = new ArrayList<>();
    for (Snapshot s = t.currentSnapshot().orElseThrow();
        s != null;
        s = s.parentId() == null ? null : t.snapshot(s.parentId())) {
      line.add(0, s.snapshotId());
    }
    Map<List<Object>, Integer> previous = new HashMap<>();
    Long prevId = null;
    for (long id : line) {
      ChangeScan cs = t.changes().toSnapshot(id);
      if (prevId != null) {
        cs.fromSnapshot(prevId);
      }
      List<Row> changes = cs.toList();
      Map<List<Object>, Integer> now = rows(t, id);
      String what = "seed " + seed + ", snapshot " + id + " (" + t.snapshot(id).operation() + ")";
      assertThat(apply(previous, changes)).as(what).isEqualTo(now);
      assertThat(changes)
          .as("no change is reported twice: %s", what)
          .hasSize(changeCount(previous, now));
      for (Row c : changes) {
        assertThat(c.get("_commit_snapshot_id")).isEqualTo(id);
        assertThat(c.get("_change_ordinal")).isEqualTo(0);
      }
      if (t.snapshot(id).operation().equals("replace")) {
        assertThat(changes).as("a compaction changes no row: %s", what).isEmpty();
      }
      previous = now;
      prevId = id;
    }
    // random ranges: the changes of several commits at once
    for (int k = 0; k < 10; k++) {
      int a = rnd.nextInt(line.size());
      int b = a + rnd.nextInt(line.size() - a);
      List<Row> changes = t.changes().fromSnapshot(line.get(a)).toSnapshot(line.get(b)).toList();
      assertThat(apply(rows(t, line.get(a)), changes))
          .as("seed %d, changes from %d to %d", seed, line.get(a), line.get(b))
          .isEqualTo(rows(t, line.get(b)));
      int ordinal = -1;
      for (Row c : changes) {
        int o = c.get("_change_ordinal", Integer.class);
        assertThat(o).as("ordinals rise with the commits").isGreaterThanOrEqualTo(ordinal);
        ordinal = o;
      }
    }
    // from the start: every row of the table as an insert, in the end
    assertThat(apply(Map.of(), t.changes().toList())).isEqualTo(rows(t, line.get(line.size() - 1)));
  }

  @Test
  void aKeyTurnsADeleteAndInsertOfOneCommitIntoAnUpdate() {
    Table t = DataShard.create(tmp.resolve("k"), Schema.parse("id long not null, v string"));
    t.append(List.of(Map.of("id", 1L, "v", "a"), Map.of("id", 2L, "v", "b")));
    long first = t.currentSnapshot().orElseThrow().snapshotId();
    t.newUpsert()
        .key("id")
        .add(Map.of("id", 2L, "v", "B"))
        .add(Map.of("id", 3L, "v", "c"))
        .commit();
    List<String> plain = new ArrayList<>();
    for (Row r : t.changes().fromSnapshot(first).toList()) {
      plain.add(r.get("_change_type") + " " + r.get("id") + " " + r.get("v"));
    }
    assertThat(plain).containsExactlyInAnyOrder("DELETE 2 b", "INSERT 2 B", "INSERT 3 c");
    List<String> keyed = new ArrayList<>();
    for (Row r : t.changes().fromSnapshot(first).key("id").toList()) {
      keyed.add(r.get("_change_type") + " " + r.get("id") + " " + r.get("v"));
    }
    assertThat(keyed).containsExactly("UPDATE_BEFORE 2 b", "UPDATE_AFTER 2 B", "INSERT 3 c");
    // a filter and a column selection apply to the change rows
    List<Row> some = t.changes().fromSnapshot(first).select("v").filter("id = 3").toList();
    assertThat(some).hasSize(1);
    assertThat(some.get(0).type().fields()).hasSize(4);
    assertThat(some.get(0).get("v")).isEqualTo("c");
  }

  /** A table without automatic compaction holding {@code n} appends of one row (id i, "x"). */
  private Table appendsWithoutCompaction(String name, int n) {
    Table t = DataShard.create(tmp.resolve(name), Schema.parse("id long not null, v string"));
    t.updateProperties().set(TableProperties.COMPACTION_AUTO_ENABLED, "false").commit();
    for (long i = 0; i < n; i++) {
      t.append(List.of(Map.of("id", i, "v", "x")));
    }
    return t;
  }

  @Test
  void fromTheStartACompactionWhoseParentExpiredGivesAllItsRows() {
    Table t = appendsWithoutCompaction("c", 4);
    t.maintenance().compact().minInputFiles(2).run();
    t.append(List.of(Map.of("id", 9L, "v", "y")));
    t.maintenance()
        .expireSnapshots()
        .olderThan(java.time.Instant.now().plusSeconds(60))
        .retainLast(2)
        .run();
    List<Snapshot> kept = t.snapshots();
    assertThat(kept).hasSize(2);
    assertThat(kept.get(0).operation())
        .as("the oldest retained is the compaction")
        .isEqualTo("replace");
    long current = t.currentSnapshot().orElseThrow().snapshotId();
    assertThat(apply(Map.of(), t.changes().toList())).isEqualTo(rows(t, current));
    assertThat(t.changes().toList()).hasSize(5);
  }

  @Test
  void changesReadOnlyTheFilesTheirCommitsTouched() {
    Table t = appendsWithoutCompaction("f", 30);
    long mid = t.snapshots().get(19).snapshotId();
    ChangeReport r = t.changes().fromSnapshot(mid).explain();
    assertThat(r.snapshotsRead()).isEqualTo(10);
    assertThat(r.filesRead()).isEqualTo(10);
    assertThat(r.changes()).isEqualTo(10);
    assertThat(r.liveFilesAtTo()).isEqualTo(30);
    // with a filter, files whose statistics rule it out are not opened
    ChangeReport f = t.changes().fromSnapshot(mid).filter("id = 25").explain();
    assertThat(f.filesRead()).isEqualTo(1);
    assertThat(f.filesPruned()).isEqualTo(9);
    assertThat(f.changes()).isEqualTo(1);
  }

  @Test
  void badRangesGetClearErrors() {
    Table t = DataShard.create(tmp.resolve("b"), Schema.parse("id long not null"));
    t.append(List.of(Map.of("id", 1L)));
    long a = t.currentSnapshot().orElseThrow().snapshotId();
    t.append(List.of(Map.of("id", 2L)));
    long b = t.currentSnapshot().orElseThrow().snapshotId();
    assertThatThrownBy(() -> t.changes().fromSnapshot(b).toSnapshot(a).toList())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("is after --to");
    assertThatThrownBy(() -> t.changes().fromSnapshot(12345L).toList())
        .isInstanceOf(SnapshotExpiredException.class)
        .hasMessageContaining("oldest retained snapshot is " + a);
    assertThatThrownBy(() -> t.changes().key("nope").toList())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("nope");
    assertThat(t.changes().fromSnapshot(b).toList()).isEmpty();
    // a table column with a change column's name cannot be told apart from it
    Table clash =
        DataShard.create(tmp.resolve("clash"), Schema.parse("id long, _change_type string"));
    clash.append(List.of(Map.of("id", 1L, "_change_type", "x")));
    assertThatThrownBy(() -> clash.changes().toList())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("_change_type")
        .hasMessageContaining("select the other columns");
    assertThat(clash.changes().select("id").toList()).hasSize(1);
  }
}
