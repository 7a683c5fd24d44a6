package io.datashard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rollback, tag, branch, diff and scan/count --ref, end to end through the command line. */
class HistoryCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private Path jsonl(String name, String... lines) throws Exception {
    Path f = tmp.resolve(name);
    Files.writeString(f, String.join("\n", lines) + "\n");
    return f;
  }

  private static List<Long> ids(String scanOut) throws Exception {
    List<Long> out = new ArrayList<>();
    for (String line : CliTest.lines(scanOut)) {
      out.add(JSON.readTree(line).get("id").asLong());
    }
    return out;
  }

  @Test
  void tagBranchRollbackDiffAndRefReads() throws Exception {
    String dir = tmp.resolve("t").toString();
    CliTest.ok("create", dir, "--schema", "id long not null, name string");
    long s1 =
        Long.parseLong(
            CliTest.ok(
                    "append",
                    dir,
                    "--file",
                    jsonl("a.jsonl", "{\"id\": 1}", "{\"id\": 2}").toString())
                .out()
                .strip());
    long s2 =
        Long.parseLong(
            CliTest.ok("append", dir, "--file", jsonl("b.jsonl", "{\"id\": 3}").toString())
                .out()
                .strip());

    // tags: create (current by default, or --snapshot), list, read by --ref, refuse a duplicate,
    // move, delete
    assertThat(CliTest.ok("tag", dir, "v1", "--snapshot", Long.toString(s1)).out().strip())
        .isEqualTo("tag v1 " + s1);
    assertThat(CliTest.ok("tag", dir, "now").out().strip()).isEqualTo("tag now " + s2);
    assertThat(CliTest.lines(CliTest.ok("tag", dir, "--list").out()))
        .containsExactly("tag now " + s2, "tag v1 " + s1);
    assertThat(ids(CliTest.ok("scan", dir, "--ref", "v1").out())).containsExactlyInAnyOrder(1L, 2L);
    assertThat(CliTest.ok("count", dir, "--ref", "now").out().strip()).isEqualTo("3");
    CliTest.Result dup = CliTest.run("tag", dir, "v1");
    assertThat(dup.code()).isEqualTo(1);
    assertThat(dup.err()).contains("already has a tag named 'v1'");
    assertThat(
            CliTest.ok("tag", dir, "v1", "--snapshot", Long.toString(s2), "--replace")
                .out()
                .strip())
        .isEqualTo("tag v1 " + s2);
    assertThat(CliTest.ok("tag", dir, "now", "--delete").out().strip())
        .isEqualTo("removed tag now " + s2);
    JsonNode listed =
        JSON.readTree(CliTest.ok("tag", dir, "--list", "--format", "json").out().strip());
    assertThat(listed.get("name").asText()).isEqualTo("v1");
    assertThat(listed.get("snapshot_id").asLong()).isEqualTo(s2);
    CliTest.Result missing = CliTest.run("count", dir, "--ref", "now");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("no branch or tag named 'now'");

    // branch: created at s1, appended to with --branch; main unchanged
    assertThat(
            CliTest.ok(
                    "branch",
                    dir,
                    "dev",
                    "--snapshot",
                    Long.toString(s1),
                    "--min-snapshots-to-keep",
                    "2")
                .out()
                .strip())
        .isEqualTo("branch dev " + s1);
    CliTest.ok(
        "append", dir, "--branch", "dev", "--file", jsonl("d.jsonl", "{\"id\": 10}").toString());
    assertThat(ids(CliTest.ok("scan", dir, "--ref", "dev").out()))
        .containsExactlyInAnyOrder(1L, 2L, 10L);
    assertThat(ids(CliTest.ok("scan", dir).out())).containsExactlyInAnyOrder(1L, 2L, 3L);
    assertThat(CliTest.lines(CliTest.ok("branch", dir, "--list").out()))
        .hasSize(2)
        .anyMatch(l -> l.startsWith("branch main "))
        .anyMatch(l -> l.startsWith("branch dev "));
    JsonNode devJson = null;
    for (String l : CliTest.lines(CliTest.ok("branch", dir, "--list", "--format", "json").out())) {
      if (JSON.readTree(l).get("name").asText().equals("dev")) {
        devJson = JSON.readTree(l);
      }
    }
    assertThat(devJson.get("min_snapshots_to_keep").asInt()).isEqualTo(2);

    // diff: text and json, by id or by ref name
    CliTest.Result diff =
        CliTest.ok("diff", dir, "--from", Long.toString(s1), "--to", Long.toString(s2));
    List<String> lines = CliTest.lines(diff.out());
    assertThat(lines.get(0)).isEqualTo("diff " + s1 + " -> " + s2);
    assertThat(lines)
        .filteredOn(l -> l.startsWith("+ "))
        .hasSize(1)
        .allMatch(l -> l.endsWith("(1 rows)"));
    assertThat(lines).filteredOn(l -> l.startsWith("- ")).isEmpty();
    assertThat(lines.get(lines.size() - 1))
        .isEqualTo("added 1 files, 1 rows; removed 0 files, 0 rows");
    JsonNode dj =
        JSON.readTree(
            CliTest.ok("diff", dir, "--from", "v1", "--to", "dev", "--format", "json")
                .out()
                .strip());
    assertThat(dj.get("from").asLong()).isEqualTo(s2);
    assertThat(dj.get("added_files").asInt()).isEqualTo(1);
    assertThat(dj.get("added_records").asLong()).isEqualTo(1);
    assertThat(dj.get("removed_files").asInt()).isEqualTo(1);
    assertThat(dj.get("removed_records").asLong()).isEqualTo(1);
    assertThat(dj.get("added").get(0).get("path").asText()).endsWith(".parquet");
    CliTest.Result badDiff = CliTest.run("diff", dir, "--from", "nosuchref");
    assertThat(badDiff.code()).isNotZero();
    assertThat(badDiff.err()).contains("neither a snapshot id nor a branch or tag");

    // rollback to s1: a new snapshot, rows of s1, s2 still readable
    long r = Long.parseLong(CliTest.ok("rollback", dir, "--to", Long.toString(s1)).out().strip());
    assertThat(r).isNotIn(s1, s2);
    assertThat(ids(CliTest.ok("scan", dir).out())).containsExactlyInAnyOrder(1L, 2L);
    assertThat(ids(CliTest.ok("scan", dir, "--snapshot", Long.toString(s2)).out()))
        .containsExactlyInAnyOrder(1L, 2L, 3L);
    JsonNode last = null;
    for (String l : CliTest.lines(CliTest.ok("snapshots", dir).out())) {
      last = JSON.readTree(l);
    }
    assertThat(last.get("snapshot_id").asLong()).isEqualTo(r);
    assertThat(last.get("operation").asText()).isEqualTo("overwrite");
    assertThat(last.get("summary").get("datashard.rollback-to").asText())
        .isEqualTo(Long.toString(s1));

    // rollback decided against a snapshot that is no longer current: refused, nothing committed
    CliTest.Result stale =
        CliTest.run(
            "rollback", dir, "--to", Long.toString(s2), "--expect-current", Long.toString(s2));
    assertThat(stale.code()).isEqualTo(1);
    assertThat(stale.err()).contains("another process committed in between");
    assertThat(CliTest.ok("count", dir).out().strip()).isEqualTo("2");
    CliTest.ok(
        "rollback",
        dir,
        "--to",
        Long.toString(s2),
        "--expect-current",
        Long.toString(s2),
        "--force");
    assertThat(CliTest.ok("count", dir).out().strip()).isEqualTo("3");

    // usage errors
    assertThat(CliTest.run("tag", dir).code()).isNotZero();
    assertThat(CliTest.run("tag", dir, "x", "--list").code()).isNotZero();
    assertThat(CliTest.run("scan", dir, "--ref", "v1", "--snapshot", Long.toString(s1)).code())
        .isNotZero();
  }
}
