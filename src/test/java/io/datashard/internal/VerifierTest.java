package io.datashard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataFile;
import io.datashard.DataShard;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import io.datashard.TableOptions;
import io.datashard.VerifyReport;
import io.datashard.VerifyReport.Kind;
import io.datashard.VerifyReport.Problem;
import io.datashard.internal.manifest.ManifestIO;
import io.datashard.storage.LocalStorage;
import java.io.File;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verifier finds each kind of damage, names the file, and tells errors from warnings. */
class VerifierTest {
  @TempDir Path tmp;

  Path dir;
  Table table;

  @BeforeEach
  void threeAppends() {
    dir = tmp.resolve("t");
    table =
        DataShard.table(dir)
            .schema(Schema.parse("id long not null, name string"))
            .durable(false)
            .create();
    for (long i = 0; i < 3; i++) {
      table.append(List.of(Map.of("id", i, "name", "a"), Map.of("id", 100 + i, "name", "b")));
    }
  }

  private TableCore core() {
    return TableCore.open(dir, TableOptions.defaults());
  }

  private List<DataFile> dataFiles(Snapshot s) {
    return core().reader().files(s);
  }

  private List<ManifestIO.Manifest> manifests() {
    TableCore c = core();
    return ManifestIO.readList(
        new LocalStorage(), c.resolvePath(c.metadata().currentSnapshot().manifestList()));
  }

  private static List<Problem> of(VerifyReport r, Kind kind) {
    return r.problems().stream().filter(p -> p.kind() == kind).toList();
  }

  @Test
  void aCleanTableHasNoProblems() {
    VerifyReport r = DataShard.verify(dir, false);
    assertThat(r.problems()).isEmpty();
    assertThat(r.isClean()).isTrue();
    assertThat(r.checked())
        .containsEntry("data files", 3L)
        .containsEntry("manifests", 3L)
        .containsEntry("snapshots", 1L);
    VerifyReport deep = DataShard.verify(dir, true);
    assertThat(deep.problems()).isEmpty();
    assertThat(deep.checked())
        .containsEntry("snapshots", 3L)
        .containsEntry("manifest lists", 3L)
        .containsEntry("metadata files", 4L);
  }

  @Test
  void aDeletedDataFileIsMissing() throws Exception {
    String victim = dataFiles(table.currentSnapshot().orElseThrow()).get(1).path();
    Files.delete(Path.of(victim));
    VerifyReport r = DataShard.verify(dir, false);
    assertThat(r.isClean()).isFalse();
    assertThat(r.errors()).hasSize(1);
    Problem p = r.errors().get(0);
    assertThat(p.kind()).isEqualTo(Kind.MISSING);
    assertThat(p.file()).isEqualTo(victim);
    assertThat(p.message()).contains("not there").contains("-m0.avro");
  }

  @Test
  void aTruncatedManifestHasTheWrongLength() throws Exception {
    ManifestIO.Manifest m = manifests().get(0);
    try (RandomAccessFile f = new RandomAccessFile(m.path, "rw")) {
      f.setLength(m.length - 10);
    }
    VerifyReport r = DataShard.verify(dir, false);
    assertThat(r.errors()).hasSize(1);
    assertThat(r.errors().get(0).kind()).isEqualTo(Kind.WRONG_LENGTH);
    assertThat(r.errors().get(0).file()).isEqualTo(m.path);
    assertThat(r.errors().get(0).message())
        .contains((m.length - 10) + " bytes")
        .contains(Long.toString(m.length))
        .contains("snap-");
  }

  @Test
  void aManifestListRecordingTheWrongLengthIsReported() throws Exception {
    TableCore c = core();
    String list = c.resolvePath(c.metadata().currentSnapshot().manifestList());
    ManifestIO.Manifest second = manifests().get(1);
    rewriteAvro(
        list,
        r -> {
          if (r.get("manifest_path").toString().equals(second.path)) {
            r.put("manifest_length", second.length + 7);
          }
        });
    VerifyReport r = DataShard.verify(dir, false);
    assertThat(r.errors()).hasSize(1);
    Problem p = r.errors().get(0);
    assertThat(p.kind()).isEqualTo(Kind.WRONG_LENGTH);
    assertThat(p.file()).isEqualTo(second.path);
    assertThat(p.message()).contains(Long.toString(second.length + 7)).contains(list);
  }

  @Test
  void aManifestListRecordingWrongRowCountsIsReported() throws Exception {
    TableCore c = core();
    String list = c.resolvePath(c.metadata().currentSnapshot().manifestList());
    rewriteAvro(list, r -> r.put("added_rows_count", 5L));
    VerifyReport r = DataShard.verify(dir, false);
    assertThat(of(r, Kind.WRONG_RECORD_COUNT))
        .hasSize(3)
        .allSatisfy(
            p ->
                assertThat(p.message())
                    .contains("5 rows in it")
                    .contains("holds 1 live files with 2 rows"));
  }

