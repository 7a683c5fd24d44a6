package io.datashard.concurrency;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import io.datashard.interop.IcebergJava;
import io.datashard.testkit.AppendWorker;
import io.datashard.testkit.ChildJvm;
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
 * Several OS processes append to one table at once; afterwards every acknowledged append is in the
 * table exactly once, counted by reading the rows back.
 */
class MultiProcessAppendTest {
  static final int PROCESSES = 4;
  static final int APPENDS = 200;

  @TempDir Path tmp;

  @Test
  void everyAcknowledgedAppendIsPresentExactlyOnce() throws Exception {
    appendAndCheck(Map.of());
  }

  /**
   * With a metadata log of two, each version file is removed three commits after it was written:
   * writers that fell behind meet removed versions, whose slots must never take a new version.
   */
  @Test
  void nothingIsLostWhenOldVersionsGoWithinAFewCommits() throws Exception {
    appendAndCheck(Map.of("write.metadata.previous-versions-max", "2"));
  }

  private void appendAndCheck(Map<String, String> properties) throws Exception {
    Path dir = tmp.resolve("table");
    // keep every snapshot, to check each acknowledged append made exactly one
    DataShard.TableBuilder builder =
        DataShard.table(dir)
            .schema(Schema.parse("worker int not null, seq int not null"))
            .property("datashard.snapshots.max-count", "100000");
    properties.forEach(builder::property);
    builder.create();
    List<Process> procs = new ArrayList<>();
    List<Path> logs = new ArrayList<>();
    for (int w = 0; w < PROCESSES; w++) {
      Path log = tmp.resolve("worker-" + w + ".log");
      Path out = tmp.resolve("worker-" + w + ".out");
      logs.add(log);
      procs.add(
          ChildJvm.start(
              AppendWorker.class,
              out,
              dir.toString(),
              Integer.toString(w),
              Integer.toString(APPENDS),
              log.toString()));
    }
    for (int w = 0; w < PROCESSES; w++) {
      assertThat(procs.get(w).waitFor(8, TimeUnit.MINUTES)).as("worker %d finished", w).isTrue();
      assertThat(procs.get(w).exitValue())
          .as(
              "worker %d exit code; output: %s",
              w, Files.readString(tmp.resolve("worker-" + w + ".out")))
          .isZero();
    }

    Set<String> acknowledged = new HashSet<>();
    Set<Long> ackSnapshots = new HashSet<>();
    int failed = 0;
    for (int w = 0; w < PROCESSES; w++) {
      for (String line : Files.readAllLines(logs.get(w))) {
        String[] p = line.split(" ");
        if (p[0].equals("ok")) {
          acknowledged.add(w + "/" + p[1]);
          ackSnapshots.add(Long.parseLong(p[2]));
        } else if (p[0].equals("failed")) {
          failed++;
        }
      }
    }
    Table table = DataShard.open(dir);
    Map<String, Integer> seen = new HashMap<>();
    for (Row r : table.scan().toList()) {
      seen.merge(r.get("worker") + "/" + r.get("seq"), 1, Integer::sum);
    }
    List<String> lost = new ArrayList<>();
    for (String id : acknowledged) {
      if (!seen.containsKey(id)) {
        lost.add(id);
      }
    }
    List<String> duplicated = new ArrayList<>();
    seen.forEach(
        (id, n) -> {
          if (n > 1) {
            duplicated.add(id);
          }
        });
    assertThat(failed).as("appends that failed outright").isZero();
    assertThat(acknowledged).hasSize(PROCESSES * APPENDS);
    assertThat(lost).as("acknowledged but missing").isEmpty();
    assertThat(duplicated).as("present more than once").isEmpty();
    assertThat(seen).hasSize(PROCESSES * APPENDS);
    assertThat(table.scan().count()).isEqualTo(PROCESSES * APPENDS);
    // every acknowledged append names a snapshot of one linear history; concurrent appends may
    // share a snapshot (group commit), whose summary then counts all their rows
    Set<Long> tableSnapshots = new HashSet<>();
    long addedRecords = 0;
    Long parent = null;
    for (Snapshot s : table.snapshots()) {
      assertThat(s.parentId()).isEqualTo(parent);
      parent = s.snapshotId();
      tableSnapshots.add(s.snapshotId());
      if (!"replace".equals(s.operation())) { // automatic compactions rewrite, adding no rows
        addedRecords += s.summaryLong("added-records", -1);
      }
    }
    assertThat(tableSnapshots).containsAll(ackSnapshots);
    assertThat(addedRecords).isEqualTo(PROCESSES * APPENDS);
    assertThat(table.snapshots().size()).isLessThanOrEqualTo(PROCESSES * APPENDS);
    System.out.println(
        "MultiProcessAppendTest: "
            + PROCESSES * APPENDS
            + " appends in "
            + table.snapshots().size()
            + " snapshots");
    // Apache Iceberg Java sees the same history and rows
    IcebergJava.assertSameAsDataShard(dir, false);
  }
}
