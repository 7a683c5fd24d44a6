package io.datashard.concurrency;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.CommitConflictException;
import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import io.datashard.interop.IcebergJava;
import io.datashard.testkit.ChildJvm;
import io.datashard.testkit.PacedAppendWorker;
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
 * Rollbacks while child processes append. The rule under test: a rollback discards only rows its
 * caller saw (those of the snapshot it was decided against, the one {@code expectCurrent} names);
 * if anything else was committed on main in between, it fails with {@link CommitConflictException}
 * and commits nothing. So afterwards the table holds exactly the acknowledged rows minus the rows
 * the successful rollbacks discarded, each of which was in the snapshot that rollback had seen.
 */
class RollbackUnderAppendsTest {
  static final int PROCESSES = 3;
  static final int APPENDS = 50;

  @TempDir Path tmp;

  private static Set<String> ids(Table t, long snapshotId) {
    Set<String> out = new HashSet<>();
    for (Row r : t.scan().useSnapshot(snapshotId).toList()) {
      out.add(r.get("worker") + "/" + r.get("seq"));
    }
    return out;
  }

  @Test
  void aRollbackNeverDiscardsAnAppendItHasNotSeen() throws Exception {
    Path dir = tmp.resolve("table");
    DataShard.table(dir)
        .schema(Schema.parse("worker int not null, seq int not null"))
        .property("datashard.snapshots.max-count", "100000")
        .create();
    List<Process> procs = new ArrayList<>();
    List<Path> logs = new ArrayList<>();
    for (int w = 0; w < PROCESSES; w++) {
      Path log = tmp.resolve("worker-" + w + ".log");
      logs.add(log);
      procs.add(
          ChildJvm.start(
              PacedAppendWorker.class,
              tmp.resolve("worker-" + w + ".out"),
              dir.toString(),
              Integer.toString(w),
              Integer.toString(APPENDS),
              log.toString(),
              "100"));
    }
    Table table = DataShard.open(dir);
    Set<String> discarded = new HashSet<>();
    int successes = 0;
    int conflicts = 0;
    int round = 0;
    while (procs.stream().anyMatch(Process::isAlive)) {
      Snapshot seen = table.currentSnapshot().orElse(null);
      // only roll back a plain append, to its parent: rows discarded once never come back
      if (seen == null || seen.parentId() == null || !"append".equals(seen.operation())) {
        Thread.sleep(20);
        continue;
      }
      long target = seen.parentId();
      // every third round decides, then dawdles: the workers almost surely commit meanwhile
      Thread.sleep(round++ % 3 == 2 ? 400 : 0);
      try {
        Snapshot r = table.rollback().toSnapshot(target).expectCurrent(seen.snapshotId()).commit();
        assertThat(r.parentId()).isEqualTo(seen.snapshotId());
        Set<String> gone = ids(table, seen.snapshotId());
        gone.removeAll(ids(table, target));
        assertThat(ids(table, r.snapshotId())).isEqualTo(ids(table, target));
        discarded.addAll(gone);
        successes++;
      } catch (CommitConflictException e) {
        assertThat(e.getMessage()).contains("another process committed in between");
        conflicts++;
      }
      Thread.sleep(30);
    }
    for (int w = 0; w < PROCESSES; w++) {
      assertThat(procs.get(w).waitFor(5, TimeUnit.MINUTES)).isTrue();
      assertThat(procs.get(w).exitValue())
          .as("worker %d: %s", w, Files.readString(tmp.resolve("worker-" + w + ".out")))
          .isZero();
    }

    Set<String> acknowledged = new HashSet<>();
    Set<String> unknown = new HashSet<>();
    for (int w = 0; w < PROCESSES; w++) {
      for (String line : Files.readAllLines(logs.get(w))) {
        String[] p = line.split(" ");
        if (p[0].equals("ok")) {
          acknowledged.add(w + "/" + p[1]);
        } else if (p[0].equals("unknown")) {
          unknown.add(w + "/" + p[1]);
        }
        assertThat(p[0]).as("append outcome: %s", line).isNotEqualTo("failed");
      }
    }
    Map<String, Integer> seenCount = new HashMap<>();
    for (Row r : table.refresh().scan().toList()) {
      seenCount.merge(r.get("worker") + "/" + r.get("seq"), 1, Integer::sum);
    }
    assertThat(seenCount.values()).as("no row twice").allMatch(n -> n == 1);
    Set<String> expected = new HashSet<>(acknowledged);
    expected.removeAll(discarded);
    Set<String> present = new HashSet<>(seenCount.keySet());
    present.removeAll(unknown);
    assertThat(acknowledged).containsAll(discarded);
    assertThat(present)
        .as("acknowledged rows minus the ones rollbacks saw and discarded")
        .isEqualTo(expected);
    assertThat(successes).as("rollbacks that committed").isPositive();
    assertThat(conflicts)
        .as("rollbacks refused because an append landed after the decision")
        .isPositive();
    System.out.println(
        "RollbackUnderAppendsTest: "
            + acknowledged.size()
            + " acknowledged appends, "
            + successes
            + " rollbacks committed ("
            + discarded.size()
            + " rows discarded), "
            + conflicts
            + " refused");
    IcebergJava.assertSameAsDataShard(dir, false);
  }
}
