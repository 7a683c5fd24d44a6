package io.datashard.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.storage.S3Storage;
import io.datashard.testkit.S3Proxy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.StaticTableOperations;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.aws.s3.S3FileIO;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apache Iceberg Java, with its own S3 FileIO pointed at the local S3-API server, reads the tables
 * DataShard writes there (every snapshot, merge-on-read deletes included), and DataShard reads a
 * table Iceberg Java wrote there.
 */
class S3IcebergInteropTest {
  private static S3Proxy server;

  @TempDir Path tmp;

  @BeforeAll
  static void startServer() throws IOException {
    server = S3Proxy.start(Files.createTempDirectory("datashard-s3-iceberg"));
    server.createBucket("lake");
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  private static Map<String, String> ioProperties() {
    Map<String, String> p = new HashMap<>();
    p.put("s3.endpoint", server.endpoint());
    p.put("s3.path-style-access", "true");
    p.put("s3.access-key-id", S3Proxy.ACCESS_KEY);
    p.put("s3.secret-access-key", S3Proxy.SECRET_KEY);
    p.put("client.region", "us-east-1");
    p.put("http-client.type", "urlconnection");
    return p;
  }

  private static S3FileIO fileIo() {
    S3FileIO io = new S3FileIO();
    io.initialize(ioProperties());
    return io;
  }

  private static List<Map<String, Object>> sorted(List<Map<String, Object>> rows) {
    List<Map<String, Object>> out = new ArrayList<>(rows);
    out.sort(Comparator.comparing(r -> String.valueOf(r.get("id"))));
    return out;
  }

  private static List<Map<String, Object>> dataShardRows(io.datashard.Table t, long snapshotId) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Row r : t.scan().useSnapshot(snapshotId).toList()) {
      Map<String, Object> m = new HashMap<>();
      m.put("id", r.get("id"));
      m.put("tag", r.get("tag"));
      out.add(m);
    }
    return sorted(out);
  }

  @Test
  void icebergJavaReadsWhatDataShardWroteOnS3() {
    try (S3Storage s3 = server.storage();
        S3FileIO io = fileIo()) {
      io.datashard.Table t =
          DataShard.table(s3, "s3://lake/ds/events")
              .schema(Schema.parse("id long not null, tag string"))
              .partitionBy("tag")
              .property("write.delete.mode", "merge-on-read")
              .create();
      List<Map<String, Object>> rows = new ArrayList<>();
      for (long i = 0; i < 50; i++) {
        rows.add(Map.of("id", i, "tag", i % 3 == 0 ? "a" : "b"));
      }
      t.append(rows);
      t.append(List.of(Map.of("id", 100L, "tag", "c")));
      t.newDelete().where("id < 10").commit(); // position delete files
      t.newUpsert().key("id").add(Map.of("id", 20L, "tag", "z")).commit();

      Table ice = new BaseTable(new StaticTableOperations(t.metadataLocation(), io), "events");
      assertThat(ice.snapshots()).hasSize(t.snapshots().size());
      for (Snapshot s : t.snapshots()) {
        assertThat(sorted(IcebergJava.rows(ice, s.snapshotId())))
            .as("snapshot %d", s.snapshotId())
            .isEqualTo(dataShardRows(t, s.snapshotId()));
      }
      assertThat(IcebergJava.rows(ice, null)).hasSize(50 + 1 - 10);
    }
  }

  /**
   * A minimal catalog for one Iceberg table on S3: it keeps the current metadata file in memory.
   */
  private static final class OnS3 extends org.apache.iceberg.BaseMetastoreTableOperations {
    private final S3FileIO io;
    private String current;

    OnS3(S3FileIO io) {
      this.io = io;
    }

    @Override
    protected String tableName() {
      return "events";
    }

    @Override
    public org.apache.iceberg.io.FileIO io() {
      return io;
    }

    @Override
    protected void doRefresh() {
      if (current == null) {
        disableRefresh();
      } else {
        refreshFromMetadataLocation(current);
      }
    }

    @Override
    protected void doCommit(TableMetadata base, TableMetadata metadata) {
      current = writeNewMetadataIfRequired(base == null, metadata);
    }
  }

  @Test
  void dataShardReadsWhatIcebergJavaWroteOnS3() throws IOException {
    org.apache.iceberg.Schema schema =
        new org.apache.iceberg.Schema(
            Types.NestedField.required(1, "id", Types.LongType.get()),
            Types.NestedField.optional(2, "tag", Types.StringType.get()));
    S3FileIO io = fileIo();
    OnS3 ops = new OnS3(io);
    ops.commit(
        null,
        TableMetadata.newTableMetadata(
            schema,
            PartitionSpec.unpartitioned(),
            "s3://lake/ice/db/events",
            Map.of("format-version", "2")));
    Table ice = new BaseTable(ops, "events");
    long first =
        IcebergJava.append(
            ice, List.of(Map.of("id", 1L, "tag", "x"), Map.of("id", 2L, "tag", "y")));
    IcebergJava.append(ice, List.of(Map.of("id", 3L, "tag", "x")));
    ice.refresh();

    // Iceberg's catalogs name metadata files NNNNN-uuid.metadata.json; publishing the current one
    // as
    // metadata/v1.metadata.json is how a catalog-less reader (DataShard, or register) finds it
    String current = ((BaseTable) ice).operations().current().metadataFileLocation();
    try (S3Storage s3 = server.storage()) {
      s3.writeNew("s3://lake/ice/db/events/metadata/v1.metadata.json", s3.readAll(current));
      io.datashard.Table t = DataShard.table(s3, "s3://lake/ice/db/events").open();
      assertThat(t.snapshots()).hasSize(2);
      for (org.apache.iceberg.Snapshot s : ice.snapshots()) {
        assertThat(dataShardRows(t, s.snapshotId()))
            .as("snapshot %d", s.snapshotId())
            .isEqualTo(sorted(IcebergJava.rows(ice, s.snapshotId())));
      }
      assertThat(dataShardRows(t, first)).hasSize(2);
      // and DataShard appends on top; Iceberg Java reads the result through the new metadata
      t.append(List.of(Map.of("id", 4L, "tag", "z")));
      TableMetadata after =
          org.apache.iceberg.TableMetadataParser.read(((BaseTable) ice).io(), t.metadataLocation());
      assertThat(after.snapshots()).hasSize(3);
      Table readBack =
          new BaseTable(
              new StaticTableOperations(t.metadataLocation(), ((BaseTable) ice).io()), "e");
      assertThat(IcebergJava.rows(readBack, null)).hasSize(4);
    }
  }
}
