package io.datashard.cli;

import static io.datashard.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datashard.interop.IcebergJava;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The maintenance commands end to end: dry runs change nothing, real runs print a summary line. */
class MaintenanceCliTest {
  @TempDir Path tmp;

  private long count(Path dir, String sub) throws Exception {
    try (Stream<Path> s = Files.list(dir.resolve(sub))) {
      return s.filter(p -> !p.getFileName().toString().startsWith(".")).count();
    }
  }

  @Test
  void compactExpireGcAndRewriteManifests() throws Exception {
    Path dir = tmp.resolve("t");
    assertThat(run("create", dir.toString(), "--schema", "id long").code()).isZero();
    for (int i = 0; i < 6; i++) {
      Path f = Files.writeString(tmp.resolve("a" + i + ".jsonl"), "{\"id\": " + i + "}\n");
      assertThat(run("append", dir.toString(), "--file", f.toString(), "--no-fsync").code())
          .isZero();
    }
    String scan = run("scan", dir.toString()).out();

    CliTest.Result dry = run("compact", dir.toString(), "--dry-run");
    assertThat(dry.code()).as(dry.err()).isZero();
    assertThat(dry.lines().get(0))
        .startsWith("compact: would rewrite 6 files (")
        .endsWith("into 1 files");
    assertThat(dry.lines()).hasSize(7).filteredOn(l -> l.startsWith("would rewrite ")).hasSize(6);
    assertThat(run("snapshots", dir.toString()).lines()).hasSize(6);

    CliTest.Result compact = run("compact", dir.toString(), "--target-file-size", "64MB");
    assertThat(compact.code()).as(compact.err()).isZero();
    assertThat(compact.lines()).hasSize(1);
    assertThat(compact.out())
        .startsWith("compact: rewrite 6 files")
        .contains("into 1 files", "snapshot ");
    assertThat(run("scan", dir.toString()).lines())
        .containsExactlyInAnyOrderElementsOf(CliTest.lines(scan));
    assertThat(run("snapshots", dir.toString()).lines()).hasSize(7);

    CliTest.Result expireDry =
        run("expire", dir.toString(), "--older-than", "0s", "--retain-last", "1", "--dry-run");
    assertThat(expireDry.code()).as(expireDry.err()).isZero();
    assertThat(expireDry.lines().get(0)).startsWith("expire: would expire 6 snapshots and delete ");
    assertThat(expireDry.lines())
        .filteredOn(l -> l.startsWith("would expire snapshot "))
        .hasSize(6);
    assertThat(count(dir, "data")).isEqualTo(7);
    CliTest.Result expire =
        run("expire", dir.toString(), "--older-than", "0s", "--retain-last", "1");
    assertThat(expire.code()).as(expire.err()).isZero();
    assertThat(expire.out().strip()).startsWith("expire: expire 6 snapshots and delete ");
    assertThat(run("snapshots", dir.toString()).lines()).hasSize(1);
    assertThat(count(dir, "data")).isEqualTo(1);
    assertThat(run("scan", dir.toString()).lines())
        .containsExactlyInAnyOrderElementsOf(CliTest.lines(scan));

    Path stray = Files.writeString(dir.resolve("data/stray.parquet"), "x");
    Files.setLastModifiedTime(stray, FileTime.from(Instant.now().minus(Duration.ofHours(2))));
    assertThat(run("gc", dir.toString()).out().strip())
        .isEqualTo("gc: delete 0 orphan files (0 bytes)");
    CliTest.Result gcDry = run("gc", dir.toString(), "--older-than", "1h", "--dry-run");
    assertThat(gcDry.lines())
        .containsExactly("gc: would delete 1 orphan files (1 bytes)", "would delete " + stray);
    assertThat(stray).exists();
    assertThat(run("gc", dir.toString(), "--older-than", "1h").out().strip())
        .isEqualTo("gc: delete 1 orphan files (1 bytes)");
    assertThat(stray).doesNotExist();

    // a grace shorter than the write window only when no commit is in flight
    Path young = Files.writeString(dir.resolve("data/young.parquet"), "y");
    CliTest.Result eager = run("gc", dir.toString(), "--older-than", "0s");
    assertThat(eager.code()).isNotZero();
    assertThat(eager.err())
        .contains("shorter than the write window")
        .contains("datashard.write.window-ms")
        .contains("--no-commits-in-flight");
    assertThat(young).exists();
    assertThat(run("gc", dir.toString(), "--older-than", "0s", "--no-commits-in-flight").out())
        .startsWith("gc: delete 1 orphan files");
    assertThat(young).doesNotExist();

    for (int i = 0; i < 3; i++) {
      Path f = Files.writeString(tmp.resolve("b" + i + ".jsonl"), "{\"id\": " + (10 + i) + "}\n");
      run("append", dir.toString(), "--file", f.toString());
    }
    CliTest.Result rewrite = run("rewrite-manifests", dir.toString());
    assertThat(rewrite.code()).as(rewrite.err()).isZero();
    assertThat(rewrite.out()).startsWith("rewrite-manifests: rewrite ").contains("into 1 files");
    assertThat(run("count", dir.toString()).out().strip()).isEqualTo("9");
    IcebergJava.assertSameAsDataShard(dir, true);
  }

  @Test
  void badOptionsGetClearErrors() throws Exception {
    Path dir = tmp.resolve("t");
    run("create", dir.toString(), "--schema", "id long");
    CliTest.Result gc = run("gc", dir.toString(), "--older-than", "three days");
    assertThat(gc.code()).isNotZero();
    assertThat(gc.err()).contains("Invalid duration 'three days' for --older-than").contains("3d");
    CliTest.Result size = run("compact", dir.toString(), "--target-file-size", "big");
    assertThat(size.code()).isNotZero();
    assertThat(size.err()).contains("Invalid size 'big'").contains("128MB");
    CliTest.Result retain = run("expire", dir.toString(), "--retain-last", "0");
    assertThat(retain.code()).isNotZero();
    assertThat(retain.err()).contains("at least 1");
    CliTest.Result missing = run("compact", tmp.resolve("none").toString());
    assertThat(missing.err()).startsWith("error: No table at");
    assertThat(MaintenanceCommands.parseDuration("500ms", "x")).isEqualTo(Duration.ofMillis(500));
    assertThat(MaintenanceCommands.parseDuration("PT2H", "x")).isEqualTo(Duration.ofHours(2));
    assertThat(MaintenanceCommands.parseSize("128MB", "x")).isEqualTo(128L << 20);
    assertThat(MaintenanceCommands.parseSize("4096", "x")).isEqualTo(4096);
  }

  @Test
  void benchCompactPrintsOneJsonObject() throws Exception {
    CliTest.Result r =
        run(
            "bench",
            "compact",
            "--commits",
            "30",
            "--scans",
            "1",
            "--format",
            "json",
            "--dir",
            tmp.resolve("b").toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.lines()).hasSize(1);
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertThat(j.get("commits").asLong()).isEqualTo(30);
    assertThat(j.get("rows").asLong()).isEqualTo(30);
    assertThat(j.get("files_before").asLong()).isEqualTo(30);
    assertThat(j.get("files_after").asLong()).isEqualTo(1);
    assertThat(j.get("same_rows").asBoolean()).isTrue();
    assertThat(j.get("scan_before_ms").asDouble()).isPositive();
    assertThat(j.has("speedup")).isTrue();
  }
}
