package io.datashard.internal.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.CloseableIterator;
import io.datashard.FileFormat;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.internal.DataFileIO;
import io.datashard.interop.IcebergJava;
import io.datashard.storage.LocalStorage;
import io.datashard.storage.Storage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Table;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The column scan that merge-on-read deletes by id use reads the same (position, value) pairs as
 * reading rows: required and optional columns, nulls, int and long, plain and dictionary pages, one
 * row group or many, files of DataShard's writer and of Apache Iceberg Java's.
 */
class LongColumnScanTest {
  @TempDir Path tmp;

  private final Storage storage = new LocalStorage(false);

  /** Position to value (null for a null) of a column, by reading rows. */
  private Map<Long, Long> byRows(String location, Schema schema, String column) {
    Map<Long, Long> out = new LinkedHashMap<>();
    try (CloseableIterator<Row> rows =
        DataFileIO.read(storage, location, FileFormat.PARQUET, schema.select(List.of(column)))) {
      long pos = 0;
      while (rows.hasNext()) {
        Object v = rows.next().get(0);
        out.put(pos++, v == null ? null : ((Number) v).longValue());
      }
    }
    return out;
  }

  private Map<Long, Long> byScan(String location, int fieldId, long rows) {
    Map<Long, Long> out = new LinkedHashMap<>();
    for (long i = 0; i < rows; i++) {
      out.put(i, null);
    }
    assertThat(LongColumnScan.scan(storage, location, fieldId, out::put)).isTrue();
    return out;
  }

  @Test
  void dataShardFilesReadAlikeColumnByColumn() throws Exception {
    Schema schema = Schema.parse("id long not null, n int, d long, s string");
    Random random = new Random(7);
    List<Row> rows = new ArrayList<>();
    for (long i = 0; i < 50_000; i++) {
      Map<String, Object> m = new HashMap<>();
      m.put("id", random.nextLong());
      m.put("n", i % 3 == 0 ? null : (int) (i * 7));
      m.put("d", i % 5 == 0 ? null : i % 10); // few values: dictionary pages
      m.put("s", "x" + i);
      rows.add(schema.toRow(m));
    }
    String location = tmp.resolve("f.parquet").toString();
    Iterator<Row> it = rows.iterator();
    DataFileIO.write(storage, location, FileFormat.PARQUET, schema, it);
    long decodedBefore = LongColumnScan.DECODED_GROUPS.get();
    for (String column : List.of("id", "n", "d")) {
      int id = schema.findField(column).id();
      assertThat(byScan(location, id, rows.size()))
          .as(column)
          .isEqualTo(byRows(location, schema, column));
    }
    assertThat(LongColumnScan.DECODED_GROUPS.get()).isGreaterThan(decodedBefore + 2);
    // not an integer column, or not there: the caller reads rows
    assertThat(LongColumnScan.scan(storage, location, schema.findField("s").id(), (p, v) -> {}))
        .isFalse();
    assertThat(LongColumnScan.scan(storage, location, 99, (p, v) -> {})).isFalse();
  }

  @Test
  void icebergJavaFilesWithManyRowGroupsAndPagesReadAlike() throws Exception {
    org.apache.iceberg.Schema schema =
        new org.apache.iceberg.Schema(
            Types.NestedField.required(1, "id", Types.LongType.get()),
            Types.NestedField.optional(2, "n", Types.IntegerType.get()));
    Map<String, String> props = new HashMap<>();
    props.put("write.parquet.row-group-size-bytes", "8192");
    props.put("write.parquet.page-size-bytes", "1024");
    props.put("write.parquet.dict-size-bytes", "1024");
    Table t =
        IcebergJava.tables()
            .create(schema, PartitionSpec.unpartitioned(), props, tmp.resolve("ice").toString());
    List<Map<String, Object>> records = new ArrayList<>();
    for (long i = 0; i < 20_000; i++) {
      Map<String, Object> m = new HashMap<>();
      m.put("id", i * 3);
      m.put("n", i % 4 == 0 ? null : (int) (i % 50));
      records.add(m);
    }
    DataFile f = IcebergJava.writeDataFile(t, records);
    String location = java.net.URI.create(f.location()).getPath();
    Schema ours = Schema.parse("id long not null, n int");
    long decodedBefore = LongColumnScan.DECODED_GROUPS.get();
    for (String column : List.of("id", "n")) {
      int id = ours.findField(column).id();
      assertThat(byScan(location, id, records.size()))
          .as(column)
          .isEqualTo(byRows(location, ours, column));
    }
    assertThat(LongColumnScan.DECODED_GROUPS.get())
        .as("row groups")
        .isGreaterThan(decodedBefore + 4);
  }
}
