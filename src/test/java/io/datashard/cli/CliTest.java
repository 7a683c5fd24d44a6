package io.datashard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datashard.DataShard;
import io.datashard.interop.IcebergJava;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drives the command line end to end, in-process: exit codes and output. */
class CliTest {
  @TempDir Path tmp;

  record Result(int code, String out, String err) {
    List<String> lines() {
      return out.isBlank() ? List.of() : List.of(out.strip().split("\n"));
    }
  }

  static List<String> lines(String out) {
    return out.isBlank() ? List.of() : List.of(out.strip().split("\n"));
  }

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
    return new Result(code, out.toString(), err.toString());
  }

  /** Runs a command that must succeed (exit 0, else its standard error is in the failure). */
  static Result ok(String... args) {
    Result r = run(args);
    assertThat(r.code()).as("%s: %s", String.join(" ", args), r.err()).isZero();
    return r;
  }

  private Path jsonl(String name, String... lines) throws Exception {
    Path f = tmp.resolve(name);
    Files.writeString(f, String.join("\n", lines) + "\n");
    return f;
  }

  @Test
  void createAppendScanCountSnapshotsAndTimeTravel() throws Exception {
    String dir = tmp.resolve("t").toString();
    Result c =
        run("create", dir, "--schema", "id long, name string, emb list<float>, ts timestamptz");
    assertThat(c.code()).as(c.err()).isZero();

    Result a1 =
        run(
            "append",
            dir,
            "--file",
            jsonl(
                    "a.jsonl",
                    "{\"id\": 1, \"name\": \"a\", \"emb\": [0.5, 1.5], \"ts\": \"2026-01-01T00:00:00Z\"}",
                    "{\"id\": 2, \"name\": \"b\", \"emb\": [], \"ts\": null}")
                .toString());
    assertThat(a1.code()).as(a1.err()).isZero();
    long first = Long.parseLong(a1.out().strip());
    Thread.sleep(5);
    long between = Instant.now().toEpochMilli();
    Thread.sleep(5);
    Result a2 =
        run("append", dir, "--file", jsonl("b.jsonl", "{\"id\": 3, \"name\": \"c\"}").toString());
    assertThat(a2.code()).as(a2.err()).isZero();
    long second = Long.parseLong(a2.out().strip());
    assertThat(second).isNotEqualTo(first);

    assertThat(run("count", dir).out().strip()).isEqualTo("3");
    assertThat(run("count", dir, "--snapshot", Long.toString(first)).out().strip()).isEqualTo("2");
    assertThat(run("count", dir, "--as-of", Instant.ofEpochMilli(between).toString()).out().strip())
        .isEqualTo("2");

    Result scan = run("scan", dir, "--snapshot", Long.toString(first), "--columns", "id,emb");
    assertThat(scan.code()).as(scan.err()).isZero();
    assertThat(scan.lines())
        .containsExactlyInAnyOrder("{\"id\":1,\"emb\":[0.5,1.5]}", "{\"id\":2,\"emb\":[]}");

    Result csv = run("scan", dir, "--format", "csv", "--columns", "id,name");
    assertThat(csv.lines().get(0)).isEqualTo("id,name");
    assertThat(csv.lines()).hasSize(4);

    Result table = run("scan", dir, "--format", "table");
    assertThat(table.out()).contains("id", "name", "(3 rows)");

    Result snaps = run("snapshots", dir);
    assertThat(snaps.code()).isZero();
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> rows = new ArrayList<>();
    for (String l : snaps.lines()) {
      rows.add(json.readTree(l));
    }
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0).get("snapshot_id").asLong()).isEqualTo(first);
    assertThat(rows.get(0).get("parent_id").isNull()).isTrue();
    assertThat(rows.get(1).get("parent_id").asLong()).isEqualTo(first);
    assertThat(rows.get(1).get("operation").asText()).isEqualTo("append");
    assertThat(rows.get(1).get("summary").get("added-records").asText()).isEqualTo("1");
    assertThat(rows.get(1).get("timestamp_ms").asLong())
        .isGreaterThanOrEqualTo(rows.get(0).get("timestamp_ms").asLong());
    IcebergJava.assertSameAsDataShard(Path.of(dir), true);
  }

  @Test
  void schemaIsInferredFromTheFirstAppend() throws Exception {
    String dir = tmp.resolve("t").toString();
    assertThat(run("create", dir).code()).isZero();
    assertThat(
            run(
                    "append",
                    dir,
                    "--file",
                    jsonl("a.jsonl", "{\"id\": 1, \"score\": 0.5, \"tag\": \"x\"}").toString())
                .code())
        .isZero();
    Result scan = run("scan", dir);
    assertThat(scan.out().strip()).isEqualTo("{\"id\":1,\"score\":0.5,\"tag\":\"x\"}");
    IcebergJava.assertSameAsDataShard(Path.of(dir), true);
  }

  @Test
  void errorsAreOneParagraphWithNonZeroExit() throws Exception {
    String dir = tmp.resolve("t").toString();
    Result missing = run("count", dir);
    assertThat(missing.code()).isNotZero();
    assertThat(missing.err()).startsWith("error: No table at").doesNotContain("Exception", "\tat ");

    run("create", dir, "--schema", "id long not null");
    Result bad =
        run("append", dir, "--file", jsonl("bad.jsonl", "{\"id\": 1}", "{\"id\": ").toString());
    assertThat(bad.code()).isNotZero();
    assertThat(bad.err()).contains("Line 2").contains("Nothing was committed");
    Result wrongType = run("append", dir, "--file", jsonl("w.jsonl", "{\"id\": \"x\"}").toString());
    assertThat(wrongType.code()).isNotZero();
    assertThat(wrongType.err()).contains("column 'id'").contains("long");
    assertThat(run("count", dir).out().strip()).isEqualTo("0");

    Result badSchema = run("create", tmp.resolve("u").toString(), "--schema", "id lng");
    assertThat(badSchema.code()).isNotZero();
    assertThat(badSchema.err()).contains("Unknown type 'lng'");
    Result again = run("create", dir);
    assertThat(again.code()).isNotZero();
    assertThat(again.err()).contains("already exists");
    Result noSnapshot = run("scan", dir, "--snapshot", "123");
    assertThat(noSnapshot.code()).isNotZero();
    assertThat(noSnapshot.err()).contains("no snapshot 123");
    Result usage = run("scan");
    assertThat(usage.code()).isEqualTo(2);
  }

  @Test
  void createPartitionedWritesOneFilePerPartition() throws Exception {
    String dir = tmp.resolve("p").toString();
    Result c =
        run(
            "create",
            dir,
            "--schema",
            "id long, tag string, ts timestamptz",
            "--partition-by",
            "tag, bucket(4, id)",
            "--partition-by",
            "day(ts)");
    assertThat(c.code()).as(c.err()).isZero();
    assertThat(c.out()).contains("partitioned by tag, bucket(4, id), day(ts)");
    Result a =
        run(
            "append",
            dir,
            "--file",
            jsonl(
                    "a.jsonl",
                    "{\"id\": 1, \"tag\": \"x\", \"ts\": \"2026-01-01T10:00:00Z\"}",
                    "{\"id\": 1, \"tag\": \"x\", \"ts\": \"2026-01-01T11:00:00Z\"}",
                    "{\"id\": 1, \"tag\": \"y\", \"ts\": \"2026-01-01T11:00:00Z\"}",
                    "{\"id\": 1, \"tag\": \"y\", \"ts\": \"2026-01-02T11:00:00Z\"}")
                .toString());
    assertThat(a.code()).as(a.err()).isZero();
    assertThat(run("count", dir).out().strip()).isEqualTo("4");
    assertThat(DataShard.open(Path.of(dir)).scan().files()).hasSize(3);
    IcebergJava.assertSameAsDataShard(Path.of(dir), false);
    Result bad =
        run(
            "create",
            tmp.resolve("q").toString(),
            "--schema",
            "id long",
            "--partition-by",
            "hour(id)");
    assertThat(bad.code()).isNotZero();
    assertThat(bad.err()).contains("hour").contains("'id'");
  }
}