  @Test
  void aDataFileOfTheWrongSizeIsReported() throws Exception {
    List<DataFile> files = dataFiles(table.currentSnapshot().orElseThrow());
    // Replace one data file by a valid Parquet file with other rows: both its length and its
    // footer's row count disagree with the manifest.
    Table other =
        DataShard.table(tmp.resolve("other"))
            .schema(Schema.parse("id long not null, name string"))
            .durable(false)
            .create();
    other.append(
        List.of(Map.of("id", 1L), Map.of("id", 2L), Map.of("id", 3L, "name", "a longer name")));
    String otherFile = DataShard.open(tmp.resolve("other")).location() + "/data";
    Path replacement;
    try (var s = Files.list(Path.of(otherFile))) {
      replacement = s.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    String victim = files.get(0).path();
    Files.copy(replacement, Path.of(victim), StandardCopyOption.REPLACE_EXISTING);
    VerifyReport r = DataShard.verify(dir, false);
    assertThat(r.errors())
        .extracting(Problem::kind)
        .containsExactlyInAnyOrder(Kind.WRONG_LENGTH, Kind.WRONG_RECORD_COUNT);
    assertThat(r.errors()).allSatisfy(p -> assertThat(p.file()).isEqualTo(victim));
    assertThat(of(r, Kind.WRONG_RECORD_COUNT).get(0).message())
        .contains("holds 3 rows")
        .contains("records 2");

    // Junk appended to another: the length is wrong and the footer no longer reads.
    String second = files.get(1).path();
    Files.write(Path.of(second), new byte[] {1, 2, 3}, StandardOpenOption.APPEND);
    VerifyReport r2 = DataShard.verify(dir, false);
    assertThat(r2.errors())
        .filteredOn(p -> p.file().equals(second))
        .extracting(Problem::kind)
        .containsExactlyInAnyOrder(Kind.WRONG_LENGTH, Kind.UNREADABLE);
  }

  @Test
  void orphansAndTemporaryFilesAreWarningsAndCoordinationFilesAreIgnored() throws Exception {
    Path orphan = dir.resolve("data/stray.parquet");
    Files.write(orphan, new byte[] {1});
    Path orphanManifest = dir.resolve("metadata/lost-m0.avro");
    Files.write(orphanManifest, new byte[] {1});
    Path temp = dir.resolve("data/.abc.parquet.1f2e.tmp");
    Files.write(temp, new byte[] {1});
    Files.createDirectories(dir.resolve("metadata/.datashard-queue"));
    Files.write(dir.resolve("metadata/.datashard-queue/request-1"), new byte[] {1});
    Files.write(dir.resolve("metadata/.v1.metadata.json.crc"), new byte[] {1});
    assertThat(dir.resolve("metadata/.datashard-commit.lock")).exists();
    VerifyReport r = DataShard.verify(dir, false);
    assertThat(r.isClean()).isTrue();
    assertThat(r.errors()).isEmpty();
    assertThat(of(r, Kind.ORPHAN))
        .extracting(Problem::file)
        .containsExactlyInAnyOrder(orphan.toString(), orphanManifest.toString());
    assertThat(of(r, Kind.TEMPORARY_FILE))
        .extracting(Problem::file)
        .containsExactly(temp.toString());
    assertThat(r.warnings()).hasSize(3);
  }

  @Test
  void deepFindsAProblemOnlyInAnOlderRetainedSnapshot() throws Exception {
    Snapshot before = table.currentSnapshot().orElseThrow();
    List<DataFile> old = dataFiles(before);
    // Replace every row: the current snapshot no longer uses the old data files, older ones do.
    table.transaction(
        tx -> {
          tx.deleteAll().append(Map.of("id", 7L, "name", "new"));
          return null;
        });
    Files.delete(Path.of(old.get(0).path()));
    VerifyReport shallow = DataShard.verify(dir, false);
    assertThat(shallow.problems()).isEmpty();
    VerifyReport deep = DataShard.verify(dir, true);
    assertThat(deep.errors()).hasSize(1);
    assertThat(deep.errors().get(0).kind()).isEqualTo(Kind.MISSING);
    assertThat(deep.errors().get(0).file()).isEqualTo(old.get(0).path());
  }

  @Test
  void anUnreadableOlderManifestListIsAnErrorWithDeepAndSuppressesOrphansWithout()
      throws Exception {
    Snapshot first = table.snapshots().get(0);
    TableCore c = core();
    String list = c.resolvePath(first.manifestList());
    Files.write(Path.of(list), "not avro".getBytes());
    Files.write(dir.resolve("data/stray.parquet"), new byte[] {1});
    VerifyReport shallow = DataShard.verify(dir, false);
    assertThat(shallow.isClean()).isTrue();
    assertThat(shallow.problems()).extracting(Problem::kind).containsExactly(Kind.INCOMPLETE);
    VerifyReport deep = DataShard.verify(dir, true);
    assertThat(deep.errors())
        .extracting(Problem::kind, Problem::file)
        .containsExactly(Tuple.tuple(Kind.UNREADABLE, list));
    assertThat(deep.warnings()).extracting(Problem::kind).containsExactly(Kind.INCOMPLETE);
    assertThat(deep.warnings().get(0).message()).contains("see the errors");
    assertThat(shallow.warnings().get(0).message()).contains("--deep");
  }

  @Test
  void aDamagedCurrentMetadataFileIsUnreadable() throws Exception {
    Path current = dir.resolve("metadata/v4.metadata.json");
    Files.writeString(current, "{\"format-version\": 2, ");
    VerifyReport r = DataShard.verify(dir, false);
    assertThat(r.errors()).hasSize(1);
    assertThat(r.errors().get(0).kind()).isEqualTo(Kind.UNREADABLE);
    assertThat(r.errors().get(0).file()).isEqualTo(current.toString());
  }

  @Test
  void theVersionHintIsChecked() throws Exception {
    Path hint = dir.resolve("metadata/version-hint.text");
    Files.writeString(hint, "2");
    assertThat(DataShard.verify(dir, false).problems())
        .extracting(Problem::kind)
        .containsExactly(Kind.STALE_HINT);
    Files.writeString(hint, "9");
    VerifyReport ahead = DataShard.verify(dir, false);
    assertThat(ahead.errors()).extracting(Problem::kind).containsExactly(Kind.INCONSISTENT);
    assertThat(ahead.errors().get(0).message()).contains("version 9").contains("version 4");
    Files.writeString(hint, "four");
    assertThat(DataShard.verify(dir, false).errors())
        .extracting(Problem::kind, Problem::file)
        .containsExactly(Tuple.tuple(Kind.UNREADABLE, hint.toString()));
    Files.delete(hint);
    assertThat(DataShard.verify(dir, false).problems())
        .extracting(Problem::kind)
        .containsExactly(Kind.STALE_HINT);
  }

  @Test
  void aMissingLoggedMetadataFileIsAnError() throws Exception {
    Path v2 = dir.resolve("metadata/v2.metadata.json");
    Files.delete(v2);
    VerifyReport r = DataShard.verify(dir, false);
    assertThat(r.errors())
        .extracting(Problem::kind, Problem::file)
        .containsExactly(Tuple.tuple(Kind.MISSING, v2.toString()));
  }

  @Test
  void filesOfSnapshotsDroppedByRetentionAreOrphansNotErrors() {
    Table t =
        DataShard.table(tmp.resolve("r"))
            .schema(Schema.parse("id long not null"))
            .durable(false)
            .property("datashard.snapshots.max-count", "3")
            .property("history.expire.min-snapshots-to-keep", "1")
            .create();
    for (long i = 0; i < 6; i++) {
      t.append(List.of(Map.of("id", i)));
    }
    VerifyReport r = DataShard.verify(tmp.resolve("r"), true);
    assertThat(r.isClean()).isTrue();
    assertThat(of(r, Kind.ORPHAN))
        .hasSize(3)
        .allSatisfy(p -> assertThat(new File(p.file()).getName()).startsWith("snap-"));
  }

  /** Rewrites an Avro file in place with the same schema and header metadata, changing records. */
  private static void rewriteAvro(String location, Consumer<GenericRecord> change)
      throws Exception {
    List<GenericRecord> records = new ArrayList<>();
    org.apache.avro.Schema schema;
    List<String[]> meta = new ArrayList<>();
    try (DataFileReader<GenericRecord> reader =
        new DataFileReader<>(new File(location), new GenericDatumReader<>())) {
      schema = reader.getSchema();
      for (String k : reader.getMetaKeys()) {
        if (!k.startsWith("avro.")) {
          meta.add(new String[] {k, reader.getMetaString(k)});
        }
      }
      for (GenericRecord r : reader) {
        change.accept(r);
        records.add(r);
      }
    }
    Files.delete(Path.of(location));
    try (DataFileWriter<GenericRecord> writer =
        new DataFileWriter<>(new GenericDatumWriter<>(schema))) {
      for (String[] kv : meta) {
        writer.setMeta(kv[0], kv[1]);
      }
      writer.create(schema, new File(location));
      for (GenericRecord r : records) {
        writer.append(r);
      }
    }
  }
}
