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

/** changes: ranges by id, ref and time, keys, filters, formats and the errors of bad ranges. */
class ChangesCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private Path jsonl(String name, String... lines) throws Exception {
    Path f = tmp.resolve(name);
    Files.writeString(f, String.join("\n", lines) + "\n");
    return f;
  }

  private static List<String> changes(String out) throws Exception {
    List<String> got = new ArrayList<>();
    for (String line : CliTest.lines(out)) {
      JsonNode n = JSON.readTree(line);
      got.add(
          n.get("_change_type").asText() + " " + n.get("id").asLong() + " " + n.get("v").asText());
    }
    return got;
  }

  @Test
  void changesBetweenSnapshotsByIdRefAndTime() throws Exception {
    String dir = tmp.resolve("t").toString();
    CliTest.ok("create", dir, "--schema", "id long not null, v string");
    long s1 =
        Long.parseLong(
            CliTest.ok(
                    "append",
                    dir,
                    "--file",
                    jsonl("a.jsonl", "{\"id\": 1, \"v\": \"a\"}", "{\"id\": 2, \"v\": \"b\"}")
                        .toString())
                .out()
                .strip());
    CliTest.ok("tag", dir, "start");
    CliTest.ok(
        "upsert",
        dir,
        "--key",
        "id",
        "--file",
        jsonl("u.jsonl", "{\"id\": 2, \"v\": \"B\"}", "{\"id\": 3, \"v\": \"c\"}").toString());
    CliTest.ok("delete", dir, "--filter", "id = 1");

    CliTest.Result all = CliTest.ok("changes", dir, "--from", Long.toString(s1));
    List<String> got = changes(all.out());
    assertThat(got)
        .containsExactlyInAnyOrder("DELETE 2 b", "INSERT 2 B", "INSERT 3 c", "DELETE 1 a");
    // the same by the tag, with a key: the upsert of 2 is an update
    assertThat(changes(CliTest.ok("changes", dir, "--from", "start", "--key", "id").out()))
        .containsExactly("UPDATE_BEFORE 2 b", "UPDATE_AFTER 2 B", "INSERT 3 c", "DELETE 1 a");
    // from the start, up to s1: its rows as inserts
    assertThat(changes(CliTest.ok("changes", dir, "--to", Long.toString(s1)).out()))
        .containsExactlyInAnyOrder("INSERT 1 a", "INSERT 2 b");
    // a time after everything: nothing
    assertThat(CliTest.ok("changes", dir, "--from", "2999-01-01T00:00:00Z").out()).isEmpty();
    // filter, columns, csv
    CliTest.Result csv =
        CliTest.ok(
            "changes",
            dir,
            "--from",
            "start",
            "--filter",
            "id = 3",
            "--columns",
            "v",
            "--format",
            "csv");
    assertThat(CliTest.lines(csv.out()))
        .hasSize(2)
        .first()
        .isEqualTo("v,_change_type,_change_ordinal,_commit_snapshot_id");
    assertThat(CliTest.lines(csv.out()).get(1)).startsWith("c,INSERT,0,");
    // --explain says what was read
    assertThat(CliTest.ok("changes", dir, "--from", "start", "--explain").err())
        .contains("2 snapshots read")
        .contains("live data files");
  }

  @Test
  void badRangesAreRefusedClearly() throws Exception {
    String dir = tmp.resolve("b").toString();
    CliTest.ok("create", dir, "--schema", "id long not null, v string");
    long s1 =
        Long.parseLong(
            CliTest.ok(
                    "append",
                    dir,
                    "--file",
                    jsonl("a.jsonl", "{\"id\": 1, \"v\": \"a\"}").toString())
                .out()
                .strip());
    long s2 =
        Long.parseLong(
            CliTest.ok(
                    "append",
                    dir,
                    "--file",
                    jsonl("b.jsonl", "{\"id\": 2, \"v\": \"b\"}").toString())
                .out()
                .strip());
    CliTest.Result swapped =
        CliTest.run("changes", dir, "--from", Long.toString(s2), "--to", Long.toString(s1));
    assertThat(swapped.code()).isNotZero();
    assertThat(swapped.err()).contains("is after --to").contains("Swap them");
    CliTest.Result gone = CliTest.run("changes", dir, "--from", "42");
    assertThat(gone.code()).isNotZero();
    assertThat(gone.err()).contains("no snapshot 42").contains("oldest retained snapshot is " + s1);
    CliTest.Result noRef = CliTest.run("changes", dir, "--from", "nosuchtag");
    assertThat(noRef.code()).isNotZero();
    assertThat(noRef.err()).contains("nosuchtag");
  }
}
