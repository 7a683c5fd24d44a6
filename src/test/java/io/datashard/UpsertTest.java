package io.datashard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.interop.IcebergJava;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Upsert (merge by key): matching rows replaced, others inserted, one snapshot, copy-on-write. */
class UpsertTest {
  @TempDir Path dir;

  private static Map<String, Object> rec(long id, String v) {
    Map<String, Object> m = new HashMap<>();
    m.put("id", id);
    m.put("v", v);
    return m;
  }

  private static Map<Long, String> byId(Table t) {
    Map<Long, String> m = new HashMap<>();
    for (Row r : t.scan().toList()) {
      assertThat(m.put(r.get("id", Long.class), (String) r.get("v")))
          .as("key %s once", r.get("id"))
          .isNull();
    }
    return m;
  }

  @Test
  void matchingRowsAreReplacedOthersInsertedAndUntouchedFilesKept() {
    Table t = DataShard.create(dir, Schema.parse("id long not null, v string"));
    List<Map<String, Object>> a = new ArrayList<>();
    for (long i = 0; i < 10; i++) {
      a.add(rec(i, "a" + i));
    }
    t.append(a); // file 1: ids 0..9
    t.append(List.of(rec(100, "b"), rec(101, "b"))); // file 2: ids 100..101
    long before = t.currentSnapshot().orElseThrow().snapshotId();
    String untouched = null;
    for (DataFile f : t.scan().files()) {
      if (f.recordCount() == 2) {
        untouched = f.path();
      }
    }
    Snapshot s =
        t.newUpsert()
            .key("id")
            .add(rec(3, "new3"))
            .add(rec(7, "new7"))
            .add(rec(50, "ins"))
            .commit();
    assertThat(s.operation()).isEqualTo("overwrite");
    assertThat(s.summary().get("datashard.rows-removed")).isEqualTo("2");
    Map<Long, String> rows = byId(t);
    assertThat(rows).hasSize(13);
    assertThat(rows.get(3L)).isEqualTo("new3");
    assertThat(rows.get(7L)).isEqualTo("new7");
    assertThat(rows.get(50L)).isEqualTo("ins");
    assertThat(rows.get(4L)).isEqualTo("a4");
    assertThat(rows.get(100L)).isEqualTo("b");
    // the file without matching keys (bounds 100..101) was neither read for rewriting nor replaced
    assertThat(t.scan().files()).extracting(DataFile::path).contains(untouched);
    // time travel still sees the old rows
    assertThat(t.scan().useSnapshot(before).count()).isEqualTo(12);
    IcebergJava.assertSameAsDataShard(dir, true);
  }

  @Test
  void compositeKeysOnlyInsertsAndEmptyTables() {
    Table t = DataShard.create(dir, Schema.parse("a long not null, b string not null, v int"));
    Snapshot first = t.newUpsert().key("a", "b").add(Map.of("a", 1L, "b", "x", "v", 1)).commit();
    assertThat(first.operation()).isEqualTo("append");
    t.newUpsert().key("a", "b").add(Map.of("a", 1L, "b", "y", "v", 2)).commit();
    t.newUpsert().key("a", "b").add(Map.of("a", 1L, "b", "x", "v", 3)).commit();
    List<Row> rows = t.scan().toList();
    assertThat(rows).hasSize(2);
    assertThat(rows)
        .anySatisfy(
            r -> {
              assertThat(r.get("b")).isEqualTo("x");
              assertThat(r.get("v")).isEqualTo(3);
            });
    IcebergJava.assertSameAsDataShard(dir, false);
  }

  @Test
  void badUpsertsAreRefusedAndCommitNothing() {
    Table t = DataShard.create(dir, Schema.parse("id long, v string"));
    t.append(List.of(rec(1, "a")));
    assertThatThrownBy(() -> t.newUpsert().key("id").add(rec(2, "x")).add(rec(2, "y")).commit())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("repeat");
    assertThatThrownBy(() -> t.newUpsert().key("nope").add(rec(2, "x")).commit())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("'nope'");
    assertThatThrownBy(() -> t.newUpsert().key("id").add(Map.of("v", "x")).commit())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("null");
    assertThatThrownBy(() -> t.newUpsert().add(rec(2, "x")).commit())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("key column");
    assertThatThrownBy(() -> t.newUpsert().key("id").commit())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("Nothing to upsert");
    assertThat(byId(t)).containsExactly(Map.entry(1L, "a"));
    assertThat(t.snapshots()).hasSize(1);
  }
}
