package io.datashard.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.CatalogServer;
import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.TableOptions;
import io.datashard.testkit.AppendWorker;
import io.datashard.testkit.ChildJvm;
import io.datashard.testkit.RestAppendWorker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableCommit;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.NamespaceNotEmptyException;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.exceptions.NotAuthorizedException;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apache Iceberg Java's own REST client ({@code RESTCatalog}) against {@code datashard serve}:
 * namespaces, tables, appends and schema changes through the catalog, read by DataShard directly
 * from the folders, and DataShard's writes read back through the catalog; commits from the REST
 * client interleaved with appends of DataShard child processes on the same table.
 */
class RestCatalogTest {
  private static final Schema SCHEMA =
      new Schema(
          Types.NestedField.required(1, "worker", Types.IntegerType.get()),
          Types.NestedField.required(2, "seq", Types.IntegerType.get()));

  @TempDir Path tmp;
  private Path warehouse;
  private CatalogServer server;
  private RESTCatalog catalog;

  @BeforeEach
  void start() {
    warehouse = tmp.resolve("lake");
    server =
        CatalogServer.builder(warehouse)
            .port(0)
            .options(TableOptions.defaults().withDurable(false))
            .start();
    catalog = client(Map.of());
  }

  private RESTCatalog client(Map<String, String> extra) {
    RESTCatalog c = new RESTCatalog();
    c.setConf(IcebergJava.conf());
    Map<String, String> props = new HashMap<>();
    props.put("uri", server.uri().toString());
    props.put("io-impl", "org.apache.iceberg.hadoop.HadoopFileIO");
    props.putAll(extra);
    c.initialize("datashard", props);
    return c;
  }

  @AfterEach
  void stop() throws Exception {
    catalog.close();
    server.close();
  }

