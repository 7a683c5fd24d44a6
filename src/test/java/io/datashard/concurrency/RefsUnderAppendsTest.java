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
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tags and branch appends while child processes append to main: ref changes rebase like appends, so
 * no acknowledged append to main is lost or duplicated, the branch holds exactly its base rows plus
 * its own appends, and each tag reads the rows its snapshot had.
 */
class RefsUnderAppendsTest {
  static final int PROCESSES = 2;
  static final int APPENDS = 40;

  @TempDir Path tmp;

  private static Set<String> ids(List<Row> rows) {
    Set<String> out = new HashSet<>();
    rows.forEach(r -> out.add(r.get("worker") + "/" + r.get("seq")));
    assertThat(out).as("no row twice").hasSize(rows.size());
    return out;
  }

  @Test
  void refChangesAndBranchAppendsLoseNoAppendToMain() throws Exception {
    Path dir = tmp.resolve("table");
    Table table =
        DataShard.table(dir)
            .schema(Schema.parse("worker int not null, seq int not null"))
            .property("datashard.snapshots.max-count", "5")
            .property("history.expire.min-snapshots-to-keep", "1")
            .create();
    table.append(List.of(Map.of("worker", -1, "seq", 0)));
    table.branch("dev").create();
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
              "20"));
    }
    Map<String, Set<String>> tagged = new HashMap<>();
    Set<String> devRows = new HashSet<>(Set.of("-1/0"));
    int i = 0;
    while (procs.stream().anyMatch(Process::isAlive)) {
      Snapshot s = table.newAppend().toBranch("dev").add(Map.of("worker", 99, "seq", i)).commit();
      devRows.add("99/" + i);
      assertThat(table.refs().get("dev").snapshotId()).isEqualTo(s.snapshotId());
      String tag = "t" + i;
      long at = table.tag(tag).create().snapshotId();
      tagged.put(tag, ids(table.scan().useSnapshot(at).toList()));
      i++;
    }
    for (int w = 0; w < PROCESSES; w++) {
      assertThat(procs.get(w).waitFor(5, TimeUnit.MINUTES)).isTrue();
      assertThat(procs.get(w).exitValue()).isZero();
    }
    Set<String> acknowledged = new HashSet<>(Set.of("-1/0"));
    for (int w = 0; w < PROCESSES; w++) {
      for (String line : Files.readAllLines(logs.get(w))) {
        String[] p = line.split(" ");
        assertThat(p[0]).as(line).isEqualTo("ok");
        acknowledged.add(w + "/" + p[1]);
      }
    }
    table.refresh();
    assertThat(ids(table.scan().toList())).as("main").isEqualTo(acknowledged);
    assertThat(ids(table.scan().useRef("dev").toList())).as("dev").isEqualTo(devRows);
    // every tag still reads what its snapshot had, although retention keeps only 5 untagged
    // snapshots
    assertThat(tagged).isNotEmpty();
    for (Map.Entry<String, Set<String>> e : tagged.entrySet()) {
      assertThat(ids(table.scan().useRef(e.getKey()).toList()))
          .as(e.getKey())
          .isEqualTo(e.getValue());
    }
    IcebergJava.assertSameAsDataShard(dir, false);
    System.out.println(
        "RefsUnderAppendsTest: "
            + acknowledged.size()
            + " rows on main, "
            + i
            + " branch appends and "
            + tagged.size()
            + " tags meanwhile");
  }
}
