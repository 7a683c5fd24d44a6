package io.datashard.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.VerifyReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Table;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A table Apache Iceberg Java wrote (file: URIs, .crc side files) verifies clean, and damage to it
 * is found.
 */
class VerifyIcebergWrittenTableTest {
  @TempDir Path tmp;

  @Test
  void anIcebergJavaTableVerifiesClean() throws Exception {
    Path dir = tmp.resolve("ice");
    Table ice =
        IcebergJava.tables()
            .create(
                ReadIcebergWrittenTableTest.SCHEMA,
                PartitionSpec.unpartitioned(),
                Map.of("format-version", "2"),
                dir.toString());
    DataFile first =
        ReadIcebergWrittenTableTest.write(
            ice,
            List.of(ReadIcebergWrittenTableTest.record(0), ReadIcebergWrittenTableTest.record(1)));
    ice.newAppend().appendFile(first).commit();
    ice.newAppend()
        .appendFile(
            ReadIcebergWrittenTableTest.write(ice, List.of(ReadIcebergWrittenTableTest.record(2))))
        .commit();

    VerifyReport r = DataShard.verify(dir, true);
    assertThat(r.problems()).isEmpty();
    assertThat(r.checked()).containsEntry("data files", 2L).containsEntry("snapshots", 2L);

    String path = first.location().replaceFirst("^file:/*", "/");
    Files.delete(Path.of(path));
    VerifyReport damaged = DataShard.verify(dir, false);
    assertThat(damaged.errors())
        .extracting(VerifyReport.Problem::kind, VerifyReport.Problem::file)
        .containsExactly(Tuple.tuple(VerifyReport.Kind.MISSING, path));
  }
}
