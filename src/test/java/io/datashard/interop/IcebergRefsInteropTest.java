package io.datashard.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataFile;
import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Scan;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apache Iceberg Java reads DataShard's tags, branches and rollbacks: the same refs, and by ref
 * name the same snapshot, files and rows; and DataShard reads the refs Iceberg Java writes.
 */
class IcebergRefsInteropTest {
  @TempDir Path tmp;

  private static List<Map<String, Object>> rows(Scan scan) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Row r : scan.toList()) {
      out.add(r.toMap());
    }
    return out;
  }

  private static Set<String> icebergFiles(org.apache.iceberg.Table ice, String ref)
      throws Exception {
    Set<String> out = new HashSet<>();
    try (CloseableIterable<FileScanTask> tasks = ice.newScan().useRef(ref).planFiles()) {
      for (FileScanTask t : tasks) {
        out.add(t.file().location().replaceFirst("^file:", ""));
      }
    }
    return out;
  }

  private static Set<String> ourFiles(Table t, String ref) {
    Set<String> out = new HashSet<>();
    for (DataFile f : t.scan().useRef(ref).files()) {
      out.add(f.path().replaceFirst("^file:", ""));
    }
    return out;
  }

  /**
   * Iceberg Java resolves the ref by name to the same snapshot, plans the same files and reads the
   * same rows.
   */
  private static void assertSameByRef(Path dir, Table ours, String ref) throws Exception {
    org.apache.iceberg.Table ice = IcebergJava.load(dir);
    long id = ice.newScan().useRef(ref).snapshot().snapshotId();
    assertThat(id)
        .as("snapshot of %s", ref)
        .isEqualTo(ours.scan().useRef(ref).snapshot().snapshotId());
    assertThat(ice.snapshot(ref).snapshotId()).isEqualTo(id);
    assertThat(icebergFiles(ice, ref)).as("files of %s", ref).isEqualTo(ourFiles(ours, ref));
    assertThat(IcebergJava.rows(ice, id))
        .as("rows of %s", ref)
        .containsExactlyInAnyOrderElementsOf(rows(ours.scan().useRef(ref)));
  }

  @Test
  void icebergJavaReadsDataShardTagsBranchesAndRollbacks() throws Exception {
    Path dir = tmp.resolve("t");
    Table t = DataShard.table(dir).schema(Schema.parse("id long not null, name string")).create();
    Snapshot s1 = t.append(List.of(Map.of("id", 1L, "name", "a"), Map.of("id", 2L, "name", "b")));
    t.append(List.of(Map.of("id", 3L, "name", "c")));
    t.tag("v1").snapshot(s1.snapshotId()).create();
    t.branch("dev").snapshot(s1.snapshotId()).minSnapshotsToKeep(2).create();
    Snapshot d1 = t.newAppend().toBranch("dev").add(Map.of("id", 10L, "name", "dev")).commit();
    Snapshot r = t.rollback().toSnapshot(s1.snapshotId()).commit();
    t.append(List.of(Map.of("id", 4L, "name", "d")));

    org.apache.iceberg.Table ice = IcebergJava.load(dir);
    Map<String, SnapshotRef> refs = ice.refs();
    assertThat(refs.keySet()).containsExactlyInAnyOrder("main", "v1", "dev");
    assertThat(refs.get("v1").isTag()).isTrue();
    assertThat(refs.get("v1").snapshotId()).isEqualTo(s1.snapshotId());
    assertThat(refs.get("dev").isBranch()).isTrue();
    assertThat(refs.get("dev").snapshotId()).isEqualTo(d1.snapshotId());
    assertThat(refs.get("dev").minSnapshotsToKeep()).isEqualTo(2);
    assertThat(ice.snapshot(r.snapshotId()).operation()).isEqualTo("overwrite");
    for (String ref : List.of("main", "v1", "dev")) {
      assertSameByRef(dir, t, ref);
    }
    assertThat(IcebergJava.rows(ice, null))
        .extracting(m -> m.get("id"))
        .containsExactlyInAnyOrder(1L, 2L, 4L);
    // the branch snapshot and the rollback read the same by id and as of their time, too
    IcebergJava.assertSameAsDataShard(dir, true);
  }

  @Test
  void dataShardReadsRefsIcebergJavaWrites() throws Exception {
    Path dir = tmp.resolve("t");
    Table t = DataShard.table(dir).schema(Schema.parse("id long not null, name string")).create();
    Snapshot s1 = t.append(List.of(Map.of("id", 1L, "name", "a")));
    t.branch("dev").create();

    org.apache.iceberg.Table ice = IcebergJava.load(dir);
    ice.newAppend()
        .appendFile(IcebergJava.writeDataFile(ice, List.of(Map.of("id", 20L, "name", "ice"))))
        .toBranch("dev")
        .commit();
    ice.manageSnapshots().createTag("ice-tag", s1.snapshotId()).commit();

    t.refresh();
    assertThat(t.refs().keySet()).containsExactly("main", "dev", "ice-tag");
    assertThat(t.refs().get("ice-tag").snapshotId()).isEqualTo(s1.snapshotId());
    assertThat(rows(t.scan().useRef("dev")))
        .extracting(m -> m.get("id"))
        .containsExactlyInAnyOrder(1L, 20L);
    assertThat(rows(t.scan())).extracting(m -> m.get("id")).containsExactly(1L);
    // DataShard keeps committing to both; the refs survive its commits
    t.newAppend().toBranch("dev").add(Map.of("id", 21L)).commit();
    t.append(List.of(Map.of("id", 2L)));
    assertSameByRef(dir, t, "dev");
    assertSameByRef(dir, t, "ice-tag");
    assertSameByRef(dir, t, "main");
  }
}
