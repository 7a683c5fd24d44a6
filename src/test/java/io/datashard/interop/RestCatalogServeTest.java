package io.datashard.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.cli.Main;
import io.datashard.testkit.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code datashard serve} started as a child process, used by Apache Iceberg Java's {@code
 * RESTCatalog} the way an engine uses it: appends, an overwrite, position and equality deletes,
 * schema and partition evolution, tags and branches, register, rename, drop with purge. At every
 * snapshot DataShard's own API, reading the folder directly, gives the rows Iceberg Java gives; and
 * what DataShard writes (appends, merge-on-read deletes) Iceberg Java reads through the server.
 */
class RestCatalogServeTest {
  private static final Schema SCHEMA =
      new Schema(
          Types.NestedField.required(1, "id", Types.LongType.get()),
          Types.NestedField.optional(2, "name", Types.StringType.get()),
          Types.NestedField.optional(3, "cat", Types.StringType.get()));

  @TempDir Path tmp;
  private Process serve;
  private RESTCatalog catalog;
  private Path warehouse;

  @BeforeEach
  void start() throws Exception {
    warehouse = tmp.resolve("lake");
    Path log = tmp.resolve("serve.log");
    serve =
        ChildJvm.start(
            Main.class, log, "serve", warehouse.toString(), "--port", "0", "--no-durable");
    String uri = awaitUri(log);
    catalog = new RESTCatalog();
    catalog.setConf(IcebergJava.conf());
    catalog.initialize(
        "ds", Map.of("uri", uri, "io-impl", "org.apache.iceberg.hadoop.HadoopFileIO"));
  }

