package io.datashard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stress demo and the benchmarks, end to end at small sizes: exit codes and the figures' shape.
 */
class BenchAndStressCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void stressCountsEveryModeByReadingTheTables() throws Exception {
    CliTest.Result r =
        CliTest.run(
            "stress",
            "--dir",
            tmp.resolve("s").toString(),
            "--processes",
            "2",
            "--ops",
            "6",
            "--baseline-ops",
            "5",
            "--format",
            "json");
    assertThat(r.code()).as(r.err()).isZero();
    Map<String, JsonNode> byMode = new HashMap<>();
    for (String line : r.lines()) {
      JsonNode j = JSON.readTree(line);
      byMode.put(j.get("mode").asText(), j);
    }
    assertThat(byMode).containsKeys("plain-file", "disk", "append", "counter");
    assertThat(byMode.get("disk").get("publishes_per_s").asDouble()).isPositive();
    assertThat(byMode.get("disk").get("publishes_per_s_concurrent").asDouble()).isPositive();
    JsonNode append = byMode.get("append");
    assertThat(append.get("data_files").asLong()).isBetween(1L, 12L);
    assertThat(append.get("table_bytes").asLong()).isGreaterThan(append.get("data_bytes").asLong());
    assertThat(append.get("scan_vs_one_file").asDouble()).isPositive();
    assertThat(append.get("commits_vs_disk").asDouble()).isPositive();
    assertThat(byMode.get("counter").get("data_files").asLong()).isEqualTo(1);
    for (String mode : new String[] {"append", "counter"}) {
      JsonNode j = byMode.get(mode);
      for (String key :
          new String[] {
            "expected",
            "actual",
            "lost",
            "duplicated",
            "wall_s",
            "ops_per_s",
            "commits",
            "conflicts"
          }) {
        assertThat(j.has(key)).as("%s has %s", mode, key).isTrue();
      }
      assertThat(j.get("expected").asLong()).isEqualTo(12);
      assertThat(j.get("actual").asLong()).as(mode).isEqualTo(12);
      assertThat(j.get("lost").asLong()).isZero();
      assertThat(j.get("duplicated").asLong()).isZero();
    }
    assertThat(byMode.get("counter").has("vs_single_process")).isTrue();
    CliTest.Result bad = CliTest.run("stress", "--processes", "0");
    assertThat(bad.code()).isNotZero();
  }

  @Test
  void benchCommitsPrintsFirstAndLastWindows() throws Exception {
    CliTest.Result r =
        CliTest.run(
            "bench",
            "commits",
            "--dir",
            tmp.resolve("c").toString(),
            "--count",
            "40",
            "--format",
            "json");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode j = JSON.readTree(r.out());
    assertThat(j.get("commits").asLong()).isEqualTo(40);
    for (String w : new String[] {"first", "last"}) {
      assertThat(j.get(w).get("p50_ms").asDouble()).isPositive();
      assertThat(j.get(w).get("p99_ms").asDouble())
          .isGreaterThanOrEqualTo(j.get(w).get("p50_ms").asDouble());
      assertThat(j.get(w).get("bytes_per_commit").asLong()).isPositive();
    }
    assertThat(j.get("metadata_bytes").asLong()).isPositive();
  }

  @Test
  void benchDeletesComparesMergeOnReadWithCopyOnWriteOnTheSameRows() throws Exception {
    CliTest.Result r =
        CliTest.run(
            "bench",
            "deletes",
            "--dir",
            tmp.resolve("deletes").toString(),
            "--rows",
            "20000",
            "--files",
            "2",
            "--seed",
            "11",
            "--scans",
            "1",
            "--format",
            "json");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode j = JSON.readTree(r.out());
    assertThat(j.get("same_rows").asBoolean()).isTrue();
    assertThat(j.get("deleted").asLong()).isEqualTo(200);
    assertThat(j.get("mor_delete_files").asLong()).isEqualTo(2);
    assertThat(j.get("cow_rows_rewritten").asLong()).isEqualTo(19_800);
    assertThat(j.get("mor_bytes_written").asLong())
        .isPositive()
        .isLessThan(j.get("cow_bytes_written").asLong());
    assertThat(j.get("scan_ratio").asDouble()).isPositive();
  }

  @Test
  void benchIoComparesWithParquetJavaAndCountsFilesOpened() throws Exception {
    CliTest.Result r =
        CliTest.run(
            "bench",
            "io",
            "--dir",
            tmp.resolve("io").toString(),
            "--rows",
            "3000",
            "--rows-per-file",
            "1000",
            "--filter-files",
            "20",
            "--format",
            "json");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode j = JSON.readTree(r.out());
    for (String key :
        new String[] {
          "write_rows_per_s",
          "raw_write_rows_per_s",
          "scan_rows_per_s",
          "raw_scan_rows_per_s",
          "filter_files_total",
          "filter_files_opened"
        }) {
      assertThat(j.get(key).asDouble()).as(key).isPositive();
    }
    assertThat(j.get("filter_files_total").asLong()).isEqualTo(20);
    assertThat(j.get("filter_files_opened").asLong()).isEqualTo(1);
    assertThat(j.get("small_heap_scan_rows").asLong()).isEqualTo(3000);
    CliTest.Result skipped =
        CliTest.run(
            "bench",
            "io",
            "--rows",
            "2000",
            "--filter-files",
            "0",
            "--no-small-heap-scan",
            "--format",
            "json");
    assertThat(skipped.code()).as(skipped.err()).isZero();
    JsonNode k = JSON.readTree(skipped.out());
    assertThat(k.has("small_heap_scan_rows")).isFalse();
    assertThat(k.has("filter_files_total")).isFalse();
    assertThat(k.get("scan_rows_per_s").asDouble()).isPositive();
    CliTest.Result bad = CliTest.run("bench", "io", "--rows", "0");
    assertThat(bad.code()).isNotZero();
    assertThat(bad.err()).contains("--rows");
  }
}
