package io.datashard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datashard.DataShard;
import io.datashard.Schema;
import io.datashard.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code datashard verify} and a short {@code datashard torture}, end to end through the command
 * line.
 */
class VerifyAndTortureCliTest {
  @TempDir Path tmp;

  private Path table() {
    Path dir = tmp.resolve("t");
    Table t = DataShard.table(dir).schema(Schema.parse("id long not null")).durable(false).create();
    t.append(List.of(Map.of("id", 1L)));
    t.append(List.of(Map.of("id", 2L), Map.of("id", 3L)));
    return dir;
  }

  @Test
  void verifyExitsZeroWhenCleanAndListsOrphansAsWarnings() throws Exception {
    Path dir = table();
    CliTest.Result clean = CliTest.run("verify", dir.toString());
    assertThat(clean.code()).as(clean.err()).isZero();
    assertThat(clean.out()).contains("Result: clean").contains("data files 2");

    Path stray = dir.resolve("data/leftover.parquet");
    Files.write(stray, new byte[] {1, 2});
    CliTest.Result orphan = CliTest.run("verify", dir.toString());
    assertThat(orphan.code()).isZero();
    assertThat(orphan.out())
        .contains("WARNING orphan")
        .contains(stray.toString())
        .contains("Result: clean, with 1 warning (1 orphan)");
  }

  @Test
  void verifyExitsNonZeroAndNamesTheDamagedFile() throws Exception {
    Path dir = table();
    Path data;
    try (Stream<Path> s = Files.list(dir.resolve("data"))) {
      data = s.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    Files.delete(data);
    CliTest.Result r = CliTest.run("verify", dir.toString(), "--deep");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out())
        .contains("ERROR   missing")
        .contains(data.toString())
        .contains("Result: 1 error (1 missing)");

    CliTest.Result json = CliTest.run("verify", dir.toString(), "--format", "json");
    assertThat(json.code()).isEqualTo(1);
    JsonNode n = new ObjectMapper().readTree(json.out());
    assertThat(n.get("clean").asBoolean()).isFalse();
    assertThat(n.get("errors").asLong()).isEqualTo(1);
    assertThat(n.get("problems").get(0).get("kind").asText()).isEqualTo("missing");
    assertThat(n.get("problems").get(0).get("file").asText()).isEqualTo(data.toString());
  }

  @Test
  void verifyOfNoTableIsAClearError() {
    CliTest.Result r = CliTest.run("verify", tmp.resolve("nothing").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("No table at");
  }

  @Test
  void verifyHelpDocumentsTheExitCodes() {
    CliTest.Result r = CliTest.run("verify", "--help");
    assertThat(r.out()).contains("Exit codes: 0 no errors (warnings may be listed), 1 errors");
  }

  @Test
  void shortTortureKeepsEveryAcknowledgedCommit() throws Exception {
    Path work = tmp.resolve("torture");
    CliTest.Result r =
        CliTest.run(
            "torture",
            "--dir",
            work.toString(),
            "--processes",
            "2",
            "--kills",
            "5",
            "--seed",
            "42",
            "--max-delay-ms",
            "300",
            "--format",
            "json");
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    System.out.println("torture: " + r.out().strip());
    JsonNode n = new ObjectMapper().readTree(r.out());
    assertThat(n.get("ok").asBoolean()).isTrue();
    assertThat(n.get("seed").asLong()).isEqualTo(42);
    assertThat(n.get("kills").asLong()).isEqualTo(5);
    assertThat(n.get("acknowledged_commits").asLong()).isPositive();
    assertThat(n.get("lost").asLong()).isZero();
    assertThat(n.get("duplicated").asLong()).isZero();
    assertThat(n.get("unreadable").asLong()).isZero();
    assertThat(n.get("rows").asLong()).isGreaterThanOrEqualTo(n.get("acknowledged_rows").asLong());
    // the table the writers left is whole by an independent reader of every row too
    assertThat(DataShard.open(work.resolve("table")).scan().count())
        .isEqualTo(n.get("rows").asLong());
    CliTest.Result v = CliTest.run("verify", work.resolve("table").toString(), "--deep");
    assertThat(v.code()).as(v.out()).isZero();
  }

  @Test
  void tortureRefusesAUsedWorkDirectory() throws Exception {
    Path work = tmp.resolve("used");
    Files.createDirectories(work.resolve("table"));
    CliTest.Result r = CliTest.run("torture", "--dir", work.toString(), "--kills", "1");
    assertThat(r.code()).isNotZero();
    assertThat(r.err()).contains("already holds a torture run");
  }

  @Test
  void theTortureCheckCountsLostDuplicatedAndUnacknowledgedRows() throws Exception {
    Path tableDir = tmp.resolve("checked");
    Path logs = tmp.resolve("logs");
    Files.createDirectories(logs);
    Table t =
        DataShard.table(tableDir)
            .schema(
                Schema.parse(
                    "writer int not null, generation int not null, "
                        + "seq int not null, part int not null"))
            .durable(false)
            .create();
    // writer 0 generation 0: seq 0 (2 rows) committed and logged; seq 1 logged but its second row
    // is
    // missing; seq 2 committed twice; seq 3 committed but not logged (killed before the log line);
    // a torn last line is ignored.
    t.append(
        List.of(
            row(0, 0, 0, 0), row(0, 0, 0, 1), row(0, 0, 1, 0), row(0, 0, 2, 0), row(0, 0, 3, 0)));
    t.append(List.of(row(0, 0, 2, 0)));
    Files.writeString(logs.resolve("w0-g0.log"), "ok 0 2\nok 1 2\nok 2 1\nok 3");
    TortureCommand c = new TortureCommand();
    c.processes = 1;
    Map<String, Object> r = c.check(tableDir, logs, 0, 1L, 0.0, List.of());
    assertThat(r)
        .containsEntry("ok", false)
        .containsEntry("acknowledged_commits", 3L)
        .containsEntry("lost", 1L)
        .containsEntry("duplicated", 1L)
        .containsEntry("unacknowledged_present", 1L)
        .containsEntry("rows", 6L)
        .containsEntry("unreadable", 0L);
  }

  private static Map<String, Object> row(int writer, int generation, int seq, int part) {
    return Map.of("writer", writer, "generation", generation, "seq", seq, "part", part);
  }
}
