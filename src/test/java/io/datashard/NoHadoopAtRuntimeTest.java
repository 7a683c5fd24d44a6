package io.datashard;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.testkit.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the CLI in a child JVM whose classpath is exactly DataShard's runtime classpath (no test
 * jars, so no Hadoop and no Apache Iceberg): creating a table, appending and scanning must work.
 */
class NoHadoopAtRuntimeTest {
  @TempDir Path tmp;

  private String run(String classpath, String... args) throws Exception {
    return run(0, classpath, args);
  }

  private String run(int exit, String classpath, String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(List.of(ChildJvm.javaBinary(), "-cp", classpath, "io.datashard.cli.Main"));
    cmd.addAll(List.of(args));
    Path out = tmp.resolve("out-" + System.nanoTime());
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    String text = Files.readString(out);
    assertThat(p.exitValue()).as(text).isEqualTo(exit);
    return text;
  }

  @Test
  void writesAndReadsWithTheRuntimeClasspathOnly() throws Exception {
    String cp = System.getProperty("datashard.runtime.classpath");
    assertThat(cp).as("set by the build (pom.xml)").isNotBlank();
    assertThat(cp).doesNotContain("/org/apache/hadoop/").doesNotContain("iceberg");
    String dir = tmp.resolve("t").toString();
    Path input = tmp.resolve("in.jsonl");
    Files.writeString(
        input, "{\"id\": 1, \"emb\": [0.5], \"tz\": \"2026-01-01T00:00:00Z\", \"price\": 1.25}\n");
    run(
        cp,
        "create",
        dir,
        "--schema",
        "id long, emb list<float>, tz timestamptz, price decimal(9,2)");
    run(cp, "append", dir, "--file", input.toString());
    String out = run(cp, "scan", dir);
    assertThat(out.strip())
        .isEqualTo("{\"id\":1,\"emb\":[0.5],\"tz\":\"2026-01-01T00:00Z\",\"price\":1.25}");
  }

  /** The AWS SDK is an optional set: without it an s3:// table is a clear error, nothing else. */
  @Test
  void withoutTheAwsSdkAnS3TableIsAClearError() throws Exception {
    String cp = System.getProperty("datashard.runtime.classpath");
    assertThat(cp).doesNotContain("awssdk");
    String out = run(1, cp, "create", "s3://lake/events", "--schema", "id long");
    assertThat(out).contains("AWS SDK").contains("target/lib-s3");
    assertThat(out).doesNotContain("Exception in thread");
    String s3cp = System.getProperty("datashard.s3.classpath");
    assertThat(s3cp).as("set by the build (pom.xml)").contains("awssdk");
  }
}
