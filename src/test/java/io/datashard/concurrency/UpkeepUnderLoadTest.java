package io.datashard.concurrency;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import io.datashard.TableProperties;
import io.datashard.VerifyReport;
import io.datashard.interop.IcebergJava;
import io.datashard.testkit.AppendWorker;
import io.datashard.testkit.CheckingScanner;
import io.datashard.testkit.ChildJvm;
import io.datashard.testkit.DeleteWorker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The automatic upkeep under the headline load, with default settings but a short grace period:
 * child JVMs append (three of them) and append-then-delete (one), while another child reads the
 * table over and over, with time travel, checking every read. Compaction and cleanup run by
 * themselves in the committing processes. Afterwards every acknowledged row is there exactly once,
 * deleted rows are gone, the table keeps few data files and few files on disk, verify finds no
 * orphans, and Apache Iceberg Java reads the same rows.
 */
class UpkeepUnderLoadTest {
  static final int APPENDERS = 3;
  static final int APPENDS = 200;
  static final int DELETER = 7;
  static final int DELETER_ROWS = 60;
  static final long GRACE_MS = 1000;

  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {TableProperties.COPY_ON_WRITE, TableProperties.MERGE_ON_READ})
  void compactionAndCleanupUnderAppendsDeletesAndReadsLoseNothing(String writeMode)
      throws Exception {
    Path dir = tmp.resolve("table");
    DataShard.table(dir)
        .schema(Schema.parse("worker int not null, seq int not null"))
        .property(TableProperties.CLEANUP_GRACE_MS, Long.toString(GRACE_MS))
        .property(TableProperties.DELETE_MODE, writeMode)
        .property(TableProperties.MERGE_MODE, writeMode)
        .create();
    List<Process> writers = new ArrayList<>();
    List<Path> logs = new ArrayList<>();
    for (int w = 0; w < APPENDERS; w++) {
      Path log = tmp.resolve("worker-" + w + ".log");
      logs.add(log);
      writers.add(
          ChildJvm.start(
              AppendWorker.class,
              tmp.resolve("worker-" + w + ".out"),
              dir.toString(),
              Integer.toString(w),
              Integer.toString(APPENDS),
              log.toString()));
    }
    Path deleterLog = tmp.resolve("deleter.log");
    writers.add(
        ChildJvm.start(
            DeleteWorker.class,
            tmp.resolve("deleter.out"),
            dir.toString(),
            Integer.toString(DELETER),
            Integer.toString(DELETER_ROWS),
            deleterLog.toString()));
    Path stop = tmp.resolve("stop");
    Path scannerOut = tmp.resolve("scanner.out");
    Process scanner =
        ChildJvm.start(
            CheckingScanner.class,
            scannerOut,
            dir.toString(),
            stop.toString(),
            Integer.toString(APPENDERS));
    for (int i = 0; i < writers.size(); i++) {
      Process p = writers.get(i);
      assertThat(p.waitFor(8, TimeUnit.MINUTES)).as("writer %d finished", i).isTrue();
      assertThat(p.exitValue()).as("writer %d exit code", i).isZero();
    }
    Files.createFile(stop);
    assertThat(scanner.waitFor(3, TimeUnit.MINUTES)).as("scanner finished").isTrue();
    String scanned = Files.readString(scannerOut).strip();
    System.out.println("scanner: " + scanned);
    assertThat(scanner.exitValue()).as("scanner: %s", scanned).isZero();
    assertThat(scanned).startsWith("ok");

    Set<String> acknowledged = new HashSet<>();
    Set<String> unknown = new HashSet<>();
    List<String> failed = new ArrayList<>();
    for (int w = 0; w < APPENDERS; w++) {
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
    Set<String> deleted = new HashSet<>();
    for (String line : Files.readAllLines(deleterLog)) {
      String[] p = line.split(" "); // append|delete ok|unknown|failed SEQ
      String id = DELETER + "/" + p[2];
      if (p[1].equals("failed")) {
        failed.add("deleter: " + line);
      } else if (p[0].equals("append") || p[0].equals("upsert")) {
        (p[1].equals("ok") ? acknowledged : unknown).add(id);
      } else {
        (p[1].equals("ok") ? deleted : unknown).add(id);
      }
    }
    Table table = DataShard.open(dir);
    Map<String, Integer> seen = new HashMap<>();
    for (Row r : table.scan().toList()) {
      seen.merge(r.get("worker") + "/" + r.get("seq"), 1, Integer::sum);
    }
    List<String> lost =
        acknowledged.stream().filter(id -> !deleted.contains(id) && !seen.containsKey(id)).toList();
    List<String> notDeleted = deleted.stream().filter(seen::containsKey).toList();
    List<String> duplicated =
        seen.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
    List<String> unexpected =
        seen.keySet().stream()
            .filter(id -> !acknowledged.contains(id) && !unknown.contains(id))
            .toList();
    assertThat(failed).as("changes that failed").isEmpty();
    assertThat(lost).as("acknowledged but missing").isEmpty();
    assertThat(notDeleted).as("deleted but present").isEmpty();
    assertThat(duplicated).as("present more than once").isEmpty();
    assertThat(unexpected).as("never appended").isEmpty();

    long appends = (long) APPENDERS * APPENDS + DELETER_ROWS;
    int liveFiles = table.scan().files().size();
    long compactions =
        table.snapshots().stream().filter(s -> "replace".equals(s.operation())).count();
    long deleteFiles = table.currentSnapshot().orElseThrow().summaryLong("total-delete-files", 0);
    System.out.printf(
        "%s: %d appends: %d live data files, %d delete files, %d compactions among the retained "
            + "snapshots%n",
        writeMode, appends, liveFiles, deleteFiles, compactions);
    // the deleter logs what each of its deletes wrote: position deletes, or rewritten files
    long positionDeletes =
        Files.readAllLines(deleterLog).stream()
            .filter(l -> l.startsWith("delete ok") && l.contains(" positions=1"))
            .count();
    assertThat(positionDeletes)
        .as("deletes that wrote a position delete")
        .matches(
            n -> writeMode.equals(TableProperties.MERGE_ON_READ) ? n > 0 : n == 0,
            "some in merge-on-read, none in copy-on-write");
    assertThat(liveFiles).as("live data files after %d appends", appends).isLessThan(100);

    // After the grace period, the next commits' cleanup deletes what dropped snapshots used.
    Thread.sleep(GRACE_MS + 200);
    for (int i = 0; i < 10; i++) {
      table.newAppend().add(Map.of("worker", 99, "seq", i)).commit();
    }
    long manifestLists;
    try (Stream<Path> s = Files.list(dir.resolve("metadata"))) {
      manifestLists = s.filter(p -> p.getFileName().toString().startsWith("snap-")).count();
    }
    long commits = table.refresh().currentSnapshot().map(Snapshot::sequenceNumber).orElse(0L);
    System.out.printf("%d commits: %d manifest lists on disk%n", commits, manifestLists);
    assertThat(manifestLists).as("manifest lists on disk").isLessThan(commits / 2);
    VerifyReport report = DataShard.verify(dir, true);
    assertThat(report.errors()).isEmpty();
    assertThat(report.warnings())
        .as("orphans")
        .noneMatch(p -> p.kind() == VerifyReport.Kind.ORPHAN);
    IcebergJava.assertSameAsDataShard(dir, false);
  }
}
