package io.datashard.cli;

import static io.datashard.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datashard.DataShard;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code info}, {@code history}, {@code --format table} fitting the width, and short errors. */
class InfoHistoryCliTest {
  @TempDir Path tmp;

  private final ObjectMapper json = new ObjectMapper();

  private Table table() {
    Table t =
        DataShard.table(tmp.resolve("t"))
            .schema(Schema.parse("id long not null, name string"))
            .property("commit.retry.num-retries", "7")
            .create();
    t.newAppend()
        .add(Map.of("id", 1L, "name", "a"))
        .add(Map.of("id", 2L))
        .summary("writer", "loader-1")
        .commit();
    t.newAppend().add(Map.of("id", 3L, "name", "c")).commit();
    t.newTransaction()
        .run(
            tx -> {
              tx.deleteAll().append(Map.of("id", 9L, "name", "only"));
              return null;
            });
    return t;
  }

  @Test
  void infoSummarisesTheTable() throws Exception {
    Table t = table();
    String dir = t.location();
    CliTest.Result r = run("info", dir);
    assertThat(r.code()).as(r.err()).isZero();
    List<String> lines = r.lines();
    assertThat(lines.get(0)).isEqualTo("Table:      " + dir);
    assertThat(r.out())
        .contains(
            "Apache Iceberg v2",
            "Schema:     id 0, 2 columns",
            "Partition:  unpartitioned",
            "commit.retry.num-retries = 7",
            "Current:    snapshot "
                + t.currentSnapshot().orElseThrow().snapshotId()
                + " (overwrite",
            "3 snapshots retained",
            "Rows:       1\n",
            "Data files: 1 (");
    assertThat(lines).anySatisfy(l -> assertThat(l).matches(" +1 +\\| id +\\| long +\\| required"));
    assertThat(lines)
        .anySatisfy(l -> assertThat(l).matches(" +2 +\\| name +\\| string +\\| optional"));
    assertThat(r.out()).contains("parquet 1");
    assertThat(r.out())
        .contains("Refs:       branch main -> " + t.currentSnapshot().orElseThrow().snapshotId());

    JsonNode j = json.readTree(run("info", dir, "--format", "json").out());
    assertThat(j.get("rows").asLong()).isEqualTo(1);
    assertThat(j.get("data_files").asLong()).isEqualTo(1);
    assertThat(j.get("snapshots").asLong()).isEqualTo(3);
    assertThat(j.get("columns").get(0).get("name").asText()).isEqualTo("id");
    assertThat(j.get("columns").get(0).get("required").asBoolean()).isTrue();
    assertThat(j.get("formats").get("parquet").asLong()).isEqualTo(1);
    assertThat(j.get("bytes").asLong()).isPositive();
    assertThat(j.get("current_snapshot_id").asLong())
        .isEqualTo(t.currentSnapshot().orElseThrow().snapshotId());

    String empty = tmp.resolve("e").toString();
    assertThat(run("create", empty).code()).isZero();
    CliTest.Result e = run("info", empty);
    assertThat(e.code()).isZero();
    assertThat(e.out())
        .contains("Schema:     none yet", "Current:    no snapshot yet", "Rows:       0");
  }

  @Test
  void historyDrawsTheTimelineAndMarksTheCurrentSnapshot() throws Exception {
    Table t = table();
    List<Snapshot> snaps = t.snapshots();
    CliTest.Result r = run("history", t.location());
    assertThat(r.code()).as(r.err()).isZero();
    List<String> lines = r.lines();
    assertThat(lines).hasSize(6);
    assertThat(lines.get(0))
        .contains("snapshot", "when (UTC)", "operation", "added", "removed", "rows", "writer");
    assertThat(lines.get(2))
        .startsWith("  | " + snaps.get(0).snapshotId())
        .contains("| append", "| +2", "loader-1");
    assertThat(lines.get(3))
        .startsWith("  | " + snaps.get(1).snapshotId())
        .contains("| +1", "| 3 ");
    assertThat(lines.get(4))
        .startsWith("* | " + snaps.get(2).snapshotId())
        .contains("| overwrite", "| +1", "| -3");
    assertThat(lines.get(5)).isEqualTo("(3 of 3 retained snapshots; * current)");

    List<JsonNode> rows = new ArrayList<>();
    for (String l : run("history", t.location(), "--format", "json").lines()) {
      rows.add(json.readTree(l));
    }
    assertThat(rows).hasSize(3);
    assertThat(rows.get(0).get("writer").asText()).isEqualTo("loader-1");
    assertThat(rows.get(1).get("writer").isNull()).isTrue();
    assertThat(rows.get(2).get("current").asBoolean()).isTrue();
    assertThat(rows.get(0).get("current").asBoolean()).isFalse();
    assertThat(rows.get(2).get("deleted_records").asLong()).isEqualTo(3);
    assertThat(rows.get(2).get("total_records").asLong()).isEqualTo(1);

    assertThat(rows.get(0).get("refs")).isEmpty();

    t.tag("v1").snapshot(snaps.get(0).snapshotId()).create();
    t.branch("dev").snapshot(snaps.get(0).snapshotId()).create();
    CliTest.Result withRefs = run("history", t.location());
    assertThat(withRefs.lines().get(0)).endsWith("| refs");
    assertThat(withRefs.lines().get(2)).endsWith("| branch dev, tag v1");
    JsonNode first = json.readTree(run("history", t.location(), "--format", "json").lines().get(0));
    assertThat(first.get("refs").toString()).isEqualTo("[\"branch dev\",\"tag v1\"]");

    CliTest.Result last = run("history", t.location(), "--limit", "1");
    assertThat(last.lines()).hasSize(4);
    assertThat(last.lines().get(3)).isEqualTo("(1 of 3 retained snapshots; * current)");

    String empty = tmp.resolve("e").toString();
    run("create", empty);
    assertThat(run("history", empty).out()).startsWith("No snapshots yet");
  }

