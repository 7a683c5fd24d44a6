package io.datashard.concurrency;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.Schema;
import io.datashard.Table;
import io.datashard.testkit.AppendWorker;
import io.datashard.testkit.ChildJvm;
import io.datashard.testkit.ConsumerWorker;
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
 * Two OS processes of one consumer follow a table while two others append to it: each batch is
 * committed by exactly one of them, the committed batches form one unbroken line of snapshots, and
 * every acknowledged row is received exactly once in all.
 */
class ConsumersUnderAppendsTest {
  @TempDir Path tmp;

  @Test
  void twoProcessesOfOneConsumerNeverCommitTheSameChanges() throws Exception {
    Path dir = tmp.resolve("t");
    Table table = DataShard.create(dir, Schema.parse("worker int not null, seq int not null"));
    Path stop = tmp.resolve("stop");
    List<Process> appenders = new ArrayList<>();
    List<Path> appendLogs = new ArrayList<>();
    for (int w = 0; w < 2; w++) {
      Path log = tmp.resolve("append-" + w + ".log");
      appendLogs.add(log);
      appenders.add(
          ChildJvm.start(
              AppendWorker.class,
              tmp.resolve("append-" + w + ".out"),
              dir.toString(),
              Integer.toString(w),
              "150",
              log.toString()));
    }
    List<Process> consumers = new ArrayList<>();
    List<Path> consumerLogs = new ArrayList<>();
    for (int c = 0; c < 2; c++) {
      Path log = tmp.resolve("consumer-" + c + ".log");
      consumerLogs.add(log);
      consumers.add(
          ChildJvm.start(
              ConsumerWorker.class,
              tmp.resolve("consumer-" + c + ".out"),
              dir.toString(),
              "shared",
              log.toString(),
              stop.toString()));
    }
    for (Process p : appenders) {
      assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
      assertThat(p.exitValue()).isZero();
    }
    Files.createFile(stop);
    for (int c = 0; c < 2; c++) {
      assertThat(consumers.get(c).waitFor(5, TimeUnit.MINUTES)).isTrue();
      assertThat(consumers.get(c).exitValue())
          .as(Files.readString(tmp.resolve("consumer-" + c + ".out")))
          .isZero();
    }
    Set<String> acknowledged = new HashSet<>();
    for (int w = 0; w < 2; w++) {
      for (String line : Files.readAllLines(appendLogs.get(w))) {
        String[] f = line.split(" ");
        assertThat(f[0]).as(line).isEqualTo("ok");
        acknowledged.add(w + " " + f[1]);
      }
    }
    Map<Long, Long> nextOf = new HashMap<>();
    Map<String, Integer> received = new HashMap<>();
    int[] batches = new int[2];
    long lost = 0;
    for (int c = 0; c < 2; c++) {
      for (String line : Files.readAllLines(consumerLogs.get(c))) {
        String[] f = line.split(" ");
        switch (f[0]) {
          case "batch" -> {
            batches[c]++;
            Long before = nextOf.put(Long.parseLong(f[1]), Long.parseLong(f[2]));
            assertThat(before).as("two batches committed from snapshot %s", f[1]).isNull();
          }
          case "row" -> {
            assertThat(f[3]).isEqualTo("INSERT");
            received.merge(f[1] + " " + f[2], 1, Integer::sum);
          }
          case "lost" -> lost++;
          default -> throw new AssertionError(line);
        }
      }
    }
    // the committed batches chain from the start to the current snapshot
    long at = 0;
    int steps = 0;
    while (nextOf.containsKey(at)) {
      at = nextOf.get(at);
      steps++;
    }
    assertThat(steps).as("every committed batch is on one line").isEqualTo(nextOf.size());
    assertThat(at).isEqualTo(table.refresh().currentSnapshot().orElseThrow().snapshotId());
    assertThat(received.keySet()).isEqualTo(acknowledged);
    assertThat(received.values()).allMatch(n -> n == 1);
    System.out.printf(
        "ConsumersUnderAppendsTest: %d rows, batches committed %d + %d, lost races %d%n",
        acknowledged.size(), batches[0], batches[1], lost);
  }
}
