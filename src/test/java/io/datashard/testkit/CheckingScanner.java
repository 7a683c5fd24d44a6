package io.datashard.testkit;

import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Snapshot;
import io.datashard.SnapshotExpiredException;
import io.datashard.Table;
import io.datashard.ValidationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A child process for concurrency tests: reads a table over and over while others change it, and
 * checks every read: no row twice, as many rows as the snapshot's summary says, no row of an
 * append-only worker (ids below {@code appendWorkers}) ever disappears, and a snapshot read again
 * later (time travel) gives exactly the rows it gave first. A read that meets an expired snapshot
 * must say so ({@link SnapshotExpiredException}) and is counted. Prints {@code ok ...} and exits 0,
 * or prints {@code FAIL ...} and exits 1.
 *
 * <p>Arguments: table dir, stop file (reads end once it exists), append-only worker count.
 */
public final class CheckingScanner {
  /**
   * The rows a snapshot holds by its summary: its data rows less its position deletes (each names a
   * row not deleted before: merge-on-read writers read with the deletes applied); unknown (-1) with
   * equality deletes.
   */
  static long liveRows(io.datashard.Snapshot s) {
    long records = s.summaryLong("total-records", -1);
    if (records < 0 || s.summaryLong("total-equality-deletes", 0) > 0) {
      return -1;
    }
    return records - s.summaryLong("total-position-deletes", 0);
  }

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    Path stop = Path.of(args[1]);
    int appendWorkers = Integer.parseInt(args[2]);
    Table table = DataShard.open(dir);
    Map<Long, Set<String>> remembered = new LinkedHashMap<>();
    Set<String> appendOnlySeen = new HashSet<>();
    long scans = 0;
    long travels = 0;
    long expired = 0;
    while (!Files.exists(stop) || scans < 5) {
      Snapshot s = table.refresh().currentSnapshot().orElse(null);
      if (s == null) {
        Thread.sleep(10);
        continue;
      }
      Set<String> rows;
      try {
        rows = read(table, s.snapshotId(), liveRows(s));
      } catch (SnapshotExpiredException e) {
        expired++;
        continue;
      }
      scans++;
      for (String id : appendOnlySeen) {
        if (!rows.contains(id)) {
          fail("row " + id + " was in an earlier snapshot but not in " + s.snapshotId());
        }
      }
      for (String id : rows) {
        if (Integer.parseInt(id.substring(0, id.indexOf('/'))) < appendWorkers) {
          appendOnlySeen.add(id);
        }
      }
      if (scans % 4 == 0) {
        remembered.put(s.snapshotId(), rows);
      }
      // time travel to each remembered snapshot that is still retained
      List<Long> gone = new ArrayList<>();
      for (Map.Entry<Long, Set<String>> e : remembered.entrySet()) {
        try {
          Set<String> again = read(table, e.getKey(), -1);
          travels++;
          if (!again.equals(e.getValue())) {
            fail(
                "snapshot "
                    + e.getKey()
                    + " read "
                    + e.getValue().size()
                    + " rows first and "
                    + again.size()
                    + " later");
          }
        } catch (SnapshotExpiredException | ValidationException expiredOrDropped) {
          gone.add(e.getKey());
        }
      }
      gone.forEach(remembered::remove);
    }
    System.out.println("ok scans " + scans + " travels " + travels + " expired " + expired);
  }

  private static Set<String> read(Table table, long snapshotId, long expectedRows) {
    Set<String> rows = new HashSet<>();
    long n = 0;
    for (Row r : table.scan().useSnapshot(snapshotId).toList()) {
      n++;
      if (!rows.add(r.get("worker") + "/" + r.get("seq"))) {
        fail("row " + r.get("worker") + "/" + r.get("seq") + " twice in snapshot " + snapshotId);
      }
    }
    if (expectedRows >= 0 && n != expectedRows) {
      fail("snapshot " + snapshotId + " read " + n + " rows, its summary says " + expectedRows);
    }
    return rows;
  }

  private static void fail(String why) {
    System.out.println("FAIL " + why);
    System.out.flush();
    System.exit(1);
  }
}
