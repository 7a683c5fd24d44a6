package io.datashard.internal.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataFile;
import io.datashard.DataShard;
import io.datashard.FileFormat;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import io.datashard.TableProperties;
import io.datashard.interop.IcebergJava;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AutoCompactionTest {
  @TempDir Path dir;

  private static DataFile file(long records, long bytes) {
    return DataFile.builder()
        .path("/t/data/" + records + "-" + bytes + "-" + Math.random() + ".parquet")
        .format(FileFormat.PARQUET)
        .recordCount(records)
        .fileSizeInBytes(bytes)
        .build();
  }

  @Test
  void aFilesTierIsTheOrderOfMagnitudeOfItsRowCount() {
    assertThat(AutoCompaction.tier(0, 10)).isEqualTo(0);
    assertThat(AutoCompaction.tier(1, 10)).isEqualTo(0);
    assertThat(AutoCompaction.tier(9, 10)).isEqualTo(0);
    assertThat(AutoCompaction.tier(10, 10)).isEqualTo(1);
    assertThat(AutoCompaction.tier(99, 10)).isEqualTo(1);
    assertThat(AutoCompaction.tier(100, 10)).isEqualTo(2);
    assertThat(AutoCompaction.tier(7, 2)).isEqualTo(2);
  }

  @Test
  void aTierMergesInGroupsOfTheFactorFewestRowsFirst() {
    List<DataFile> files = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      files.add(file(1 + i % 3, 1000));
    }
    List<List<DataFile>> merges = AutoCompaction.planPartition(files, 10, 1 << 20);
    assertThat(merges).hasSize(2);
    assertThat(merges).allSatisfy(m -> assertThat(m).hasSize(10));
    // fewest rows first: the 5 left over have the most rows
    assertThat(merges.get(0).stream().filter(f -> f.recordCount() == 1)).hasSize(9);
    assertThat(merges.get(1)).allSatisfy(f -> assertThat(f.recordCount()).isGreaterThan(1));
  }

  @Test
  void anIncompleteTierWaitsAndAFullHigherTierMerges() {
    List<DataFile> files = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      files.add(file(1, 500));
    }
    for (int i = 0; i < 10; i++) {
      files.add(file(10 + i, 900));
    }
    List<List<DataFile>> merges = AutoCompaction.planPartition(files, 10, 1 << 20);
    assertThat(merges).hasSize(1);
    assertThat(merges.get(0)).allSatisfy(f -> assertThat(f.recordCount()).isGreaterThan(9));
  }

  @Test
  void noMergeWritesMoreThanTheTargetSize() {
    List<DataFile> files = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      files.add(file(1, 60));
    }
    List<List<DataFile>> merges = AutoCompaction.planPartition(files, 10, 250);
    assertThat(merges).hasSize(1);
    assertThat(merges.get(0)).hasSize(4);
  }

  private Table table(boolean auto, String... partitionBy) {
    return DataShard.table(dir)
        .schema(Schema.parse("id long not null, p int not null"))
        .partitionBy(partitionBy)
        .property(TableProperties.MAX_SNAPSHOTS, "1000")
        .property(TableProperties.COMPACTION_AUTO_ENABLED, Boolean.toString(auto))
        .create();
  }

  private static List<Long> ids(List<Row> rows) {
    List<Long> out = new ArrayList<>();
    rows.forEach(r -> out.add(r.get("id", Long.class)));
    return out;
  }

  @Test
  void manySmallAppendsKeepFewFilesAndEveryRowOnce() throws Exception {
    Table t = table(true);
    List<Long> expected = new ArrayList<>();
    for (long i = 0; i < 300; i++) {
      t.append(List.of(Map.of("id", i, "p", 0)));
      expected.add(i);
    }
    List<DataFile> live = t.scan().files();
    // 300 one-row files would be 300; by tiers of 10: under 10 per tier, plus a trigger's lag
    assertThat(live.size()).as("live data files").isLessThanOrEqualTo(30);
    assertThat(ids(t.scan().toList())).containsExactlyInAnyOrderElementsOf(expected);
    long rewritten = 0;
    int compactions = 0;
    for (Snapshot s : t.snapshots()) {
      if ("replace".equals(s.operation())) {
        compactions++;
        rewritten += s.summaryLong("added-records", 0);
      }
    }
    assertThat(compactions).isGreaterThan(0);
    // log10(300) is about 2.5: a row is rewritten about that many times, not once per commit
    assertThat(rewritten).as("rows rewritten by compaction").isLessThanOrEqualTo(3 * 300);
    // time travel to a snapshot before a compaction reads the same rows as then
    for (Snapshot s : t.snapshots()) {
      assertThat(t.scan().useSnapshot(s.snapshotId()).count())
          .isEqualTo(s.summaryLong("total-records", -1));
    }
    assertThat(DataShard.verify(dir, true).errors()).isEmpty();
    IcebergJava.assertSameAsDataShard(dir, false);
  }

  @Test
  void turnedOffEveryAppendKeepsItsFile() {
    Table t = table(false);
    for (long i = 0; i < 40; i++) {
      t.append(List.of(Map.of("id", i, "p", 0)));
    }
    assertThat(t.scan().files()).hasSize(40);
    assertThat(t.snapshots()).noneMatch(s -> "replace".equals(s.operation()));
  }

  @Test
  void aPartitionedTableCompactsWithinEachPartition() throws Exception {
    Table t = table(true, "p");
    for (long i = 0; i < 120; i++) {
      t.append(List.of(Map.of("id", i, "p", (int) (i % 3))));
    }
    assertThat(t.scan().files().size()).isLessThan(40);
    assertThat(t.snapshots()).anyMatch(s -> "replace".equals(s.operation()));
    for (int p = 0; p < 3; p++) {
      List<Long> expected = new ArrayList<>();
      for (long i = p; i < 120; i += 3) {
        expected.add(i);
      }
      // pruning trusts each file's partition: a file mixing partitions would lose or add rows
      assertThat(ids(t.scan().filter("p = " + p).toList()))
          .as("partition " + p)
          .containsExactlyInAnyOrderElementsOf(expected);
    }
    IcebergJava.assertSameAsDataShard(dir, false);
  }
}
