package io.datashard;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.testkit.ChildJvm;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ORC is optional: with only the core runtime classpath (no Hadoop) the CLI refuses ORC with an
 * error naming what to add, and Parquet and Avro still work; with the ORC set added (what
 * bin/datashard adds from target/lib-orc) ORC tables are written and read.
 */
class OrcOptionalTest {
  @TempDir Path tmp;

  record Result(int code, String text) {}

  private Result run(String classpath, String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(List.of(ChildJvm.javaBinary(), "-cp", classpath, "io.datashard.cli.Main"));
    cmd.addAll(List.of(args));
    Path out = tmp.resolve("out-" + System.nanoTime());
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    return new Result(p.exitValue(), Files.readString(out));
  }

  @Test
  void coreClasspathRefusesOrcClearlyAndStillWritesAvro() throws Exception {
    String core = System.getProperty("datashard.runtime.classpath");
    assertThat(core)
        .isNotBlank()
        .doesNotContain("/org/apache/hadoop/")
        .doesNotContain("/org/apache/orc/");
    String dir = tmp.resolve("t").toString();
    Result r = run(core, "create", dir, "--schema", "id long", "--file-format", "orc");
    assertThat(r.code()).isNotZero();
    assertThat(r.text()).contains("ORC", "orc-core", "lib-orc").doesNotContain("\tat ");

    Path input = tmp.resolve("in.jsonl");
    Files.writeString(input, "{\"id\": 1, \"emb\": [0.5]}\n");
    assertThat(
            run(
                    core,
                    "create",
                    dir,
                    "--schema",
                    "id long, emb list<float>",
                    "--file-format",
                    "avro")
                .code())
        .isZero();
    assertThat(run(core, "append", dir, "--file", input.toString()).code()).isZero();
    Result orcAppend = run(core, "append", dir, "--file", input.toString(), "--file-format", "orc");
    assertThat(orcAppend.code()).isNotZero();
    assertThat(orcAppend.text()).contains("orc-core");
    assertThat(run(core, "scan", dir).text().strip()).isEqualTo("{\"id\":1,\"emb\":[0.5]}");
  }

  @Test
  void withTheOrcSetTheCliWritesAndReadsOrc() throws Exception {
    String core = System.getProperty("datashard.runtime.classpath");
    String orc = System.getProperty("datashard.orc.classpath");
    assertThat(orc).as("set by the build (pom.xml)").contains("orc-core").contains("hadoop-common");
    String cp = core + File.pathSeparator + orc;
    String dir = tmp.resolve("o").toString();
    Path input = tmp.resolve("in.jsonl");
    Files.writeString(
        input,
        "{\"id\": 1, \"tz\": \"2026-01-01T00:00:00Z\", \"price\": 1.25, \"m\": {\"k\": [1, 2]}}\n");
    Result c =
        run(
            cp,
            "create",
            dir,
            "--schema",
            "id long, tz timestamptz, price decimal(9,2), " + "m map<string, list<long>>",
            "--file-format",
            "orc");
    assertThat(c.code()).as(c.text()).isZero();
    Result a = run(cp, "append", dir, "--file", input.toString());
    assertThat(a.code()).as(a.text()).isZero();
    try (var s = Files.list(Path.of(dir, "data"))) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .singleElement()
          .asString()
          .endsWith(".orc");
    }
    Result scan = run(cp, "scan", dir);
    assertThat(scan.code()).as(scan.text()).isZero();
    assertThat(scan.text().strip())
        .isEqualTo("{\"id\":1,\"tz\":\"2026-01-01T00:00Z\",\"price\":1.25,\"m\":{\"k\":[1,2]}}");
  }
}
