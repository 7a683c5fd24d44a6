package io.datashard.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.MaintenanceResult;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A table can live on any {@link Storage} a user hands to {@link DataShard#table(Storage, String)}:
 * here every feature runs on the in-memory storage, and nothing touches a disk.
 */
class TableOnAnyStorageTest {
  static List<Long> ids(Table t) {
    List<Long> out = new ArrayList<>();
    for (Row r : t.scan().toList()) {
      out.add(r.get("id", Long.class));
    }
    out.sort(Long::compare);
    return out;
  }

  @Test
  void aTableInMemoryCommitsReadsTravelsInTimeAndIsMaintained() {
    InMemoryStorage storage = new InMemoryStorage();
    everyFeature(storage, storage, "/memory/events");
    assertThat(storage.walk("/memory/events")).isNotEmpty();
  }

  /**
   * Commits, reads, travels in time and maintains a table at {@code location} of {@code storage};
   * then {@code other} (the same storage, or another handle on it, as another process has) opens it
   * and sees the same rows.
   */
  static void everyFeature(Storage storage, Storage other, String location) {
    Table t =
        DataShard.table(storage, location)
            .schema(Schema.parse("id long not null, tag string"))
            .create();
    Snapshot first = t.append(List.of(Map.of("id", 1L, "tag", "a"), Map.of("id", 2L, "tag", "b")));
    t.append(List.of(Map.of("id", 3L, "tag", "a")));
    long read =
        t.transaction(
            tx -> {
              long n = tx.scan().count();
              tx.append(Map.of("id", 10L + n, "tag", "c"));
              return n;
            });
    assertThat(read).isEqualTo(3);
    t.newDelete().where("tag = 'b'").commit();
    t.newUpsert().key("id").add(Map.of("id", 1L, "tag", "z")).commit();
    assertThat(ids(t)).containsExactly(1L, 3L, 13L);
    assertThat(t.scan().useSnapshot(first.snapshotId()).count()).isEqualTo(2);
    assertThat(t.scan().filter("tag = 'z'").count()).isEqualTo(1);

    MaintenanceResult compacted = t.maintenance().compact().run();
    assertThat(compacted.snapshotId()).isPresent();
    assertThat(t.scan().files()).hasSize(1);
    t.maintenance().expireSnapshots().olderThan(Instant.now().plusSeconds(60)).retainLast(1).run();
    assertThat(t.snapshots()).hasSize(1);
    t.maintenance().removeOrphanFiles().olderThan(Duration.ZERO).noCommitsInFlight().run();
    assertThat(ids(t)).containsExactly(1L, 3L, 13L);

    Table again = DataShard.table(other, location).open();
    assertThat(ids(again)).containsExactly(1L, 3L, 13L);
  }
}
