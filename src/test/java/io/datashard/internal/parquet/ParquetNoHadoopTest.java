package io.datashard.internal.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.testkit.ChildJvm;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves the Parquet write and read paths (every type, every codec, projection, errors) load no
 * Hadoop class: they run in a child JVM whose classpath is DataShard's runtime classpath plus the
 * test classes, with no Hadoop (nor Iceberg) jar. Also pins why {@code DataShardReadOptions}
 * exists: parquet-java's public {@code ParquetReadOptions.builder(PlainParquetConfiguration)} still
 * loads Hadoop's mapreduce classes. If that assertion ever fails after a parquet-java upgrade,
 * switch to the public builder and delete {@code org.apache.parquet.DataShardReadOptions}.
 */
class ParquetNoHadoopTest {
  @TempDir Path tmp;

  @Test
  void writeAndReadPathsNeedNoHadoop() throws Exception {
    String runtime = System.getProperty("datashard.runtime.classpath");
    assertThat(runtime)
        .as("set by the build (pom.xml)")
        .isNotBlank()
        .doesNotContain("/org/apache/hadoop/");
    String testClasses =
        Path.of(
                NoHadoopParquetMain.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI())
            .toString();
    Path out = tmp.resolve("child.log");
    Process p =
        new ProcessBuilder(
                List.of(
                    ChildJvm.javaBinary(),
                    "-cp",
                    runtime + File.pathSeparator + testClasses,
                    NoHadoopParquetMain.class.getName(),
                    tmp.toString()))
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    String log = Files.readString(out);
    assertThat(p.exitValue()).as(log).isZero();
    assertThat(log).contains("parquet paths OK").doesNotContain("org.apache.iceberg");
    assertThat(log)
        .as("parquet-java's public read-options builder still needs Hadoop")
        .contains("public ParquetReadOptions builder needs Hadoop: org/apache/hadoop/");
  }
}