  private static List<Map<String, Object>> rows(int worker, int from, int to) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(Map.of("worker", worker, "seq", i));
    }
    return out;
  }

  private static Set<String> keys(List<Map<String, Object>> rows) {
    Set<String> out = new HashSet<>();
    for (Map<String, Object> r : rows) {
      out.add(r.get("worker") + "/" + r.get("seq"));
    }
    return out;
  }

  private static Set<String> dataShardKeys(Path dir) {
    Set<String> out = new HashSet<>();
    for (Row r : DataShard.open(dir).scan().toList()) {
      out.add(r.get("worker") + "/" + r.get("seq"));
    }
    return out;
  }

  @Test
  void namespacesAndTablesAreFoldersAndBothSidesReadEachOthersWrites() {
    // a mutable map: the client looks up null keys in it
    catalog.createNamespace(Namespace.of("ml", "runs"), new HashMap<>(Map.of("owner", "team-a")));
    assertThat(catalog.listNamespaces()).containsExactly(Namespace.of("ml"));
    assertThat(catalog.listNamespaces(Namespace.of("ml")))
        .containsExactly(Namespace.of("ml", "runs"));
    assertThat(catalog.loadNamespaceMetadata(Namespace.of("ml", "runs")))
        .containsEntry("owner", "team-a");
    assertThat(Files.isDirectory(warehouse.resolve("ml/runs"))).isTrue();

    TableIdentifier id = TableIdentifier.of("ml", "runs", "events");
    Table t = catalog.createTable(id, SCHEMA);
    Path dir = warehouse.resolve("ml/runs/events");
    assertThat(catalog.listTables(Namespace.of("ml", "runs"))).containsExactly(id);
    assertThat(catalog.tableExists(id)).isTrue();

    IcebergJava.append(t, rows(7, 0, 5));
    assertThat(dataShardKeys(dir)).isEqualTo(keys(rows(7, 0, 5)));

    io.datashard.Table local = DataShard.open(dir);
    local.newAppend().add(Map.of("worker", 8, "seq", 0)).commit();
    Table reloaded = catalog.loadTable(id);
    Set<String> expected = keys(rows(7, 0, 5));
    expected.add("8/0");
    assertThat(keys(IcebergJava.rows(reloaded, null))).isEqualTo(expected);

    // a schema change through the catalog is a schema change of the folder's table
    reloaded.updateSchema().addColumn("note", Types.StringType.get()).commit();
    assertThat(DataShard.open(dir).schema().columnNames()).containsExactly("worker", "seq", "note");

    assertThatThrownBy(() -> catalog.createTable(id, SCHEMA))
        .isInstanceOf(AlreadyExistsException.class);
    assertThatThrownBy(() -> catalog.loadTable(TableIdentifier.of("ml", "runs", "nope")))
        .isInstanceOf(NoSuchTableException.class);
    assertThatThrownBy(() -> catalog.listTables(Namespace.of("nope")))
        .isInstanceOf(NoSuchNamespaceException.class);
    assertThatThrownBy(() -> catalog.dropNamespace(Namespace.of("ml", "runs")))
        .isInstanceOf(NamespaceNotEmptyException.class);
  }

  @Test
  void restCommitsAndLocalAppendsFromChildProcessesInterleaveWithoutLoss() throws Exception {
    catalog.createNamespace(Namespace.of("ml"));
    TableIdentifier id = TableIdentifier.of("ml", "events");
    // the client retries a lost race by itself; with busy local writers it needs more tries
    catalog.createTable(
        id, SCHEMA, PartitionSpec.unpartitioned(), Map.of("commit.retry.num-retries", "50"));
    Path dir = warehouse.resolve("ml/events");
    int processes = 2;
    int appends = 60;
    List<Process> procs = new ArrayList<>();
    List<Path> logs = new ArrayList<>();
    for (int w = 0; w < processes; w++) {
      Path log = tmp.resolve("worker-" + w + ".log");
      logs.add(log);
      procs.add(
          ChildJvm.start(
              AppendWorker.class,
              tmp.resolve("worker-" + w + ".out"),
              dir.toString(),
              Integer.toString(w),
              Integer.toString(appends),
              log.toString()));
    }
    Table t = catalog.loadTable(id);
    int restAppends = 0;
    Set<String> expected = new HashSet<>();
    while (procs.stream().anyMatch(Process::isAlive) || restAppends < 20) {
      IcebergJava.append(t, rows(100, restAppends, restAppends + 1));
      expected.add("100/" + restAppends);
      restAppends++;
    }
    for (Process p : procs) {
      assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
      assertThat(p.exitValue()).isZero();
    }
    for (int w = 0; w < processes; w++) {
      for (String line : Files.readAllLines(logs.get(w))) {
        String[] p = line.split(" ");
        assertThat(p[0]).as("worker %d: %s", w, line).isEqualTo("ok");
        expected.add(w + "/" + p[1]);
      }
    }
    assertThat(expected).hasSize(processes * appends + restAppends);
    List<Map<String, Object>> viaRest = IcebergJava.rows(catalog.loadTable(id), null);
    assertThat(viaRest).hasSize(expected.size()); // no duplicates
    assertThat(keys(viaRest)).isEqualTo(expected);
    assertThat(dataShardKeys(dir)).isEqualTo(expected);
    assertThat(DataShard.verify(dir, true).errors()).isEmpty();
  }

  @Test
  void clientProcessesThroughTheServerAndLocalProcessesAppendTogetherEachRetryAppliedOnce()
      throws Exception {
    catalog.createNamespace(Namespace.of("ml"));
    TableIdentifier id = TableIdentifier.of("ml", "shared");
    catalog.createTable(
        id, SCHEMA, PartitionSpec.unpartitioned(), Map.of("commit.retry.num-retries", "100"));
    Path dir = warehouse.resolve("ml/shared");
    int appends = 40;
    // workers 0, 1: DataShard processes on the folder; 2: Iceberg's REST client; 3: commits sent
    // twice with one Idempotency-Key
    List<Process> procs = new ArrayList<>();
    List<Path> logs = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      Path log = tmp.resolve("worker-" + w + ".log");
      Path out = tmp.resolve("worker-" + w + ".out");
      logs.add(log);
      if (w < 2) {
        procs.add(
            ChildJvm.start(
                AppendWorker.class,
                out,
                dir.toString(),
                Integer.toString(w),
                Integer.toString(appends),
                log.toString()));
      } else {
        procs.add(
            ChildJvm.start(
                RestAppendWorker.class,
                out,
                server.uri().toString(),
                "ml",
                "shared",
                Integer.toString(w),
                Integer.toString(appends),
                w == 2 ? "client" : "retried",
                log.toString()));
      }
    }
    Set<String> expected = new HashSet<>();
    for (int w = 0; w < 4; w++) {
      assertThat(procs.get(w).waitFor(5, TimeUnit.MINUTES)).as("worker %d finished", w).isTrue();
      assertThat(procs.get(w).exitValue())
          .as("worker %d: %s", w, Files.readString(tmp.resolve("worker-" + w + ".out")))
          .isZero();
      for (String line : Files.readAllLines(logs.get(w))) {
        String[] p = line.split(" ", 3);
        assertThat(p[0]).as("worker %d: %s", w, line).isEqualTo("ok");
        expected.add(w + "/" + p[1]);
      }
    }
    assertThat(expected).hasSize(4 * appends);
    List<Map<String, Object>> viaRest = IcebergJava.rows(catalog.loadTable(id), null);
    assertThat(viaRest).hasSize(expected.size()); // nothing twice
    assertThat(keys(viaRest)).isEqualTo(expected);
    assertThat(dataShardKeys(dir)).isEqualTo(expected);
  }

  @Test
  void aStaleCommitIsAConflictAndTheClientRetriesIt() {
    catalog.createNamespace(Namespace.of("ml"));
    TableIdentifier id = TableIdentifier.of("ml", "t");
    Table t = catalog.createTable(id, SCHEMA);
    Table stale = catalog.loadTable(id);
    IcebergJava.append(t, rows(1, 0, 1));
    // a property change built on the stale version: retried on the new one by the client
    stale.updateProperties().set("k", "v").commit();
    assertThat(DataShard.open(warehouse.resolve("ml/t")).properties()).containsEntry("k", "v");
    // an append built on the stale version is rebased and retried by the client
    IcebergJava.append(stale, rows(2, 0, 1));
    assertThat(keys(IcebergJava.rows(catalog.loadTable(id), null)))
        .containsExactlyInAnyOrder("1/0", "2/0");
  }

  @Test
  void multiTableTransactionsApplyToAllTablesOrToNone() {
    catalog.createNamespace(Namespace.of("ml"));
    TableIdentifier a = TableIdentifier.of("ml", "a");
    TableIdentifier b = TableIdentifier.of("ml", "b");
    catalog.createTable(a, SCHEMA);
    catalog.createTable(b, SCHEMA);
    TableMetadata baseA = ((BaseTable) catalog.loadTable(a)).operations().current();
    TableMetadata baseB = ((BaseTable) catalog.loadTable(b)).operations().current();
    catalog.commitTransaction(
        TableCommit.create(
            a, baseA, TableMetadata.buildFrom(baseA).setProperties(Map.of("run", "1")).build()),
        TableCommit.create(
            b, baseB, TableMetadata.buildFrom(baseB).setProperties(Map.of("run", "1")).build()));
    assertThat(DataShard.open(warehouse.resolve("ml/a")).properties()).containsEntry("run", "1");
    assertThat(DataShard.open(warehouse.resolve("ml/b")).properties()).containsEntry("run", "1");

    // b changes locally: a transaction whose append to b was built on b's old version fails as
    // a whole, and a's property change is not applied either
    Table staleB = catalog.loadTable(b);
    TableMetadata a1 = ((BaseTable) catalog.loadTable(a)).operations().current();
    TableMetadata b1 = ((BaseTable) staleB).operations().current();
    AppendFiles append = staleB.newAppend();
    append.appendFile(IcebergJava.writeDataFile(staleB, rows(9, 0, 1)));
    org.apache.iceberg.Snapshot staleSnapshot = append.apply();
    DataShard.open(warehouse.resolve("ml/b"))
        .newAppend()
        .add(Map.of("worker", 1, "seq", 1))
        .commit();
    assertThatThrownBy(
            () ->
                catalog.commitTransaction(
                    TableCommit.create(
                        a,
                        a1,
                        TableMetadata.buildFrom(a1).setProperties(Map.of("run", "2")).build()),
                    TableCommit.create(
                        b,
                        b1,
                        TableMetadata.buildFrom(b1)
                            .setBranchSnapshot(staleSnapshot, "main")
                            .build())))
        .isInstanceOf(CommitFailedException.class);
    assertThat(DataShard.open(warehouse.resolve("ml/a")).properties()).containsEntry("run", "1");
    assertThat(dataShardKeys(warehouse.resolve("ml/b"))).containsExactly("1/1");
  }

  @Test
  void stagedCreateRenameAndDropWorkAsEnginesUseThem() {
    catalog.createNamespace(Namespace.of("ml"));
    catalog.createNamespace(Namespace.of("archive"));
    TableIdentifier id = TableIdentifier.of("ml", "ctas");
    Transaction tx = catalog.buildTable(id, SCHEMA).createTransaction();
    AppendFiles append = tx.newAppend();
    append.appendFile(IcebergJava.writeDataFile(tx.table(), rows(3, 0, 4)));
    append.commit();
    assertThat(catalog.tableExists(id)).isFalse(); // staged: not there before the commit
    tx.commitTransaction();
    assertThat(dataShardKeys(warehouse.resolve("ml/ctas"))).isEqualTo(keys(rows(3, 0, 4)));

    TableIdentifier moved = TableIdentifier.of("archive", "ctas2");
    catalog.renameTable(id, moved);
    assertThat(catalog.tableExists(id)).isFalse();
    assertThat(keys(IcebergJava.rows(catalog.loadTable(moved), null)))
        .isEqualTo(keys(rows(3, 0, 4)));
    assertThat(dataShardKeys(warehouse.resolve("archive/ctas2"))).isEqualTo(keys(rows(3, 0, 4)));
    IcebergJava.append(catalog.loadTable(moved), rows(3, 4, 5));
    assertThat(dataShardKeys(warehouse.resolve("archive/ctas2"))).hasSize(5);

    // the old name forwards the paths the moved table still records: not free yet
    assertThatThrownBy(() -> catalog.createTable(id, SCHEMA))
        .isInstanceOf(AlreadyExistsException.class)
        .hasMessageContaining("forwards to the renamed table archive.ctas2");
    assertThat(catalog.dropTable(moved, true)).isTrue();
    assertThat(catalog.tableExists(moved)).isFalse();
    assertThat(Files.exists(warehouse.resolve("archive/ctas2"))).isFalse();
    // the old name is free again once the table it forwarded to is gone
    catalog.createTable(id, SCHEMA);
    assertThat(catalog.tableExists(id)).isTrue();
  }

  @Test
  void aTokenIsRequiredWhenConfiguredAndTheOauthEndpointGivesIt() throws Exception {
    server.close();
    server =
        CatalogServer.builder(warehouse)
            .port(0)
            .token("s3cr3t-token")
            .options(TableOptions.defaults().withDurable(false))
            .start();
    assertThatThrownBy(() -> client(Map.of()).listNamespaces())
        .isInstanceOf(NotAuthorizedException.class);
    try (RESTCatalog withToken = client(Map.of("token", "s3cr3t-token"))) {
      withToken.createNamespace(Namespace.of("secure"));
      assertThat(withToken.listNamespaces()).contains(Namespace.of("secure"));
    }
    try (RESTCatalog withCredential = client(Map.of("credential", "me:s3cr3t-token"))) {
      assertThat(withCredential.listNamespaces()).contains(Namespace.of("secure"));
    }
    assertThatThrownBy(() -> client(Map.of("credential", "me:wrong")))
        .isInstanceOf(NotAuthorizedException.class);
  }
}
