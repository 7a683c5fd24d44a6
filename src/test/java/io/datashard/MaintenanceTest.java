package io.datashard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.interop.IcebergJava;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each maintenance operation on its own: rows unchanged, time travel kept, files really removed or
 * kept.
 */
class MaintenanceTest {
  @TempDir Path dir;

  private Table table(String... properties) {
    DataShard.TableBuilder b =
        DataShard.table(dir)
            .schema(Schema.parse("id long not null, name string"))
            .durable(false)
            // these tests run maintenance themselves and count the files it changes
            .property(TableProperties.COMPACTION_AUTO_ENABLED, "false")
            .property(TableProperties.CLEANUP_EVERY_COMMITS, "0");
    for (int i = 0; i < properties.length; i += 2) {
      b.property(properties[i], properties[i + 1]);
    }
    return b.create();
  }

  private static Map<Long, List<Row>> appendOneRowCommits(Table t, int n) {
    Map<Long, List<Row>> rowsBySnapshot = new HashMap<>();
    for (long i = 0; i < n; i++) {
      Snapshot s = t.append(List.of(Map.of("id", i, "name", "n" + i)));
      rowsBySnapshot.put(s.snapshotId(), t.scan().useSnapshot(s.snapshotId()).toList());
    }
    return rowsBySnapshot;
  }

  private Set<String> files(String sub) throws Exception {
    try (Stream<Path> s = Files.walk(dir.resolve(sub))) {
      return new HashSet<>(
          s.filter(Files::isRegularFile)
              .map(p -> p.toAbsolutePath().normalize().toString())
              .toList());
    }
  }

  private Set<String> all() throws Exception {
    Set<String> out = files("data");
    out.addAll(files("metadata"));
    return out;
  }

  @Test
  void compactionRewritesSmallFilesWithTheSameRowsAndKeepsTimeTravel() throws Exception {
    Table t = table();
    Map<Long, List<Row>> before = appendOneRowCommits(t, 30);
    List<Row> rows = t.scan().toList();
    assertThat(t.scan().files()).hasSize(30);

    Set<String> filesBefore = all();
    MaintenanceResult dry = t.maintenance().compact().dryRun(true).run();
    assertThat(dry.dryRun()).isTrue();
    assertThat(dry.replacedFiles()).hasSize(30);
    assertThat(dry.newFileCount()).isEqualTo(1);
    assertThat(all()).as("a dry run writes nothing").isEqualTo(filesBefore);
    assertThat(t.snapshots()).hasSize(30);

    MaintenanceResult r = t.maintenance().compact().run();
    assertThat(r.replacedFiles()).hasSize(30);
    assertThat(r.addedFiles()).hasSize(1);
    assertThat(r.snapshotId()).isPresent();
    assertThat(t.scan().files()).hasSize(1);
    assertThat(t.scan().toList()).containsExactlyInAnyOrderElementsOf(rows);
    Snapshot replace = t.currentSnapshot().orElseThrow();
    assertThat(replace.operation()).isEqualTo("replace");
    assertThat(replace.summary())
        .containsEntry("deleted-data-files", "30")
        .containsEntry("added-data-files", "1")
        .containsEntry("total-records", "30")
        .containsEntry("total-data-files", "1");
    // every older snapshot still reads its own rows (old files stay until they expire)
    before.forEach(
        (id, expected) ->
            assertThat(t.scan().useSnapshot(id).toList())
                .containsExactlyInAnyOrderElementsOf(expected));
    // appends after compaction carry on
    t.append(List.of(Map.of("id", 99L, "name", "late")));
    assertThat(t.scan().count()).isEqualTo(31);
    // the compacted file is still small: it and the new one are compacted again; then nothing is
    // left
    assertThat(t.maintenance().compact().run().replacedFiles()).hasSize(2);
    assertThat(t.maintenance().compact().run().replacedFiles()).isEmpty();
    assertThat(t.scan().files()).hasSize(1);
    assertThat(t.scan().count()).isEqualTo(31);
    IcebergJava.assertSameAsDataShard(dir, true);
  }

