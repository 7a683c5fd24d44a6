package io.datashard.interop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.hadoop.HadoopTables;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;

/** Apache Iceberg Java, used as the reference reader and writer in tests. */
public final class IcebergJava {
  private IcebergJava() {}

  /** A Hadoop configuration for the local filesystem without .crc side files. */
  public static Configuration conf() {
    Configuration conf = new Configuration(false);
    conf.set("fs.file.impl", org.apache.hadoop.fs.RawLocalFileSystem.class.getName());
    conf.setBoolean("fs.file.impl.disable.cache", true);
    return conf;
  }

  public static HadoopTables tables() {
    return new HadoopTables(conf());
  }

  /** Loads the table at a directory, the way catalog-less Iceberg readers do (version hint). */
  public static Table load(Path dir) {
    return tables().load(dir.toString());
  }

  /**
   * Checks that Apache Iceberg Java, opening the directory on its own, sees the same snapshot ids,
   * schema and current rows as DataShard; with {@code everySnapshot}, also the rows of every
   * snapshot by id and by its commit time.
   */
  public static void assertSameAsDataShard(Path dir, boolean everySnapshot) {
    io.datashard.Table ours = io.datashard.DataShard.open(dir);
    Table ice = load(dir);
    List<Long> iceIds = new ArrayList<>();
    ice.snapshots().forEach(s -> iceIds.add(s.snapshotId()));
    List<Long> ourIds = new ArrayList<>();
    ours.snapshots().forEach(s -> ourIds.add(s.snapshotId()));
    org.assertj.core.api.Assertions.assertThat(iceIds).as("snapshot ids").isEqualTo(ourIds);
    org.assertj.core.api.Assertions.assertThat(ice.schema().columns().size()).isEqualTo(ours.schema().columns().size());
    for (io.datashard.Types.NestedField f : ours.schema().columns()) {
      org.assertj.core.api.Assertions.assertThat(ice.schema().findField(f.id()).name()).isEqualTo(f.name());
    }
    org.assertj.core.api.Assertions.assertThat(rows(ice, null)).as("current rows")
        .containsExactlyInAnyOrderElementsOf(dataShardRows(ours.scan()));
    if (everySnapshot) {
      for (io.datashard.Snapshot s : ours.snapshots()) {
        List<Map<String, Object>> expected = dataShardRows(ours.scan().useSnapshot(s.snapshotId()));
        org.assertj.core.api.Assertions.assertThat(rows(ice, s.snapshotId())).as("rows of snapshot %d", s.snapshotId())
            .containsExactlyInAnyOrderElementsOf(expected);
        org.assertj.core.api.Assertions.assertThat(rowsAsOf(ice, s.timestampMillis()))
            .as("rows as of %d", s.timestampMillis())
            .containsExactlyInAnyOrderElementsOf(dataShardRows(ours.scan().asOfMillis(s.timestampMillis())));
      }
    }
  }

  private static List<Map<String, Object>> dataShardRows(io.datashard.Scan scan) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (io.datashard.Row r : scan.toList()) {
      out.add(r.toMap());
    }
    return out;
  }

  /** All rows of a snapshot (null: current) as plain maps, in DataShard's value conventions. */
  public static List<Map<String, Object>> rows(Table table, Long snapshotId) {
    IcebergGenerics.ScanBuilder scan = IcebergGenerics.read(table);
    if (snapshotId != null) {
      scan = scan.useSnapshot(snapshotId);
    }
    return collect(scan.build());
  }

  /** All rows as of a time, in DataShard's value conventions. */
  public static List<Map<String, Object>> rowsAsOf(Table table, long millis) {
    return collect(IcebergGenerics.read(table).asOfTime(millis).build());
  }

  private static List<Map<String, Object>> collect(CloseableIterable<Record> records) {
    List<Map<String, Object>> out = new ArrayList<>();
    try (CloseableIterable<Record> it = records) {
      for (Record r : it) {
        out.add(toMap(r));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  static Map<String, Object> toMap(Record r) {
    Map<String, Object> m = new LinkedHashMap<>();
    List<Types.NestedField> fields = r.struct().fields();
    for (int i = 0; i < fields.size(); i++) {
      m.put(fields.get(i).name(), plain(r.get(i)));
    }
    return m;
  }

  /** Iceberg generic values to DataShard conventions: byte[] to ByteBuffer, records to maps. */
  public static Object plain(Object v) {
    if (v instanceof Record) {
      return toMap((Record) v);
    }
    if (v instanceof byte[]) {
      return ByteBuffer.wrap((byte[]) v);
    }
    if (v instanceof CharSequence) {
      return v.toString();
    }
    if (v instanceof List) {
      List<Object> out = new ArrayList<>();
      for (Object o : (List<?>) v) {
        out.add(plain(o));
      }
      return out;
    }
    if (v instanceof Map) {
      Map<Object, Object> out = new LinkedHashMap<>();
      ((Map<?, ?>) v).forEach((k, x) -> out.put(plain(k), plain(x)));
      return out;
    }
    return v;
  }
}
