package io.datashard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.TableOptions;
import io.datashard.storage.FaultyStorage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * For every I/O operation k of an append commit: fail operation k (and, separately, fail it and
 * then lose every name not yet made durable, as a power loss would). Afterwards the table opens at
 * the old or the new version, never in between, and the next append succeeds.
 */
class CommitFaultSweepTest {
  @TempDir
  Path tmp;

  private static List<Long> ids(TableCore core) {
    List<Long> out = new ArrayList<>();
    try (io.datashard.CloseableIterator<Row> it = core.scan(core.refresh().currentSnapshot(), null)) {
      it.forEachRemaining(r -> out.add((Long) r.get("id")));
    }
    out.sort(Long::compare);
    return out;
  }

  @Test
  void everyFailurePointLeavesTheOldOrTheNewVersion() throws Exception {
    int points = 0;
    for (boolean crash : new boolean[] {false, true}) {
      for (int k = 1; ; k++) {
        Path dir = tmp.resolve((crash ? "crash-" : "fail-") + k);
        DataShard.create(dir, Schema.parse("id long not null")).append(List.of(Map.of("id", 1L)));
        FaultyStorage storage = new FaultyStorage();
        TableCore core = TableCore.open(storage, dir, TableOptions.defaults().withCommitRetries(0));
        storage.failAt(k);
        boolean acknowledged;
        try {
          core.append(List.of(Map.of("id", 2L), Map.of("id", 3L)), Map.of());
          acknowledged = true;
        } catch (RuntimeException e) {
          acknowledged = false;
        }
        if (!storage.failed()) {
          assertThat(acknowledged).isTrue();
          // k is past the last operation of a commit: every point was swept. A power loss right
          // after the acknowledgement must not lose the commit (every name it needs was synced).
          List<String> lost = storage.crash();
          assertThat(ids(TableCore.open(dir, TableOptions.defaults()))).as("lost on crash: %s", lost)
              .isEqualTo(List.of(1L, 2L, 3L));
          break;
        }
        points++;
        if (crash) {
          storage.crash();
        }
        TableCore reopened = TableCore.open(dir, TableOptions.defaults());
        List<Long> seen = ids(reopened);
        assertThat(seen).as("k=%d crash=%s", k, crash).isIn(List.of(1L), List.of(1L, 2L, 3L));
        if (acknowledged) {
          assertThat(seen).as("acknowledged commit lost at k=%d", k).isEqualTo(List.of(1L, 2L, 3L));
        }
        reopened.append(List.of(Map.of("id", 9L)), Map.of());
        List<Long> after = ids(TableCore.open(dir, TableOptions.defaults()));
        assertThat(after).as("next commit after k=%d", k).contains(1L, 9L).hasSize(seen.size() + 1);
      }
    }
    System.out.println("CommitFaultSweepTest: swept " + points + " failure points");
    assertThat(points).isGreaterThanOrEqualTo(10);
  }
}