  @Test
  void tablesFitTheWidth() {
    String dir = tmp.resolve("w").toString();
    assertThat(run("create", dir, "--schema", "id long, text string, other string").code())
        .isZero();
    DataShard.open(Path.of(dir))
        .newAppend()
        .add(Map.of("id", 1L, "text", "x".repeat(300), "other", "short"))
        .add(Map.of("id", 22L, "text", "y", "other", "z".repeat(80)))
        .commit();
    String old = System.getProperty("datashard.columns");
    System.setProperty("datashard.columns", "70");
    try {
      CliTest.Result r = run("scan", dir, "--format", "table");
      assertThat(r.code()).isZero();
      List<String> lines = r.lines();
      assertThat(lines).hasSize(5);
      assertThat(lines.subList(0, 4))
          .allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(70));
      assertThat(lines.get(0).length() + 0).isGreaterThan(10);
      assertThat(lines.get(2) + lines.get(3)).contains("…");
      CliTest.Result s = run("snapshots", dir, "--format", "table");
      assertThat(s.lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(70));
      CliTest.Result h = run("history", dir);
      assertThat(h.lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(70));
    } finally {
      if (old == null) {
        System.clearProperty("datashard.columns");
      } else {
        System.setProperty("datashard.columns", old);
      }
    }
  }

  @Test
  void renderTableNarrowsTheWidestColumnsFirst() {
    List<String> lines =
        Render.table(
            List.of("a", "bbbb", "c"),
            List.of(List.of("1", "x".repeat(50), "y".repeat(30)), List.of("22", "", "")),
            40);
    assertThat(lines).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(40));
    assertThat(lines.get(2)).isEqualTo("1  | " + "x".repeat(15) + "… | " + "y".repeat(15) + "…");
    assertThat(Render.table(List.of("a", "b"), List.of(List.of("1", "2")), 40))
        .containsExactly("a | b", "--+--", "1 | 2");
  }

  @Test
  void newCommandErrorsAreOneParagraphAndVerboseAddsTheTrace() {
    String none = tmp.resolve("none").toString();
    for (String cmd : List.of("info", "history", "import", "export")) {
      List<String> args = new ArrayList<>(List.of(cmd, none));
      if (cmd.equals("import")) {
        args.add(tmp.resolve("in.jsonl").toString());
      }
      if (cmd.equals("export")) {
        args.addAll(List.of("--to", tmp.resolve("out.csv").toString()));
      }
      CliTest.Result r = run(args.toArray(new String[0]));
      assertThat(r.code()).as(cmd).isEqualTo(1);
      assertThat(r.err()).as(cmd).startsWith("error: ").doesNotContain("\tat ", "Exception");
      assertThat(r.err().strip().split("\n")).as(cmd).hasSize(1);
      args.add("--verbose");
      CliTest.Result v = run(args.toArray(new String[0]));
      assertThat(v.code()).as(cmd).isEqualTo(1);
      assertThat(v.err()).as(cmd).startsWith("error: ").contains("\tat ");
    }
  }

  @Test
  void newCommandsPrintTheirHelp() {
    for (String cmd : List.of("import", "export", "info", "history")) {
      CliTest.Result r = run(cmd, "--help");
      assertThat(r.code()).as(cmd).isZero();
      assertThat(r.out()).as(cmd).startsWith("Usage: datashard " + cmd).contains("Exit codes:");
    }
  }
}
