package io.datashard.concurrency;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Table;
import io.datashard.cli.StressWorker;
import io.datashard.interop.IcebergJava;
import io.datashard.testkit.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several OS processes increment one counter with serializable read-modify-write transactions; the
 * final value, read from the table, equals the number of acknowledged increments, and no two
 * increments returned the same value (no lost update).
 */
class MultiProcessCounterTest {
  static final int PROCESSES = 4;
  static final int INCREMENTS = 25;

  @TempDir Path tmp;

  @Test
  void noIncrementIsLost() throws Exception {
    Path dir = tmp.resolve("counter");
    DataShard.create(dir, Schema.parse("value long not null, process int"));
    Path go = tmp.resolve("go");
    Files.createFile(go);
    List<Process> procs = new ArrayList<>();
    for (int p = 0; p < PROCESSES; p++) {
      procs.add(
          ChildJvm.start(
              StressWorker.class,
              tmp.resolve("out-" + p),
              "counter",
              dir.toString(),
              Integer.toString(p),
              Integer.toString(INCREMENTS),
              tmp.resolve("log-" + p).toString(),
              tmp.resolve("ready-" + p).toString(),
              go.toString()));
    }
    for (int p = 0; p < PROCESSES; p++) {
      assertThat(procs.get(p).waitFor(5, TimeUnit.MINUTES)).isTrue();
      assertThat(procs.get(p).exitValue()).as(Files.readString(tmp.resolve("out-" + p))).isZero();
    }
    Set<Long> returned = new HashSet<>();
    int acknowledged = 0;
    for (int p = 0; p < PROCESSES; p++) {
      for (String line : Files.readAllLines(tmp.resolve("log-" + p))) {
        if (line.startsWith("ok ")) {
          acknowledged++;
          assertThat(returned.add(Long.parseLong(line.split(" ")[2])))
              .as("value returned twice: " + line)
              .isTrue();
        }
      }
    }
    Table table = DataShard.open(dir);
    List<Row> rows = table.scan().toList();
    assertThat(rows).hasSize(1);
    assertThat(acknowledged).isEqualTo(PROCESSES * INCREMENTS);
    assertThat(rows.get(0).get("value")).isEqualTo((long) PROCESSES * INCREMENTS);
    assertThat(table.currentSnapshot().orElseThrow().sequenceNumber())
        .as("one commit per increment")
        .isEqualTo((long) PROCESSES * INCREMENTS);
    IcebergJava.assertSameAsDataShard(dir, false);
  }
}
