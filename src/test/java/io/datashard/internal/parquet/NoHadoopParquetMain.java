package io.datashard.internal.parquet;

import io.datashard.CorruptTableException;
import io.datashard.DataFile;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.storage.LocalStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Run by {@link ParquetNoHadoopTest} in a child JVM whose classpath is DataShard's runtime
 * classpath plus the test classes (no Hadoop, no Iceberg): writes and reads every type with every
 * codec, and projects by id. Any Hadoop class needed on these paths fails it with
 * NoClassDefFoundError.
 */
public final class NoHadoopParquetMain {
  private NoHadoopParquetMain() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    LocalStorage storage = new LocalStorage(false);
    List<Row> rows = ParquetTestData.rows(60);
    Schema schema = ParquetTestData.ALL;
    for (CompressionCodecName codec :
        List.of(
            CompressionCodecName.ZSTD,
            CompressionCodecName.SNAPPY,
            CompressionCodecName.GZIP,
            CompressionCodecName.UNCOMPRESSED)) {
      String loc = dir.resolve("child-" + codec + ".parquet").toString();
      DataFile f = ParquetFiles.write(storage, loc, schema, rows.iterator(), codec);
      check(
          f.recordCount() == rows.size() && f.fileSizeInBytes() == Files.size(Path.of(loc)),
          "metrics " + codec);
      check(ParquetFiles.read(storage, loc, schema).toList().equals(rows), "round trip " + codec);
      Schema projection = schema.select(List.of("tags", "id"));
      check(
          ParquetFiles.read(storage, loc, projection).toList().size() == rows.size(),
          "projection " + codec);
    }
    try {
      ParquetFiles.read(
              storage, dir.resolve("child-ZSTD.parquet").toString(), Schema.parse("id string"))
          .toList();
      check(false, "type mismatch detected");
    } catch (CorruptTableException expected) {
      // the error path needs no Hadoop either
    }
    System.out.println("parquet paths OK");
    // Whether parquet-java's public read-options builder still needs Hadoop (why
    // DataShardReadOptions exists)
    try {
      ParquetReadOptions.builder(new PlainParquetConfiguration()).build();
      System.out.println("public ParquetReadOptions builder works without Hadoop");
    } catch (NoClassDefFoundError e) {
      System.out.println("public ParquetReadOptions builder needs Hadoop: " + e.getMessage());
    }
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError("failed: " + what);
    }
  }
}
