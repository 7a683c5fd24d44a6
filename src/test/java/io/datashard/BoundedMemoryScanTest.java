package io.datashard;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.testkit.ChildJvm;
import io.datashard.testkit.ScanLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Repeated scans of a table with many manifests must not accumulate memory. (Avro's reader used to
 * keep about 37 KB per manifest read forever: 40 scans of 300 manifests need 440 MB that way.)
 */
class BoundedMemoryScanTest {
  @TempDir Path tmp;

  @Test
  void manyScansOfManyManifestsFitInASmallHeap() throws Exception {
    Path dir = tmp.resolve("t");
    Table t = DataShard.table(dir).schema(Schema.parse("id long not null")).durable(false).create();
    for (long i = 0; i < 300; i++) {
      t.append(List.of(Map.of("id", i)));
    }
    List<String> cmd =
        new ArrayList<>(
            List.of(
                ChildJvm.javaBinary(),
                "-Xmx48m",
                "-cp",
                System.getProperty("java.class.path"),
                ScanLoop.class.getName(),
                dir.toString(),
                "40"));
    Path out = tmp.resolve("out.txt");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(out)).isZero();
    assertThat(Files.readString(out).strip()).isEqualTo("300");
  }
}
