package io.datashard.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.CatalogServer;
import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.cli.Main;
import io.datashard.storage.S3Storage;
import io.datashard.storage.Storage;
import io.datashard.testkit.ChildJvm;
import io.datashard.testkit.S3Proxy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.NamespaceNotEmptyException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} over an {@code s3://} warehouse: Apache Iceberg Java's REST client, with its own S3
 * FileIO pointed at the local S3-API server, creates namespaces and tables and commits to them
 * through the catalog, and DataShard opens the same tables on the object store directly.
 */
class S3RestCatalogTest {
  private static final Schema SCHEMA =
      new Schema(
          Types.NestedField.required(1, "id", Types.LongType.get()),
          Types.NestedField.optional(2, "name", Types.StringType.get()),
          Types.NestedField.optional(3, "cat", Types.StringType.get()));

  private static S3Proxy s3;
  private static int warehouses;

  @TempDir Path tmp;
  private String warehouse;
  private S3Storage storage;
  private CatalogServer server;
  private RESTCatalog catalog;

  @BeforeAll
  static void startS3() throws IOException {
    s3 = S3Proxy.start(Files.createTempDirectory("datashard-s3-rest"));
    s3.createBucket("lake");
  }

  @AfterAll
  static void stopS3() {
    if (s3 != null) {
      s3.close();
    }
  }

  @BeforeEach
  void start() {
    warehouse = "s3://lake/wh" + (++warehouses);
    storage = s3.storage();
    server = CatalogServer.builder(storage, warehouse).port(0).start();
    catalog = client(server.uri().toString());
  }

  private static RESTCatalog client(String uri) {
    Map<String, String> p = new HashMap<>();
    p.put("uri", uri);
    p.put("io-impl", "org.apache.iceberg.aws.s3.S3FileIO");
    p.put("s3.endpoint", s3.endpoint());
    p.put("s3.path-style-access", "true");
    p.put("s3.access-key-id", S3Proxy.ACCESS_KEY);
    p.put("s3.secret-access-key", S3Proxy.SECRET_KEY);
    p.put("client.region", "us-east-1");
    p.put("http-client.type", "urlconnection");
    RESTCatalog c = new RESTCatalog();
    c.initialize("ds", p);
    return c;
  }

  @AfterEach
  void stop() throws Exception {
    catalog.close();
    server.close();
    storage.close();
  }

  private static void append(Table t, long from, long to) {
    List<DataFile> files =
        ReadIcebergDeletesTest.writeData(
            t, ReadIcebergDeletesTest.range(t.schema(), from, to), FileFormat.PARQUET);
    AppendFiles a = t.newAppend();
    files.forEach(a::appendFile);
    a.commit();
  }

  private List<Long> dataShardIds(String location) {
    List<Long> out = new ArrayList<>();
    for (Row r : DataShard.table(storage, location).open().scan().toList()) {
      out.add(((Number) r.get("id")).longValue());
    }
    out.sort(null);
    return out;
  }

  private static List<Long> icebergIds(Table t) {
    List<Long> out = new ArrayList<>();
    for (Map<String, Object> r : IcebergJava.rows(t, null)) {
      out.add(((Number) r.get("id")).longValue());
    }
    out.sort(null);
    return out;
  }

  private static List<Long> range(long from, long to) {
    List<Long> out = new ArrayList<>();
    for (long i = from; i < to; i++) {
      out.add(i);
    }
    return out;
  }

  @Test
  void namespacesLiveOnTheObjectStore() throws IOException {
    catalog.createNamespace(Namespace.of("ml", "runs"), new HashMap<>(Map.of("owner", "team-a")));
    assertThat(catalog.listNamespaces()).containsExactly(Namespace.of("ml"));
    assertThat(catalog.listNamespaces(Namespace.of("ml")))
        .containsExactly(Namespace.of("ml", "runs"));
    assertThat(catalog.loadNamespaceMetadata(Namespace.of("ml", "runs")))
        .containsEntry("owner", "team-a");
    catalog.setProperties(Namespace.of("ml", "runs"), new HashMap<>(Map.of("stage", "dev")));
    catalog.removeProperties(Namespace.of("ml", "runs"), new java.util.HashSet<>(List.of("owner")));
    assertThat(catalog.loadNamespaceMetadata(Namespace.of("ml", "runs")))
        .containsEntry("stage", "dev")
        .doesNotContainKey("owner");
    assertThatThrownBy(() -> catalog.createNamespace(Namespace.of("ml")))
        .isInstanceOf(AlreadyExistsException.class);
    assertThatThrownBy(() -> catalog.dropNamespace(Namespace.of("ml")))
        .isInstanceOf(NamespaceNotEmptyException.class);
    assertThat(catalog.dropNamespace(Namespace.of("ml", "runs"))).isTrue();
    assertThat(catalog.namespaceExists(Namespace.of("ml", "runs"))).isFalse();
    assertThat(catalog.dropNamespace(Namespace.of("ml"))).isTrue();
    assertThat(catalog.listNamespaces()).isEmpty();
    // every object the namespaces had is gone
    for (Storage.FileInfo f : storage.walk(warehouse)) {
      assertThat(f.location()).startsWith(warehouse + "/.datashard-rest/");
    }
  }

  @Test
  void engineAndDataShardShareATableOnTheObjectStore() {
    catalog.createNamespace(Namespace.of("ml"));
    TableIdentifier id = TableIdentifier.of("ml", "events");
    Table t = catalog.createTable(id, SCHEMA, PartitionSpec.unpartitioned());
    assertThat(t.location()).isEqualTo(warehouse + "/ml/events");
    append(t, 0, 100);
    assertThat(dataShardIds(warehouse + "/ml/events")).isEqualTo(range(0, 100));

    io.datashard.Table local = DataShard.table(storage, warehouse + "/ml/events").open();
    local.append(List.of(Map.of("id", 100L, "name", "direct")));
    local.newDelete().where("id < 10").commit();

    Table again = catalog.loadTable(id);
    assertThat(icebergIds(again)).isEqualTo(range(10, 101));
    append(again, 200, 210);
    assertThat(dataShardIds(warehouse + "/ml/events"))
        .hasSize(91 + 10)
        .contains(200L, 209L)
        .doesNotContain(0L, 9L);
    assertThat(catalog.listTables(Namespace.of("ml"))).containsExactly(id);
    assertThatThrownBy(() -> catalog.createTable(id, SCHEMA))
        .isInstanceOf(AlreadyExistsException.class);
  }

  @Test
  void dropKeepsACopyOfTheMetadataUnlessPurgedAndTheNameIsFreeAgain() throws IOException {
    catalog.createNamespace(Namespace.of("ml"));
    TableIdentifier id = TableIdentifier.of("ml", "events");
    append(catalog.createTable(id, SCHEMA), 0, 10);
    assertThat(catalog.dropTable(id, false)).isTrue();
    assertThat(catalog.tableExists(id)).isFalse();
    assertThatThrownBy(() -> catalog.loadTable(id)).isInstanceOf(NoSuchTableException.class);
    List<String> kept = storage.list(warehouse + "/.datashard-dropped");
    assertThat(kept).hasSize(1);
    assertThat(kept.get(0)).startsWith("ml.events.").endsWith(".metadata.json");
    // the name is free again, and the kept metadata still reads the dropped table's rows: its
    // data files stayed
    Table fresh = catalog.createTable(id, SCHEMA);
    assertThat(icebergIds(fresh)).isEmpty();
    Table dropped =
        new org.apache.iceberg.BaseTable(
            new org.apache.iceberg.StaticTableOperations(
                warehouse + "/.datashard-dropped/" + kept.get(0), fresh.io()),
            "kept");
    assertThat(icebergIds(dropped)).isEqualTo(range(0, 10));

    assertThat(catalog.dropTable(id, true)).isTrue();
    assertThat(storage.walk(warehouse + "/ml/events")).isEmpty();
  }

  @Test
  void renameIsRefusedWithTheProtocolsError() {
    catalog.createNamespace(Namespace.of("ml"));
    TableIdentifier id = TableIdentifier.of("ml", "events");
    append(catalog.createTable(id, SCHEMA), 0, 5);
    assertThatThrownBy(() -> catalog.renameTable(id, TableIdentifier.of("ml", "other")))
        // the 406 of the spec; Iceberg Java's client has no exception of its own for it on rename
        .isInstanceOf(org.apache.iceberg.exceptions.RESTException.class)
        .hasMessageContaining("not supported for a warehouse on object storage");
    assertThat(icebergIds(catalog.loadTable(id))).isEqualTo(range(0, 5));
    assertThat(catalog.tableExists(TableIdentifier.of("ml", "other"))).isFalse();
  }

  @Test
  void registerTakesAMetadataFileInTheTablesOwnPlace() throws IOException {
    catalog.createNamespace(Namespace.of("ml"));
    io.datashard.Table t =
        DataShard.table(storage, warehouse + "/ml/logged")
            .schema(io.datashard.Schema.parse("id long not null, name string"))
            .create();
    t.append(List.of(Map.of("id", 1L, "name", "a"), Map.of("id", 2L, "name", "b")));
    // a prefix with a table but no catalog entry yet: the warehouse sees it once it is there
    assertThat(catalog.listTables(Namespace.of("ml")))
        .containsExactly(TableIdentifier.of("ml", "logged"));
    assertThatThrownBy(
            () ->
                catalog.registerTable(TableIdentifier.of("ml", "elsewhere"), t.metadataLocation()))
        .hasMessageContaining("must be directly in " + warehouse + "/ml/elsewhere/metadata/");
    Table reg = catalog.registerTable(TableIdentifier.of("ml", "logged"), t.metadataLocation());
    assertThat(icebergIds(reg)).containsExactly(1L, 2L);
  }

  @Test
  void theServeCommandServesAnS3Warehouse() throws Exception {
    Path log = tmp.resolve("serve.log");
    Process serve =
        ChildJvm.start(
            s3.environment(), Main.class, log, "serve", "s3://lake/cli-wh", "--port", "0");
    try (RESTCatalog viaCli = client(awaitUri(serve, log))) {
      assertThat(Files.readString(log)).contains("s3://lake/cli-wh");
      viaCli.createNamespace(Namespace.of("ml"));
      append(viaCli.createTable(TableIdentifier.of("ml", "t"), SCHEMA), 0, 7);
      assertThat(dataShardIds("s3://lake/cli-wh/ml/t")).isEqualTo(range(0, 7));
    } finally {
      serve.destroy();
      serve.waitFor();
    }
  }

  private static String awaitUri(Process serve, Path log) throws Exception {
    Pattern p = Pattern.compile(" at (http://[0-9.]+:\\d+)");
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (System.nanoTime() < deadline) {
      String text = Files.exists(log) ? Files.readString(log) : "";
      Matcher m = p.matcher(text);
      if (m.find()) {
        return m.group(1);
      }
      assertThat(serve.isAlive()).as("serve is running: %s", text).isTrue();
      Thread.sleep(50);
    }
    throw new AssertionError("serve printed no URI");
  }
}
