package io.datashard.concurrency;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import io.datashard.testkit.ChildJvm;
import io.datashard.testkit.HistoryWorker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jepsen-Elle-style list-append check over real OS processes. Processes append unique ids and read
 * the whole table, logging every operation's start, end and outcome. The checker then proves:
 *
 * <ol>
 *   <li>the table's snapshots form one chain (a single serial order of commits);
 *   <li>every acknowledged append is in the final table exactly once, and no id is duplicated;
 *   <li>every read saw exactly the ids appended by the commits up to the snapshot it read (a prefix
 *       of the serial order), so reads are consistent with that order;
 *   <li>the serial order respects real time: an operation that finished before another started
 *       comes no later in it (strict serializability).
 * </ol>
 */
class HistoryCheckTest {
  // CI size; a longer run: -Ddatashard.history.processes=8 -Ddatashard.history.ops=400
  static final int PROCESSES = Integer.getInteger("datashard.history.processes", 4);
  static final int OPS = Integer.getInteger("datashard.history.ops", 80);

  record Op(
      String kind,
      long start,
      long end,
      String outcome,
      long snapshot,
      Set<Long> ids,
      int process) {}

  @TempDir Path tmp;

  @Test
  void historyIsStrictlySerializable() throws Exception {
    Path dir = tmp.resolve("t");
    // keep every snapshot: the checker needs the whole chain
    DataShard.table(dir)
        .schema(Schema.parse("id long not null"))
        .property("datashard.snapshots.max-count", "1000000")
        .create();
    List<Process> procs = new ArrayList<>();
    for (int p = 0; p < PROCESSES; p++) {
      procs.add(
          ChildJvm.start(
              HistoryWorker.class,
              tmp.resolve("out-" + p),
              dir.toString(),
              Integer.toString(p),
              Integer.toString(OPS),
              tmp.resolve("log-" + p).toString()));
    }
    for (int p = 0; p < PROCESSES; p++) {
      assertThat(procs.get(p).waitFor(5, TimeUnit.MINUTES)).isTrue();
      assertThat(procs.get(p).exitValue()).as(Files.readString(tmp.resolve("out-" + p))).isZero();
    }
    List<Op> history = new ArrayList<>();
    for (int p = 0; p < PROCESSES; p++) {
      for (String line : Files.readAllLines(tmp.resolve("log-" + p))) {
        history.add(parse(line, p));
      }
    }
    assertThat(history).hasSize(PROCESSES * OPS);

    // 1. one chain of snapshots: position of each snapshot in the serial order
    Table table = DataShard.open(dir);
    List<Snapshot> snapshots = table.snapshots();
    Map<Long, Integer> position = new HashMap<>();
    Long expectedParent = null;
    for (int i = 0; i < snapshots.size(); i++) {
      Snapshot s = snapshots.get(i);
      assertThat(s.parentId()).as("parent of snapshot %d", i).isEqualTo(expectedParent);
      position.put(s.snapshotId(), i);
      expectedParent = s.snapshotId();
    }
    // ids appended by each snapshot, from the acknowledged appends' logs
    // (concurrent appends may share one snapshot through group commit: a snapshot adds a set of
    // ids)
    Map<Long, Set<Long>> idsBySnapshot = new HashMap<>();
    Set<Long> acknowledged = new HashSet<>();
    for (Op op : history) {
      if (op.kind().equals("append") && op.outcome().equals("ok")) {
        assertThat(position)
            .as("snapshot of acknowledged append %s", op.ids())
            .containsKey(op.snapshot());
        idsBySnapshot.computeIfAbsent(op.snapshot(), k -> new HashSet<>()).addAll(op.ids());
        assertThat(acknowledged.addAll(op.ids())).as("id appended twice").isTrue();
      }
    }
    // every commit carries acknowledged appends, but the automatic compactions (operation
    // replace), which rewrite rows without adding or removing any
    long compactions = snapshots.stream().filter(s -> "replace".equals(s.operation())).count();
    assertThat(idsBySnapshot).hasSize((int) (snapshots.size() - compactions));
    for (Snapshot s : snapshots) {
      if ("replace".equals(s.operation())) {
        assertThat(s.summaryLong("added-records", -1))
            .as("rows a compaction rewrote")
            .isEqualTo(s.summaryLong("deleted-records", -2));
        assertThat(s.summaryLong("total-records", -1))
            .isEqualTo(
                s.parentId() == null
                    ? 0
                    : table.snapshot(s.parentId()).summaryLong("total-records", -2));
        continue;
      }
      assertThat(s.summaryLong("added-records", -1))
          .as("rows added by snapshot %d", s.snapshotId())
          .isEqualTo(idsBySnapshot.get(s.snapshotId()).size());
    }

    // 2. final table: every acknowledged id once, nothing else
    Map<Long, Integer> finalCounts = new HashMap<>();
    for (Row r : table.scan().toList()) {
      finalCounts.merge((Long) r.get("id"), 1, Integer::sum);
    }
    assertThat(finalCounts.values()).allMatch(n -> n == 1);
    assertThat(finalCounts.keySet()).isEqualTo(acknowledged);

    // 3. each read saw exactly the prefix of the serial order up to its snapshot
    List<Set<Long>> prefix = new ArrayList<>();
    Set<Long> acc = new HashSet<>();
    for (Snapshot s : snapshots) {
      acc.addAll(idsBySnapshot.getOrDefault(s.snapshotId(), Set.of()));
      prefix.add(new HashSet<>(acc));
    }
    int reads = 0;
    for (Op op : history) {
      if (op.kind().equals("read")) {
        reads++;
        Set<Long> expected =
            op.snapshot() == -1 ? Set.of() : prefix.get(position.get(op.snapshot()));
        assertThat(op.ids())
            .as("read of snapshot %d by process %d", op.snapshot(), op.process())
            .isEqualTo(expected);
      }
    }
    assertThat(reads).isEqualTo(PROCESSES * OPS / 2);

    // 4. real time: if A ended before B started, A is not later than B in the serial order
    List<Op> placed = new ArrayList<>();
    for (Op op : history) {
      if (op.outcome().equals("ok")) {
        placed.add(op);
      }
    }
    long checked = 0;
    for (Op a : placed) {
      for (Op b : placed) {
        if (a.end() < b.start()) {
          checked++;
          int pa = order(a, position);
          int pb = order(b, position);
          assertThat(pa).as("%s then %s", a, b).isLessThanOrEqualTo(pb);
        }
      }
    }
    assertThat(checked).isGreaterThan(0);
  }

  /**
   * Position in the serial order: an append at its snapshot, a read at the snapshot it saw (-1:
   * none).
   */
  private static int order(Op op, Map<Long, Integer> position) {
    return op.snapshot() == -1 ? -1 : position.get(op.snapshot());
  }

  private static Op parse(String line, int process) {
    String[] f = line.split(" ", -1);
    Set<Long> ids = new HashSet<>();
    if (f[0].equals("append")) {
      ids.add(Long.parseLong(f[4]));
      return new Op(
          "append",
          Long.parseLong(f[1]),
          Long.parseLong(f[2]),
          f[3],
          Long.parseLong(f[5]),
          ids,
          process);
    }
    if (f.length > 5 && !f[5].isEmpty()) {
      for (String id : f[5].split(",")) {
        ids.add(Long.parseLong(id));
      }
    }
    return new Op(
        "read",
        Long.parseLong(f[1]),
        Long.parseLong(f[2]),
        f[3],
        Long.parseLong(f[4]),
        ids,
        process);
  }
}