  @Test
  void compactionHonoursTheTargetSize() {
    Table t = table();
    appendOneRowCommits(t, 12);
    long fileSize = t.scan().files().get(0).fileSizeInBytes();
    MaintenanceResult r =
        t.maintenance().compact().targetFileSize(fileSize * 4 + fileSize / 2).run();
    assertThat(r.replacedFiles()).hasSize(12);
    assertThat(r.addedFiles()).hasSize(3);
    assertThat(t.scan().count()).isEqualTo(12);
    assertThatThrownBy(() -> t.maintenance().compact().targetFileSize(0).run())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("target file size");
  }

  @Test
  void expiryRemovesOldSnapshotsAndOnlyTheFilesNoRetainedSnapshotUses() throws Exception {
    Table t = table();
    Map<Long, List<Row>> before = appendOneRowCommits(t, 20);
    List<Snapshot> snaps = t.snapshots();
    List<Row> rows = t.scan().toList();

    MaintenanceResult dry =
        t.maintenance()
            .expireSnapshots()
            .olderThan(Instant.now().plusSeconds(1))
            .retainLast(5)
            .dryRun(true)
            .run();
    assertThat(dry.expiredSnapshots()).hasSize(15);
    // nothing to delete yet: each expired append's data file is still live in the retained
    // snapshots
    Set<String> dataBefore = files("data");
    assertThat(dry.deletedFiles()).noneMatch(dataBefore::contains).isNotEmpty();
    assertThat(t.snapshots()).hasSize(20);

    MaintenanceResult r =
        t.maintenance()
            .expireSnapshots()
            .olderThan(Instant.now().plusSeconds(1))
            .retainLast(5)
            .run();
    assertThat(r.expiredSnapshots()).containsExactlyInAnyOrderElementsOf(dry.expiredSnapshots());
    assertThat(r.deletedFiles()).containsExactlyInAnyOrderElementsOf(dry.deletedFiles());
    assertThat(r.deletedFiles()).allMatch(f -> !Files.exists(Path.of(f)));
    assertThat(t.snapshots())
        .extracting(Snapshot::snapshotId)
        .containsExactlyElementsOf(
            snaps.subList(15, 20).stream().map(Snapshot::snapshotId).toList());
    assertThat(files("data")).isEqualTo(dataBefore);
    assertThat(t.scan().toList()).containsExactlyInAnyOrderElementsOf(rows);
    for (Snapshot s : t.snapshots()) {
      assertThat(t.scan().useSnapshot(s.snapshotId()).toList())
          .containsExactlyInAnyOrderElementsOf(before.get(s.snapshotId()));
    }
    assertThatThrownBy(() -> t.scan().useSnapshot(snaps.get(0).snapshotId()).count())
        .isInstanceOf(ValidationException.class);

    // after compaction and expiry of everything but the current snapshot, only the compacted file
    // is left
    t.maintenance().compact().run();
    MaintenanceResult all =
        t.maintenance()
            .expireSnapshots()
            .olderThan(Instant.now().plusSeconds(1))
            .retainLast(1)
            .run();
    assertThat(all.expiredSnapshots()).hasSize(5);
    assertThat(files("data"))
        .hasSize(1)
        .containsExactlyElementsOf(
            t.scan().files().stream().map(f -> Path.of(f.path()).normalize().toString()).toList());
    assertThat(all.deletedFiles()).containsAll(dataBefore);
    assertThat(all.deletedBytes()).isPositive();
    assertThat(t.scan().toList()).containsExactlyInAnyOrderElementsOf(rows);
    for (String f : all()) {
      // no manifest or manifest list of an expired snapshot is left
      assertThat(f)
          .satisfiesAnyOf(
              x -> assertThat(x).doesNotEndWith(".avro"),
              x -> assertThat(referencedByCurrent(t)).contains(x));
    }
    IcebergJava.assertSameAsDataShard(dir, true);
  }

  private Set<String> referencedByCurrent(Table t) {
    Set<String> out = new HashSet<>();
    Snapshot s = t.currentSnapshot().orElseThrow();
    out.add(Path.of(s.manifestList()).normalize().toString());
    for (Map<String, Object> m : IcebergJava.manifests(dir)) {
      out.add(Path.of(m.get("path").toString().replaceFirst("^file:", "")).normalize().toString());
    }
    return out;
  }

