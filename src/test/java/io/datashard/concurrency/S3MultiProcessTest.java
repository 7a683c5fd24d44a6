package io.datashard.concurrency;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Table;
import io.datashard.storage.S3Storage;
import io.datashard.testkit.AppendWorker;
import io.datashard.testkit.ChildJvm;
import io.datashard.testkit.CounterWorker;
import io.datashard.testkit.S3Proxy;
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
 * Writers that share nothing but an S3 bucket: 4 processes append to one {@code s3://} table (1,000
 * commits in all) while 4 run serializable counter transactions on another. There are no locks on
 * object storage: every commit races on the conditional put of the next metadata file, and the
 * losers rebase. Afterwards nothing acknowledged is lost or duplicated and the counter is exact.
 */
class S3MultiProcessTest {
  static final int PROCESSES = 4;
  static final int APPENDS = 250;
  static final int TRANSACTIONS = 25;

  @TempDir Path tmp;

  @Test
  void appendsAndCounterTransactionsFromManyProcessesOnS3() throws Exception {
    try (S3Proxy server = S3Proxy.start(tmp.resolve("s3"))) {
      server.createBucket("lake");
      String appends = "s3://lake/multi/appends";
      String counter = "s3://lake/multi/counter";
      try (S3Storage s3 = server.storage()) {
        DataShard.table(s3, appends)
            .schema(Schema.parse("worker int not null, seq int not null"))
            .create();
        DataShard.table(s3, counter)
            .schema(Schema.parse("n long not null, worker long not null"))
            .create();
      }
      List<Process> procs = new ArrayList<>();
      List<Path> appendLogs = new ArrayList<>();
      List<Path> counterLogs = new ArrayList<>();
      long start = System.nanoTime();
      for (int w = 0; w < PROCESSES; w++) {
        Path log = tmp.resolve("append-" + w + ".log");
        appendLogs.add(log);
        procs.add(
            ChildJvm.start(
                server.environment(),
                AppendWorker.class,
                tmp.resolve("append-" + w + ".out"),
                appends,
                Integer.toString(w),
                Integer.toString(APPENDS),
                log.toString()));
        Path clog = tmp.resolve("counter-" + w + ".log");
        counterLogs.add(clog);
        procs.add(
            ChildJvm.start(
                server.environment(),
                CounterWorker.class,
                tmp.resolve("counter-" + w + ".out"),
                counter,
                Integer.toString(w),
                Integer.toString(TRANSACTIONS),
                clog.toString()));
      }
      for (Process p : procs) {
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).as("worker finished").isTrue();
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      for (int i = 0; i < procs.size(); i++) {
        String name = (i % 2 == 0 ? "append-" : "counter-") + (i / 2);
        assertThat(procs.get(i).exitValue())
            .as("%s exit code; output: %s", name, Files.readString(tmp.resolve(name + ".out")))
            .isZero();
      }

      Set<String> acknowledged = new HashSet<>();
      List<String> failures = new ArrayList<>();
      for (int w = 0; w < PROCESSES; w++) {
        for (String line : Files.readAllLines(appendLogs.get(w))) {
          String[] p = line.split(" ", 3);
          if (p[0].equals("ok")) {
            acknowledged.add(w + "/" + p[1]);
          } else {
            failures.add("append " + line);
          }
        }
      }
      List<Long> counted = new ArrayList<>();
      for (Path log : counterLogs) {
        for (String line : Files.readAllLines(log)) {
          String[] p = line.split(" ", 2);
          if (p[0].equals("ok")) {
            counted.add(Long.parseLong(p[1]));
          } else {
            failures.add("counter " + line);
          }
        }
      }
      assertThat(failures).as("operations that did not succeed").isEmpty();

      try (S3Storage s3 = server.storage()) {
        Table t = DataShard.table(s3, appends).open();
        Map<String, Integer> seen = new HashMap<>();
        for (Row r : t.scan().toList()) {
          seen.merge(r.get("worker") + "/" + r.get("seq"), 1, Integer::sum);
        }
        assertThat(acknowledged).hasSize(PROCESSES * APPENDS);
        assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(acknowledged);
        assertThat(seen.values()).allMatch(n -> n == 1);

        Table c = DataShard.table(s3, counter).open();
        List<Long> ns = new ArrayList<>();
        for (Row r : c.scan().toList()) {
          ns.add(r.get("n", Long.class));
        }
        ns.sort(Long::compare);
        List<Long> expected = new ArrayList<>();
        for (long i = 0; i < PROCESSES * TRANSACTIONS; i++) {
          expected.add(i);
        }
        assertThat(ns).as("counter values, each once").isEqualTo(expected);
        counted.sort(Long::compare);
        assertThat(counted)
            .as("values the transactions were acknowledged with")
            .isEqualTo(expected);
        System.out.printf(
            "S3MultiProcessTest: %d appends and %d counter transactions from %d+%d processes in"
                + " %.1f s; appends made %d snapshots%n",
            PROCESSES * APPENDS,
            PROCESSES * TRANSACTIONS,
            PROCESSES,
            PROCESSES,
            seconds,
            t.snapshots().size());
      }
    }
  }
}
