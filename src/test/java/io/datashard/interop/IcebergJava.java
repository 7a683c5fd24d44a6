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
