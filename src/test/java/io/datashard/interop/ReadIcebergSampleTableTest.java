package io.datashard.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Snapshot;
import io.datashard.Table;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DataShard reads the Iceberg-Java-written sample table (every v2 type, NaN, -0.0, null list
 * elements and map values, empty collections, dates before 1970), created from a plain path and
 * from a {@code file:} URI (which makes Iceberg record every location as a URI), for every snapshot
 * by id and by time.
 */
class ReadIcebergSampleTableTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void readsEverySnapshotOfTheSampleTable(boolean fileUri) {
    Path dir = IcebergJava.writeSampleTable(tmp.resolve("sample"), fileUri);
    Table table = DataShard.open(dir);
    List<Snapshot> snapshots = table.snapshots();
    assertThat(snapshots).extracting(Snapshot::snapshotId).isEqualTo(IcebergJava.snapshotIds(dir));
    for (int i = 0; i < IcebergJava.SAMPLE_SNAPSHOTS; i++) {
      List<Map<String, Object>> expected = IcebergJava.sampleExpectedRows(i);
      assertThat(maps(table.scan().useSnapshot(snapshots.get(i).snapshotId()).toList()))
          .as("snapshot %d by id", i)
          .containsExactlyInAnyOrderElementsOf(expected);
      assertThat(maps(table.scan().asOfMillis(snapshots.get(i).timestampMillis()).toList()))
          .as("snapshot %d by time", i)
          .containsExactlyInAnyOrderElementsOf(expected);
    }
  }

  static List<Map<String, Object>> maps(List<Row> rows) {
    List<Map<String, Object>> out = new ArrayList<>();
    rows.forEach(r -> out.add(r.toMap()));
    return out;
  }
}