  @Test
  void expiryUsesTheTablePropertiesByDefaultAndNeverTheCurrentSnapshot() {
    Table t =
        table("datashard.snapshots.max-count", "3", "history.expire.min-snapshots-to-keep", "1");
    appendOneRowCommits(t, 4);
    // commit-time retention already keeps 3; an expiry with the same defaults finds nothing more
    assertThat(t.snapshots()).hasSize(3);
    assertThat(t.maintenance().expireSnapshots().run().expiredSnapshots()).isEmpty();
    // young snapshots within the maximum count are kept unless the count or age says otherwise
    assertThat(t.maintenance().expireSnapshots().retainLast(1).run().expiredSnapshots()).isEmpty();
    MaintenanceResult r = t.maintenance().expireSnapshots().retainLast(1).maxSnapshots(1).run();
    assertThat(r.expiredSnapshots()).hasSize(2);
    assertThat(t.snapshots()).hasSize(1);
    assertThat(t.scan().count()).isEqualTo(4);
    assertThatThrownBy(() -> t.maintenance().expireSnapshots().retainLast(0).run())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("at least 1");
  }

  @Test
  void orphanRemovalDeletesOnlyOldUnreferencedFiles() throws Exception {
    // keep 5 snapshots and 2 old metadata versions: the files of the first 13 appends are orphans
    Table t =
        table(
            "datashard.snapshots.max-count",
            "5",
            "history.expire.min-snapshots-to-keep",
            "5",
            "write.metadata.previous-versions-max",
            "2");
    appendOneRowCommits(t, 20);
    List<Row> rows = t.scan().toList();
    Path strayData = Files.writeString(dir.resolve("data/stray.parquet"), "x");
    Path strayDir = Files.createDirectories(dir.resolve("data/part=1"));
    Path nested = Files.writeString(strayDir.resolve("nested.parquet"), "x");
    Path strayMeta = Files.writeString(dir.resolve("metadata/stray-m0.avro"), "x");
    Path hidden = Files.writeString(dir.resolve("metadata/.hidden"), "x");
    Path queue = Files.createDirectories(dir.resolve("metadata/.datashard-queue"));
    Path request = Files.writeString(queue.resolve("request-1"), "x");
    Path oldVersion = Files.writeString(dir.resolve("metadata/v1.metadata.json"), "{}");
    // make everything old, then write one fresh stray file (an in-flight commit's)
    Instant old = Instant.now().minus(Duration.ofDays(4));
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.toList()) {
        Files.setLastModifiedTime(p, FileTime.from(old));
      }
    }
    Path fresh = Files.writeString(dir.resolve("data/in-flight.parquet"), "x");

    Set<String> filesBefore = all();
    MaintenanceResult dry = t.maintenance().removeOrphanFiles().dryRun(true).run();
    assertThat(all()).as("a dry run deletes nothing").isEqualTo(filesBefore);

    MaintenanceResult r = t.maintenance().removeOrphanFiles().run();
    assertThat(r.deletedFiles()).containsExactlyInAnyOrderElementsOf(dry.deletedFiles());
    assertThat(r.deletedFiles())
        .contains(
            strayData.toString(), nested.toString(), strayMeta.toString(), oldVersion.toString());
    assertThat(r.deletedFiles()).allMatch(f -> !Files.exists(Path.of(f)));
    assertThat(fresh).exists();
    assertThat(hidden).exists();
    assertThat(request).exists();
    assertThat(dir.resolve("metadata/version-hint.text")).exists();
    // data files: the 5 retained snapshots' 20 rows are in 20 files, all kept
    assertThat(files("data")).hasSize(21);
    assertThat(t.scan().toList()).containsExactlyInAnyOrderElementsOf(rows);
    for (Snapshot s : t.snapshots()) {
      assertThat(t.scan().useSnapshot(s.snapshotId()).count()).isEqualTo(s.sequenceNumber());
    }
    // manifest lists of snapshots dropped by commit-time retention (and not in the logged versions)
    // are gone
    long lists =
        files("metadata").stream()
            .filter(f -> Path.of(f).getFileName().toString().startsWith("snap-"))
            .count();
    assertThat(lists).isEqualTo(7);
    IcebergJava.assertSameAsDataShard(dir, true);

    // after compaction and expiry, a gc with no grace leaves exactly what the table uses
    t.maintenance().compact().run();
    t.maintenance().expireSnapshots().retainLast(1).olderThan(Instant.now().plusSeconds(1)).run();
    Files.delete(fresh);
    t.maintenance().removeOrphanFiles().olderThan(Duration.ZERO).noCommitsInFlight().run();
    assertThat(files("data")).hasSize(1);
    assertThat(t.scan().toList()).containsExactlyInAnyOrderElementsOf(rows);
    IcebergJava.assertSameAsDataShard(dir, true);
  }

  @Test
  void rewriteManifestsKeepsEntriesAsExistingWithTheirSequenceNumbers() throws Exception {
    Table t = table("commit.manifest-merge.enabled", "false");
    Map<Long, List<Row>> before = appendOneRowCommits(t, 25);
    assertThat(IcebergJava.manifests(dir)).hasSize(25);
    MaintenanceResult dry = t.maintenance().rewriteManifests().dryRun(true).run();
    assertThat(dry.replacedFiles()).hasSize(25);
    assertThat(dry.newFileCount()).isEqualTo(1);
    assertThat(IcebergJava.manifests(dir)).hasSize(25);

    MaintenanceResult r = t.maintenance().rewriteManifests().run();
    assertThat(r.addedFiles()).hasSize(1);
    assertThat(t.currentSnapshot().orElseThrow().operation()).isEqualTo("replace");
    List<Map<String, Object>> manifests = IcebergJava.manifests(dir);
    assertThat(manifests).hasSize(1);
    assertThat(manifests.get(0)).containsEntry("existing", 25).containsEntry("added", 0);
    // each file keeps the sequence number of the append that added it
    assertThat(IcebergJava.dataSequenceNumbers(dir))
        .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, 25).boxed().toList());
    before.forEach(
        (id, expected) ->
            assertThat(t.scan().useSnapshot(id).toList())
                .containsExactlyInAnyOrderElementsOf(expected));
    // smaller target: several manifests
    t.append(List.of(Map.of("id", 100L, "name", "x")));
    long size = r.addedBytes();
    MaintenanceResult small = t.maintenance().rewriteManifests().targetManifestSize(size / 3).run();
    assertThat(IcebergJava.manifests(dir).size()).isBetween(3, 6).isEqualTo(small.newFileCount());
    assertThat(t.scan().count()).isEqualTo(26);
    IcebergJava.assertSameAsDataShard(dir, true);
  }

  @Test
  void resultsPrintAOneLineSummary() {
    Table t = table();
    appendOneRowCommits(t, 3);
    String line = t.maintenance().compact().dryRun(true).run().toString();
    assertThat(line)
        .isEqualTo(
            "compact: would rewrite 3 files ("
                + String.format(
                    "%,d", t.scan().files().stream().mapToLong(DataFile::fileSizeInBytes).sum())
                + " bytes) into 1 files");
    List<String> none = new ArrayList<>();
    assertThat(t.maintenance().removeOrphanFiles().run().deletedFiles()).isEqualTo(none);
  }

  @Test
  void orphanRemovalRefusesToGuessWhenAFileOfARetainedSnapshotIsMissing() throws Exception {
    Table t = table();
    appendOneRowCommits(t, 3);
    Path stray = Files.writeString(dir.resolve("data/stray.parquet"), "x");
    String manifest =
        IcebergJava.manifests(dir).get(0).get("path").toString().replaceFirst("^file:", "");
    Files.delete(Path.of(manifest));
    assertThatThrownBy(
            () ->
                t.maintenance()
                    .removeOrphanFiles()
                    .olderThan(Duration.ZERO)
                    .noCommitsInFlight()
                    .run())
        .isInstanceOf(DataShardException.class)
        .hasMessageContaining("nothing was removed")
        .hasMessageContaining(manifest);
    assertThat(stray).exists();
    assertThat(files("data")).hasSize(4);
  }

  @Test
  void orphanRemovalRefusesWhenADataFileOfTheCurrentSnapshotIsNotWhereItIsRecorded()
      throws Exception {
    Table t = table();
    appendOneRowCommits(t, 2);
    Path stray = Files.writeString(dir.resolve("data/stray.parquet"), "x");
    String data = t.scan().files().get(0).path();
    Files.delete(Path.of(data));
    assertThatThrownBy(
            () ->
                t.maintenance()
                    .removeOrphanFiles()
                    .olderThan(Duration.ZERO)
                    .noCommitsInFlight()
                    .run())
        .isInstanceOf(DataShardException.class)
        .hasMessageContaining(data)
        .hasMessageContaining("does not exist at that path")
        .hasMessageContaining("nothing was removed");
    assertThat(stray).exists();
  }
}
