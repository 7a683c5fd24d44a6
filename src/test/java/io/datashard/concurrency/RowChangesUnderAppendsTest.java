package io.datashard.concurrency;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deletes and upserts while child processes append. Worker 0's rows are deleted again and again
 * while it keeps appending (each delete's snapshot holds none of them: a concurrent append of a
 * matching row makes the delete re-run); worker 1's rows get upserted; worker 8's one row is
 * overwritten each round; worker 2's rows are never touched. Nothing acknowledged that no delete
 * removed may be missing, and no key appears twice.
 */
class RowChangesUnderAppendsTest {
  static final int APPENDS = 60;

  @TempDir Path tmp;

  @Test
  void deletesAndUpsertsNeverLoseOrDuplicateConcurrentAppends() throws Exception {
    Path dir = tmp.resolve("table");
    DataShard.table(dir)
        .schema(Schema.parse("worker int not null, seq int not null, v string"))
        .property("datashard.snapshots.max-count", "100000")
        .create();
    List<Process> procs = new ArrayList<>();
    for (int w = 0; w < 3; w++) {
      procs.add(
          ChildJvm.start(
              PacedAppendWorker.class,
              tmp.resolve("worker-" + w + ".out"),
              dir.toString(),
              Integer.toString(w),
              Integer.toString(APPENDS),
              tmp.resolve("worker-" + w + ".log").toString(),
              "25"));
    }
    Table table = DataShard.open(dir);
    List<Long> deleteSnapshots = new ArrayList<>();
    Set<Integer> upserted = new HashSet<>();
    int round = 0;
    while (procs.stream().anyMatch(Process::isAlive)) {
      Optional<Snapshot> d = table.newDelete().where("worker = 0").commit();
      d.ifPresent(s -> deleteSnapshots.add(s.snapshotId()));
      // upsert the worker-1 rows seen so far with v = 'u', plus one new key per round
      List<Map<String, Object>> up = new ArrayList<>();
      for (Row r : table.scan().filter("worker = 1").toList()) {
        int seq = (Integer) r.get("seq");
        if (upserted.add(seq)) {
          up.add(Map.of("worker", 1, "seq", seq, "v", "u"));
        }
      }
      up.add(Map.of("worker", 9, "seq", round, "v", "new"));
      table.newUpsert().key("worker", "seq").addAll(up).commit();
      // worker 8 exists only through overwrites: each replaces the one row the last one wrote
      table
          .newOverwrite()
          .where("worker = 8")
          .add(Map.of("worker", 8, "seq", round, "v", "ow"))
          .commit();
      round++;
      Thread.sleep(10);
    }
    for (int w = 0; w < 3; w++) {
      assertThat(procs.get(w).waitFor(5, TimeUnit.MINUTES)).isTrue();
      assertThat(procs.get(w).exitValue())
          .as(Files.readString(tmp.resolve("worker-" + w + ".out")))
          .isZero();
    }
    Map<String, Integer> count = new HashMap<>();
    Map<String, Object> value = new HashMap<>();
    for (Row r : table.refresh().scan().toList()) {
      String k = r.get("worker") + "/" + r.get("seq");
      count.merge(k, 1, Integer::sum);
      value.put(k, r.get("v"));
    }
    assertThat(count.values()).as("no key twice").allMatch(n -> n == 1);
    for (int w = 1; w < 3; w++) {
      for (String line : Files.readAllLines(tmp.resolve("worker-" + w + ".log"))) {
        String[] p = line.split(" ");
        assertThat(p[0]).as(line).isNotEqualTo("failed");
        if (p[0].equals("ok")) {
          String k = w + "/" + p[1];
          assertThat(count).as("acknowledged append %s is present", k).containsKey(k);
          if (w == 1 && upserted.contains(Integer.parseInt(p[1]))) {
            assertThat(value.get(k)).isEqualTo("u");
          }
        }
      }
    }
    for (int i = 0; i < round; i++) {
      assertThat(value.get("9/" + i)).isEqualTo("new");
    }
    assertThat(count.keySet().stream().filter(k -> k.startsWith("8/")))
        .as("one row left by the overwrites")
        .containsExactly("8/" + (round - 1));
    assertThat(deleteSnapshots).as("deletes that removed rows").isNotEmpty();
    for (long s : deleteSnapshots) {
      assertThat(table.scan().useSnapshot(s).filter("worker = 0").count())
          .as("worker-0 rows in delete snapshot %d", s)
          .isZero();
    }
    // worker 0's rows still present were all appended after the last delete that removed rows
    Set<String> ackedByZero = new HashSet<>();
    for (String line : Files.readAllLines(tmp.resolve("worker-0.log"))) {
      String[] p = line.split(" ");
      assertThat(p[0]).as(line).isNotEqualTo("failed");
      if (!p[0].equals("failed")) {
        ackedByZero.add("0/" + p[1]);
      }
    }
    count.keySet().stream()
        .filter(k -> k.startsWith("0/"))
        .forEach(k -> assertThat(ackedByZero).contains(k));
    System.out.println(
        "RowChangesUnderAppendsTest: "
            + deleteSnapshots.size()
            + " deletes, "
            + upserted.size()
            + " rows upserted, conflict re-runs "
            + table.conflictRetries());
    IcebergJava.assertSameAsDataShard(dir, false);
  }
}
