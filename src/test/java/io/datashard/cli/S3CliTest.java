package io.datashard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.testkit.ChildJvm;
import io.datashard.testkit.S3Proxy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line on {@code s3://} tables, run as a user runs it: a separate process configured by
 * the usual AWS variables, against a real S3-API server. Locations with other schemes are refused
 * and never become local folders.
 */
class S3CliTest {
  private static S3Proxy server;
  private static Path serverDir;

  @TempDir Path work;

  @BeforeAll
  static void startServer() throws IOException {
    serverDir = Files.createTempDirectory("datashard-s3-cli");
    server = S3Proxy.start(serverDir);
    server.createBucket("lake");
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  private record Run(int code, String out) {}

  private Run cli(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(ChildJvm.javaBinary());
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.addAll(List.of(args));
    Path log = Files.createTempFile(work, "cli", ".log");
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(work.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().putAll(server.environment());
    Process p = pb.start();
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  private List<String> workFiles() throws IOException {
    try (Stream<Path> s = Files.list(work)) {
      return s.map(f -> f.getFileName().toString()).filter(n -> !n.startsWith("cli")).toList();
    }
  }

  @Test
  void tableCommandsWorkOnS3() throws Exception {
    String t = "s3://lake/ml/events";
    Run created = cli("create", t, "--schema", "id long not null, tag string");
    assertThat(created.code()).as(created.out()).isZero();
    Path rows = work.resolve("rows.jsonl");
    Files.writeString(
        rows,
        "{\"id\":1,\"tag\":\"a\"}\n{\"id\":2,\"tag\":\"b\"}\n{\"id\":3,\"tag\":\"a\"}\n",
        StandardCharsets.UTF_8);
    Run appended = cli("append", t, "--file", rows.toString());
    assertThat(appended.code()).as(appended.out()).isZero();
    Run count = cli("count", t);
    assertThat(count.code()).as(count.out()).isZero();
    assertThat(count.out().trim()).endsWith("3");
    Run deleted = cli("delete", t, "--filter", "tag = 'b'");
    assertThat(deleted.code()).as(deleted.out()).isZero();
    Run scan = cli("scan", t, "--format", "jsonl");
    assertThat(scan.code()).as(scan.out()).isZero();
    assertThat(scan.out()).contains("\"id\":1").contains("\"id\":3").doesNotContain("\"id\":2");
    Run snapshots = cli("snapshots", t);
    assertThat(snapshots.code()).as(snapshots.out()).isZero();
    Run verify = cli("verify", t);
    assertThat(verify.code()).as(verify.out()).isZero();
    Run info = cli("info", t);
    assertThat(info.code()).as(info.out()).isZero();
    assertThat(info.out()).contains("s3://lake/ml/events");
    // export to a local file, and import it into a second table on S3
    Path exported = work.resolve("out.parquet");
    Run export = cli("export", t, "--to", exported.toString());
    assertThat(export.code()).as(export.out()).isZero();
    Run copy = cli("create", "s3://lake/ml/copy");
    assertThat(copy.code()).as(copy.out()).isZero();
    Run imported = cli("import", "s3://lake/ml/copy", exported.toString());
    assertThat(imported.code()).as(imported.out()).isZero();
    Run copied = cli("count", "s3://lake/ml/copy");
    assertThat(copied.out().trim()).as(copied.out()).endsWith("2");
    Run exportToS3 = cli("export", t, "--to", "s3://lake/out.parquet");
    assertThat(exportToS3.code()).isEqualTo(2);
    assertThat(exportToS3.out()).contains("must be a local path");
    // nothing was written to the working directory: the location is not a relative path
    assertThat(workFiles()).containsExactlyInAnyOrder("rows.jsonl", "out.parquet");
    assertThat(Files.exists(serverDir.resolve("blobs/lake/ml/events/metadata"))).isTrue();
  }

  @Test
  void otherSchemesAndS3WhereALocalPathIsNeededAreRefused() throws Exception {
    Run gs = cli("create", "gs://lake/ml/events", "--schema", "id long");
    assertThat(gs.code()).isEqualTo(2);
    assertThat(gs.out()).contains("gs://lake/ml/events").contains("s3://bucket/prefix");
    Run hdfs = cli("append", "hdfs://nn/t", "--file", "x.jsonl");
    assertThat(hdfs.code()).isEqualTo(2);
    Run stress = cli("stress", "--dir", "s3://lake/stress");
    assertThat(stress.code()).isEqualTo(2);
    assertThat(stress.out()).contains("must be a local path");
    Run missingKey = cli("create", "s3://lake", "--schema", "id long");
    assertThat(missingKey.code()).isNotZero();
    assertThat(missingKey.out()).contains("bucket and a prefix");
    assertThat(workFiles()).isEmpty();
  }
}
