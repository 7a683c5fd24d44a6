package io.datashard.concurrency;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.CommitConflictException;
import io.datashard.DataShard;
import io.datashard.MaintenanceResult;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Table;
import io.datashard.TableOptions;
import io.datashard.TableProperties;
import io.datashard.internal.TableCore;
import io.datashard.internal.commit.Appends;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.interop.IcebergJava;
import io.datashard.testkit.AppendWorker;
import io.datashard.testkit.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
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
 * Child JVMs append one row per commit while this process repeatedly compacts, expires snapshots
 * and removes orphan files (with a grace period of a few seconds). Afterwards every acknowledged
 * append is in the table exactly once, and Apache Iceberg Java reads the same rows.
 */
class MaintenanceUnderLoadTest {
  static final int PROCESSES = 3;
  static final int APPENDS = 150;

  /** Also the tables' write window: gc's grace may not be shorter. */
  static final Duration GRACE = Duration.ofSeconds(20);

  @TempDir Path tmp;

  @Test
  void maintenanceWhileOtherProcessesAppendLosesNothing() throws Exception {
    Path dir = tmp.resolve("table");
    DataShard.table(dir)
        .schema(Schema.parse("worker int not null, seq int not null"))
        .property(TableProperties.WRITE_WINDOW_MS, Long.toString(GRACE.toMillis()))
        .create();
    List<Process> procs = new ArrayList<>();
    List<Path> logs = new ArrayList<>();
    for (int w = 0; w < PROCESSES; w++) {
      Path log = tmp.resolve("worker-" + w + ".log");
      logs.add(log);
      procs.add(
          ChildJvm.start(
              AppendWorker.class,
              tmp.resolve("worker-" + w + ".out"),
              dir.toString(),
              Integer.toString(w),
              Integer.toString(APPENDS),
              log.toString()));
    }
    Table table = DataShard.open(dir);
    TableCore core = TableCore.open(dir, TableOptions.defaults());
    int rounds = 0;
    int compactions = 0;
    int conflicts = 0;
    long expired = 0;
    long orphansRemoved = 0;
    int inFlight = 0;
    while (procs.stream().anyMatch(Process::isAlive) || rounds < 3) {
      rounds++;
      // An in-flight commit of this process: its files are written, not yet committed, while gc
      // runs.
      TableMetadata base = core.refresh();
      Appends.Prepared staged =
          core.appends().prepare(base, List.of(Map.of("worker", 99, "seq", rounds)));
      // An old stray file: a real orphan that gc must remove.
      Path stray = Files.writeString(dir.resolve("data/stray-" + rounds + ".parquet"), "x");
      Files.setLastModifiedTime(stray, FileTime.from(Instant.now().minus(Duration.ofMinutes(1))));
      try {
        MaintenanceResult c = table.maintenance().compact().run();
        if (c.snapshotId().isPresent()) {
          compactions++;
        }
      } catch (CommitConflictException e) {
        conflicts++;
      }
      try {
        expired +=
            table
                .maintenance()
                .expireSnapshots()
                .olderThan(Instant.now())
                .retainLast(3)
                .run()
                .expiredSnapshots()
                .size();
      } catch (CommitConflictException e) {
        conflicts++;
      }
      MaintenanceResult gc = table.maintenance().removeOrphanFiles().olderThan(GRACE).run();
      orphansRemoved += gc.deletedFiles().size();
      assertThat(gc.deletedFiles()).contains(stray.toString());
      assertThat(stray).doesNotExist();
      staged.commit();
      inFlight++;
    }
    for (int w = 0; w < PROCESSES; w++) {
      assertThat(procs.get(w).waitFor(8, TimeUnit.MINUTES)).as("worker %d finished", w).isTrue();
      assertThat(procs.get(w).exitValue())
          .as(
              "worker %d exit code; output: %s",
              w, Files.readString(tmp.resolve("worker-" + w + ".out")))
          .isZero();
    }
    System.out.printf(
        "maintenance rounds %d: %d compactions, %d conflicts, %d snapshots expired, "
            + "%d orphan files removed%n",
        rounds, compactions, conflicts, expired, orphansRemoved);

    Set<String> acknowledged = new HashSet<>();
    Set<String> unknown = new HashSet<>();
    List<String> failed = new ArrayList<>();
    for (int w = 0; w < PROCESSES; w++) {
      for (String line : Files.readAllLines(logs.get(w))) {
        String[] p = line.split(" ");
        if (p[0].equals("ok")) {
          acknowledged.add(w + "/" + p[1]);
        } else if (p[0].equals("unknown")) {
          unknown.add(w + "/" + p[1]);
        } else {
          failed.add(w + ": " + line);
        }
      }
    }
    for (int r = 1; r <= inFlight; r++) {
      acknowledged.add("99/" + r);
    }
    // a final compaction and expiry, then check every row once
    table.maintenance().compact().run();
    table.maintenance().expireSnapshots().olderThan(Instant.now()).retainLast(3).run();
    Map<String, Integer> seen = new HashMap<>();
    for (Row r : table.refresh().scan().toList()) {
      seen.merge(r.get("worker") + "/" + r.get("seq"), 1, Integer::sum);
    }
    List<String> lost = acknowledged.stream().filter(id -> !seen.containsKey(id)).toList();
    List<String> duplicated =
        seen.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
    List<String> unexpected =
        seen.keySet().stream()
            .filter(id -> !acknowledged.contains(id) && !unknown.contains(id))
            .toList();
    assertThat(failed).as("appends that failed").isEmpty();
    assertThat(acknowledged).hasSize(PROCESSES * APPENDS - unknown.size() + inFlight);
    assertThat(lost).as("acknowledged but missing").isEmpty();
    assertThat(duplicated).as("present more than once").isEmpty();
    assertThat(unexpected).as("never appended").isEmpty();
    assertThat(compactions).as("compactions that committed").isPositive();
    assertThat(expired).as("snapshots expired").isPositive();
    assertThat(table.scan().files()).as("data files after the final compaction").hasSize(1);
    IcebergJava.assertSameAsDataShard(dir, true);
  }
}
