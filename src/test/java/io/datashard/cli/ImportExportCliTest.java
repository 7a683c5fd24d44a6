package io.datashard.cli;

import static io.datashard.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Snapshot;
import io.datashard.Table;
import io.datashard.interop.IcebergJava;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code datashard import} and {@code export} end to end: rows, one atomic commit, errors, round
 * trips.
 */
class ImportExportCliTest {
  @TempDir Path tmp;

  private static final String SCHEMA =
      "id long not null, name string, score double, tags list<string>, " + "ts timestamptz";

  private Path file(String name, String... lines) throws Exception {
    Path f = tmp.resolve(name);
    Files.writeString(f, String.join("\n", lines) + "\n");
    return f;
  }

  private static List<String> dataFiles(Path table) throws Exception {
    Path data = table.resolve("data");
    if (!Files.isDirectory(data)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(data)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  private static List<String> sortedJson(String dir) {
    List<String> lines = new ArrayList<>(CliTest.lines(run("scan", dir).out()));
    lines.sort(null);
    return lines;
  }

  @Test
  void importsJsonLinesAndCsvInOneCommitOfSeveralDataFiles() throws Exception {
    Path t = tmp.resolve("t");
    assertThat(run("create", t.toString(), "--schema", SCHEMA).code()).isZero();
    Path a =
        file(
            "a.jsonl",
            "{\"id\": 1, \"name\": \"a\", \"score\": 0.5, \"tags\": [\"x\"], \"ts\": \"2026-01-01T00:00:00Z\"}",
            "",
            "{\"id\": 2}",
            "{\"id\": 3, \"name\": \"c\"}");
    Path b =
        file(
            "b.csv",
            "id,name,score,tags,ts",
            "4,\"d, with comma\",1.5,\"[\"\"y\"\",\"\"z\"\"]\",2026-01-02T00:00:00Z",
            "5,\"two",
            "lines\",,,",
            "6,,,,");
    CliTest.Result r =
        run("import", t.toString(), a.toString(), b.toString(), "--rows-per-file", "2");
    assertThat(r.code()).as(r.err()).isZero();
    long id = Long.parseLong(r.out().strip());
    assertThat(r.err()).contains("Imported 6 rows from 2 files into 3 data files");

    Table table = DataShard.open(t);
    assertThat(table.snapshots()).hasSize(1);
    Snapshot s = table.currentSnapshot().orElseThrow();
    assertThat(s.snapshotId()).isEqualTo(id);
    assertThat(s.summary())
        .containsEntry("added-data-files", "3")
        .containsEntry("added-records", "6")
        .containsEntry("datashard.import-files", "2");
    assertThat(dataFiles(t)).hasSize(3);

    assertThat(sortedJson(t.toString()))
        .containsExactly(
            "{\"id\":1,\"name\":\"a\",\"score\":0.5,\"tags\":[\"x\"],\"ts\":\"2026-01-01T00:00Z\"}",
            "{\"id\":2,\"name\":null,\"score\":null,\"tags\":null,\"ts\":null}",
            "{\"id\":3,\"name\":\"c\",\"score\":null,\"tags\":null,\"ts\":null}",
            "{\"id\":4,\"name\":\"d, with comma\",\"score\":1.5,\"tags\":[\"y\",\"z\"],\"ts\":\"2026-01-02T00:00Z\"}",
            "{\"id\":5,\"name\":\"two\\nlines\",\"score\":null,\"tags\":null,\"ts\":null}",
            "{\"id\":6,\"name\":null,\"score\":null,\"tags\":null,\"ts\":null}");
    IcebergJava.assertSameAsDataShard(t, true);
  }

  @Test
  void csvIntoATableWithoutSchemaInfersColumnTypes() throws Exception {
    Path t = tmp.resolve("t");
    assertThat(run("create", t.toString()).code()).isZero();
    Path c =
        file("c.csv", "\uFEFFn,x,ok,word,empty", "1,1.5,true,a,", "-2,3,FALSE,7,", "40,,,b c,");
    CliTest.Result r = run("import", t.toString(), c.toString());
    assertThat(r.code()).as(r.err()).isZero();
    Table table = DataShard.open(t);
    assertThat(table.schema().columns())
        .extracting(f -> f.name() + " " + f.type())
        .containsExactly("n long", "x double", "ok boolean", "word string", "empty string");
    List<Row> rows = table.scan().toList();
    assertThat(rows).hasSize(3);
    assertThat(rows.stream().map(x -> x.get("n", Long.class)).collect(Collectors.toList()))
        .containsExactlyInAnyOrder(1L, -2L, 40L);
    assertThat(
            rows.stream()
                .filter(x -> x.get("n", Long.class) == -2L)
                .findFirst()
                .orElseThrow()
                .get("word", String.class))
        .isEqualTo("7");
    IcebergJava.assertSameAsDataShard(t, true);

    // the first file's column types hold for the next files, whose cells alone would type
    // differently
    Path u = tmp.resolve("u");
    assertThat(run("create", u.toString()).code()).isZero();
    CliTest.Result two =
        run(
            "import",
            u.toString(),
            file("1.csv", "a,b", "1,x").toString(),
            file("2.csv", "a,b", "2,5").toString());
    assertThat(two.code()).as(two.err()).isZero();
    assertThat(sortedJson(u.toString()))
        .containsExactly("{\"a\":1,\"b\":\"x\"}", "{\"a\":2,\"b\":\"5\"}");
  }

  @Test
  void aBadLineStopsTheImportNamingFileAndLineAndCommitsNothing() throws Exception {
    Path t = tmp.resolve("t");
    assertThat(run("create", t.toString(), "--schema", SCHEMA).code()).isZero();
    assertThat(run("import", t.toString(), file("first.jsonl", "{\"id\": 100}").toString()).code())
        .isZero();
    List<String> before = dataFiles(t);

    Path good = file("good.jsonl", "{\"id\": 1}", "{\"id\": 2}", "{\"id\": 3}", "{\"id\": 4}");
    // the bad record comes after several data files were written (2 rows per file)
    Path badType = file("bad.csv", "id,name", "5,e", "6,f", "seven,g");
    CliTest.Result r =
        run("import", t.toString(), good.toString(), badType.toString(), "--rows-per-file", "2");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .startsWith("error: Line 4 of " + badType)
        .contains("column 'id'", "seven", "long", "Nothing was committed")
        .doesNotContain("\tat ");

    Path badJson = file("bad.jsonl", "{\"id\": 8}", "{\"id\": ");
    r = run("import", t.toString(), good.toString(), badJson.toString(), "--rows-per-file", "1");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("Line 2 of " + badJson, "not valid JSON", "Nothing was committed");

    Path missing = file("missing.jsonl", "{\"id\": 9}", "{\"name\": \"no id\"}");
    r = run("import", t.toString(), missing.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("line 2 of " + missing, "column 'id'", "required");

    Path unknown = file("unknown.csv", "id,nope", "1,2");
    r = run("import", t.toString(), unknown.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("Unknown column 'nope'", unknown.toString());

    r = run("import", t.toString(), tmp.resolve("absent.csv").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("does not exist");
    r = run("import", t.toString(), file("x.txt", "1").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("Cannot tell the format");

    Table table = DataShard.open(t);
    assertThat(table.snapshots()).hasSize(1);
    assertThat(table.scan().count()).isEqualTo(1);
    assertThat(dataFiles(t)).as("no data file of a failed import is left").isEqualTo(before);
    assertThat(DataShard.verify(t, true).isClean()).isTrue();
  }

  @Test
  void exportWritesEveryFormatAndImportReadsItBack() throws Exception {
    Path t = tmp.resolve("t");
    assertThat(run("create", t.toString(), "--schema", SCHEMA).code()).isZero();
    Path a =
        file(
            "a.jsonl",
            "{\"id\": 1, \"name\": \"a\", \"score\": 0.5, \"tags\": [\"x\", \"q,r\"], \"ts\": \"2026-01-01T00:00:00Z\"}",
            "{\"id\": 2, \"name\": \"quote \\\" and\\nnewline\"}");
    CliTest.Result first = run("import", t.toString(), a.toString());
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(run("import", t.toString(), file("b.jsonl", "{\"id\": 3}").toString()).code())
        .isZero();
    List<String> expected = sortedJson(t.toString());
    assertThat(expected).hasSize(3);

    for (String name : List.of("out.parquet", "out.csv", "out.jsonl")) {
      Path out = tmp.resolve(name);
      CliTest.Result e = run("export", t.toString(), "--to", out.toString());
      assertThat(e.code()).as(e.err()).isZero();
      assertThat(e.err()).contains("Exported 3 rows to " + out);
      Path copy = tmp.resolve("copy-" + name);
      assertThat(run("create", copy.toString(), "--schema", SCHEMA).code()).isZero();
      CliTest.Result i = run("import", copy.toString(), out.toString());
      assertThat(i.code()).as(name + ": " + i.err()).isZero();
      assertThat(sortedJson(copy.toString())).as(name).isEqualTo(expected);
    }
    assertThat(Files.readAllLines(tmp.resolve("out.csv")).get(0))
        .isEqualTo("id,name,score,tags,ts");

    Path old = tmp.resolve("old.jsonl");
    CliTest.Result e =
        run("export", t.toString(), "--to", old.toString(), "--snapshot", first.out().strip());
    assertThat(e.code()).as(e.err()).isZero();
    assertThat(Files.readAllLines(old)).hasSize(2);

    Path filtered = tmp.resolve("filtered.jsonl");
    CliTest.Result f =
        run(
            "export",
            t.toString(),
            "--to",
            filtered.toString(),
            "--filter",
            "id >= 2",
            "--columns",
            "id");
    assertThat(f.code()).as(f.err()).isZero();
    assertThat(Files.readAllLines(filtered)).containsExactlyInAnyOrder("{\"id\":2}", "{\"id\":3}");
    CliTest.Result badFilter =
        run(
            "export",
            t.toString(),
            "--to",
            tmp.resolve("bad.jsonl").toString(),
            "--filter",
            "id >>> 2");
    assertThat(badFilter.code()).isEqualTo(1);
    assertThat(Files.exists(tmp.resolve("bad.jsonl"))).isFalse();

    CliTest.Result exists = run("export", t.toString(), "--to", old.toString());
    assertThat(exists.code()).isEqualTo(1);
    assertThat(exists.err()).contains("already exists").contains("Remove it");
    assertThat(Files.readAllLines(old)).hasSize(2);

    CliTest.Result badName =
        run("export", t.toString(), "--to", tmp.resolve("out.xlsx").toString());
    assertThat(badName.code()).isNotZero();
    assertThat(badName.err()).contains("Cannot tell the format");
  }

  @Test
  void everyColumnTypeRoundTripsThroughEachExportFormat() throws Exception {
    String schema =
        "i int, l long, f float, d double, dec decimal(9,2), dt date, tm time, ts timestamp, "
            + "tz timestamptz, s string, u uuid, fx fixed[2], b binary, st struct<x: int, y: string>, "
            + "m map<string, long>, li list<double>, bo boolean";
    Path t = tmp.resolve("t");
    assertThat(run("create", t.toString(), "--schema", schema).code()).isZero();
    Path in =
        file(
            "all.jsonl",
            "{\"i\":1,\"l\":2,\"f\":1.5,\"d\":2.25,\"dec\":\"3.10\",\"dt\":\"2026-01-02\",\"tm\":\"10:11:12.123456\","
                + "\"ts\":\"2026-01-02T03:04:05.000006\",\"tz\":\"2026-01-02T03:04:05Z\",\"s\":\"a,\\\"b\\\"\\nc\","
                + "\"u\":\"123e4567-e89b-12d3-a456-426614174000\",\"fx\":\"AQI=\",\"b\":\"AAEC\","
                + "\"st\":{\"x\":1,\"y\":\"q\"},"
                + "\"m\":{\"k\":5},\"li\":[1.0,2.5],\"bo\":true}",
            "{\"i\":-7}");
    CliTest.Result a = run("import", t.toString(), in.toString());
    assertThat(a.code()).as(a.err()).isZero();
    List<String> expected = sortedJson(t.toString());
    assertThat(expected.get(1))
        .contains("\"s\":\"a,\\\"b\\\"\\nc\"", "\"b\":\"AAEC\"", "\"dec\":3.10");
    for (String format : List.of("csv", "jsonl", "parquet")) {
      Path out = tmp.resolve("all-out." + format);
      assertThat(run("export", t.toString(), "--to", out.toString(), "-q").code()).isZero();
      Path copy = tmp.resolve("copy-" + format);
      assertThat(run("create", copy.toString(), "--schema", schema).code()).isZero();
      CliTest.Result i = run("import", copy.toString(), out.toString(), "-q");
      assertThat(i.code()).as(format + ": " + i.err()).isZero();
      assertThat(i.err()).isEmpty();
      assertThat(sortedJson(copy.toString())).as(format).isEqualTo(expected);
    }
  }

  @Test
  void importIntoAPartitionedTableWritesAFilePerPartitionInOneCommit() throws Exception {
    Path t = tmp.resolve("p");
    CliTest.Result c =
        run(
            "create",
            t.toString(),
            "--schema",
            "id long not null, tag string, ts timestamptz",
            "--partition-by",
            "tag, day(ts)");
    assertThat(c.code()).as(c.err()).isZero();
    List<String> lines = new ArrayList<>(List.of("id,tag,ts"));
    for (int i = 0; i < 30; i++) {
      lines.add(
          i + "," + (i % 2 == 0 ? "even" : "odd") + ",2026-01-0" + (1 + i % 3) + "T12:00:00Z");
    }
    Path in = file("p.csv", lines.toArray(new String[0]));
    CliTest.Result r = run("import", t.toString(), in.toString(), "--rows-per-file", "10");
    assertThat(r.code()).as(r.err()).isZero();
    Table table = DataShard.open(t);
    assertThat(table.snapshots()).hasSize(1);
    // 3 chunks of 10 rows, each holding all 6 (tag, day) partitions
    assertThat(table.currentSnapshot().orElseThrow().summary())
        .containsEntry("added-records", "30")
        .containsEntry("added-data-files", "18");
    assertThat(table.scan().files()).allSatisfy(f -> assertThat(f.partition()).isNotNull());
    assertThat(table.scan().count()).isEqualTo(30);
    IcebergJava.assertSameAsDataShard(t, true);
  }
}