  private String awaitUri(Path log) throws Exception {
    Pattern p = Pattern.compile(" at (http://[0-9.]+:\\d+)");
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (Files.exists(log)) {
        Matcher m = p.matcher(Files.readString(log));
        if (m.find()) {
          return m.group(1);
        }
      }
      assertThat(serve.isAlive()).as("serve is running: %s", read(log)).isTrue();
      Thread.sleep(50);
    }
    throw new AssertionError("serve printed no URI: " + read(log));
  }

  private static String read(Path log) throws IOException {
    return Files.exists(log) ? Files.readString(log) : "";
  }

  @AfterEach
  void stop() throws Exception {
    if (catalog != null) {
      catalog.close();
    }
    serve.destroy();
    serve.waitFor();
  }

  private static List<DataFile> write(Table t, long from, long to) {
    return ReadIcebergDeletesTest.writeData(
        t, ReadIcebergDeletesTest.range(t.schema(), from, to), FileFormat.PARQUET);
  }

  private static void append(Table t, List<DataFile> files) {
    org.apache.iceberg.AppendFiles a = t.newAppend();
    files.forEach(a::appendFile);
    a.commit();
  }

  private static List<Long> ids(Path dir, Long snapshot) {
    var scan = DataShard.open(dir).scan();
    if (snapshot != null) {
      scan.useSnapshot(snapshot);
    }
    List<Long> out = new ArrayList<>();
    for (Row r : scan.toList()) {
      out.add(((Number) r.get("id")).longValue());
    }
    out.sort(null);
    return out;
  }

  private static List<Long> icebergIds(Table t, Long snapshot) {
    List<Long> out = new ArrayList<>();
    for (Map<String, Object> r : IcebergJava.rows(t, snapshot)) {
      out.add(((Number) r.get("id")).longValue());
    }
    out.sort(null);
    return out;
  }

  @Test
  void everyKindOfEngineChangeThroughTheServerReadsTheSameInDataShard() throws Exception {
    catalog.createNamespace(Namespace.of("lake"));
    TableIdentifier id = TableIdentifier.of("lake", "events");
    Table t = catalog.createTable(id, SCHEMA, PartitionSpec.unpartitioned(), Map.of());
    Path dir = warehouse.resolve("lake/events");

    List<DataFile> first = write(t, 0, 20);
    append(t, first);
    long afterFirst = t.currentSnapshot().snapshotId();
    List<DataFile> second = write(t, 20, 40);
    append(t, second);

    // overwrite: the first file replaced by its first half
    t.newOverwrite().deleteFile(first.get(0)).addFile(write(t, 0, 10).get(0)).commit();
    // position deletes (as Spark writes them in merge-on-read) and an equality delete (as Flink)
    String secondPath = second.get(0).location();
    t.newRowDelta()
        .addDeletes(
            ReadIcebergDeletesTest.positionDeletes(
                t,
                FileFormat.PARQUET,
                null,
                List.of(Map.entry(secondPath, 0L), Map.entry(secondPath, 3L))))
        .commit();
    t.newRowDelta()
        .addDeletes(
            ReadIcebergDeletesTest.equalityDeletes(
                t,
                t.spec(),
                FileFormat.PARQUET,
                null,
                List.of("id"),
                List.of(ReadIcebergDeletesTest.key(t.schema(), List.of("id"), 30L))))
        .commit();
    // schema and partition evolution, then data in the new layout
    t.updateSchema().addColumn("score", Types.DoubleType.get()).commit();
    t.updateSpec().addField(Expressions.bucket("id", 4)).commit();
    append(t, write(t, 100, 110));
    // refs
    t.manageSnapshots().createTag("v1", afterFirst).createBranch("dev", afterFirst).commit();

    t = catalog.loadTable(id);
    List<Long> expected = new ArrayList<>();
    for (long i = 0; i < 10; i++) {
      expected.add(i);
    }
    for (long i = 20; i < 40; i++) {
      if (i != 20 && i != 23 && i != 30) {
        expected.add(i);
      }
    }
    for (long i = 100; i < 110; i++) {
      expected.add(i);
    }
    assertThat(icebergIds(t, null)).isEqualTo(expected);
    assertThat(ids(dir, null)).isEqualTo(expected);
    ReadIcebergDeletesTest.assertSameAsIceberg(dir, t);
    var local = DataShard.open(dir);
    assertThat(local.refs()).containsKeys("main", "v1", "dev");
    assertThat(local.refs().get("v1").snapshotId()).isEqualTo(afterFirst);
    assertThat(ids(dir, afterFirst)).hasSize(20);
    assertThat(local.schema().columnNames()).containsExactly("id", "name", "cat", "score");
    assertThat(local.partitioning()).hasSize(1);

    // DataShard writes, Iceberg reads them through the server: an append, and a merge-on-read
    // delete (a position delete file)
    local.newAppend().add(Map.of("id", 200L, "name", "local")).commit();
    local.updateProperties().set("write.delete.mode", "merge-on-read").commit();
    local.newDelete().where("id = 5 or id = 105").commit();
    expected.add(200L);
    expected.remove(Long.valueOf(5));
    expected.remove(Long.valueOf(105));
    t = catalog.loadTable(id);
    assertThat(icebergIds(t, null)).isEqualTo(expected);
    assertThat(t.currentSnapshot().deleteManifests(t.io())).isNotEmpty();
    assertThat(DataShard.verify(dir, true).errors()).isEmpty();

    // register a copy of the folder under a new name. The server owns the table's upkeep and may
    // commit a compaction (of the delete above) while the folder is copied: copy again until the
    // table's version stayed the same throughout.
    Path copy = warehouse.resolve("lake/copy");
    String copiedVersion = copyWhileUnchanged(dir, copy);
    // an Iceberg-style metadata file name: the folder is not yet a table DataShard lists
    Path copiedMeta = copy.resolve("metadata").resolve("00042-registered.metadata.json");
    Files.move(copy.resolve("metadata").resolve(copiedVersion), copiedMeta);
    try (Stream<Path> metas = Files.list(copy.resolve("metadata"))) {
      for (Path p : (Iterable<Path>) metas::iterator) {
        String n = p.getFileName().toString();
        if (n.matches("v\\d+\\.metadata\\.json") || n.equals("version-hint.text")) {
          Files.delete(p);
        }
      }
    }
    TableIdentifier copyId = TableIdentifier.of("lake", "copy");
    Table registered = catalog.registerTable(copyId, copiedMeta.toString());
    assertThat(icebergIds(registered, null)).isEqualTo(expected);
    assertThat(ids(copy, null)).isEqualTo(expected);

    // rename, then drop with purge
    TableIdentifier renamed = TableIdentifier.of("lake", "events_v2");
    catalog.renameTable(id, renamed);
    assertThat(icebergIds(catalog.loadTable(renamed), null)).isEqualTo(expected);
    assertThat(ids(warehouse.resolve("lake/events_v2"), null)).isEqualTo(expected);
    assertThat(catalog.dropTable(renamed, true)).isTrue();
    assertThat(Files.exists(warehouse.resolve("lake/events_v2"))).isFalse();
    assertThat(catalog.listTables(Namespace.of("lake"))).containsExactly(copyId);
    Map<String, String> none = new HashMap<>();
    assertThat(catalog.loadNamespaceMetadata(Namespace.of("lake"))).isEqualTo(none);
  }

  /**
   * Copies the table folder {@code dir} (without hidden files) to {@code copy}, again until its
   * version did not change during the copy; returns the copied version's metadata file name.
   */
  private static String copyWhileUnchanged(Path dir, Path copy) throws Exception {
    for (int attempt = 0; ; attempt++) {
      String before = DataShard.open(dir).metadataLocation().replaceAll(".*/", "");
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path p : (Iterable<Path>) all::iterator) {
          Path target = copy.resolve(dir.relativize(p).toString());
          if (Files.isDirectory(p)) {
            Files.createDirectories(target);
          } else if (!p.getFileName().toString().startsWith(".")) {
            Files.copy(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
          }
        }
        String after = DataShard.open(dir).metadataLocation().replaceAll(".*/", "");
        if (before.equals(after) && Files.exists(copy.resolve("metadata").resolve(after))) {
          return after;
        }
      } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException e) {
        // a temporary file of a commit in progress went away under the walk
      }
      if (attempt == 50) {
        throw new AssertionError("The table kept changing while it was copied");
      }
      try (Stream<Path> old = Files.walk(copy)) {
        old.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
      Thread.sleep(200);
    }
  }
}
