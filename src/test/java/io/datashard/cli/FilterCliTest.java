package io.datashard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** scan and count with --filter and --explain, end to end through the command line. */
class FilterCliTest {
  @TempDir Path tmp;

  String dir;

  @BeforeEach
  void table() throws Exception {
    dir = tmp.resolve("t").toString();
    CliTest.Result c =
        CliTest.run(
            "create", dir, "--schema", "id long, tag string, score double, day date", "--no-fsync");
    assertThat(c.code()).as(c.err()).isZero();
    for (int f = 0; f < 5; f++) {
      List<String> lines = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        int id = f * 10 + i;
        lines.add(
            "{\"id\": "
                + id
                + ", \"tag\": \""
                + (i % 2 == 0 ? "x" : "y")
                + "\", \"score\": "
                + (id / 100.0)
                + ", \"day\": \"2026-01-"
                + String.format("%02d", f + 1)
                + "\"}");
      }
      Path file = tmp.resolve("a" + f + ".jsonl");
      Files.writeString(file, String.join("\n", lines) + "\n");
      CliTest.Result a = CliTest.run("append", dir, "--file", file.toString(), "--no-fsync");
      assertThat(a.code()).as(a.err()).isZero();
    }
  }

  @Test
  void scanAndCountWithFilter() {
    CliTest.Result s =
        CliTest.run(
            "scan", dir, "--filter", "id >= 20 and id < 30 and tag = 'x'", "--columns", "id");
    assertThat(s.code()).as(s.err()).isZero();
    assertThat(s.lines()).containsExactlyInAnyOrder("{\"id\":20}", "{\"id\":22}");
    assertThat(s.err()).isEmpty();

    CliTest.Result c = CliTest.run("count", dir, "--filter", "score > 0.35 or day = '2026-01-01'");
    assertThat(c.code()).as(c.err()).isZero();
    assertThat(c.out().strip()).isEqualTo("8"); // ids 0-3 and 40-43

    CliTest.Result in = CliTest.run("count", dir, "--filter", "tag in ('y') and not id < 40");
    assertThat(in.out().strip()).isEqualTo("2");

    CliTest.Result like =
        CliTest.run(
            "scan",
            dir,
            "--filter",
            "tag like 'x%' and day >= '2026-01-05'",
            "--format",
            "csv",
            "--columns",
            "id,tag");
    assertThat(like.lines()).containsExactly("id,tag", "40,x", "42,x");
  }

  @Test
  void explainPrintsFilesAndBytesConsideredPrunedAndRead() {
    CliTest.Result s = CliTest.run("scan", dir, "--filter", "id = 31", "--explain");
    assertThat(s.code()).as(s.err()).isZero();
    assertThat(s.lines()).hasSize(1);
    assertThat(s.lines().get(0)).contains("\"id\":31");
    assertThat(figure(s.err(), "data files considered")).isEqualTo(5);
    assertThat(figure(s.err(), "data files pruned by partitions and metrics")).isEqualTo(4);
    assertThat(figure(s.err(), "data files read")).isEqualTo(1);
    assertThat(s.err()).contains("explain: rows read: 4, matched: 1");
    long considered = bytes(s.err(), "data files considered");
    assertThat(
            bytes(s.err(), "data files pruned by partitions and metrics")
                + bytes(s.err(), "data files read"))
        .isEqualTo(considered);
    assertThat(considered).isPositive();

    CliTest.Result c = CliTest.run("count", dir, "--filter", "day > '2026-01-03'", "--explain");
    assertThat(c.code()).as(c.err()).isZero();
    assertThat(c.out().strip()).isEqualTo("8");
    assertThat(figure(c.err(), "data files pruned by partitions and metrics")).isEqualTo(3);
    assertThat(figure(c.err(), "data files counted from metrics"))
        .as("every row of both files matches")
        .isEqualTo(2);
    assertThat(figure(c.err(), "data files read")).isZero();

    CliTest.Result read =
        CliTest.run("count", dir, "--filter", "day > '2026-01-03' and tag = 'x'", "--explain");
    assertThat(read.out().strip()).isEqualTo("4");
    assertThat(figure(read.err(), "data files pruned by partitions and metrics")).isEqualTo(3);
    assertThat(figure(read.err(), "data files counted from metrics")).isZero();
    assertThat(figure(read.err(), "data files read")).isEqualTo(2);

    CliTest.Result plain = CliTest.run("count", dir, "--explain");
    assertThat(plain.out().strip()).isEqualTo("20");
    assertThat(figure(plain.err(), "data files read"))
        .as("a count without filter opens no file")
        .isZero();
  }

  @Test
  void badFiltersExitWithOneParagraph() {
    CliTest.Result syntax = CliTest.run("scan", dir, "--filter", "id >");
    assertThat(syntax.code()).isEqualTo(1);
    assertThat(syntax.err())
        .startsWith("error: Invalid filter \"id >\": expected a value")
        .contains("position");
    assertThat(syntax.err().strip().split("\n")).hasSize(1);

    CliTest.Result column = CliTest.run("count", dir, "--filter", "nope = 1");
    assertThat(column.code()).isEqualTo(1);
    assertThat(column.err()).contains("Unknown column 'nope'").contains("[id, tag, score, day]");

    CliTest.Result type = CliTest.run("count", dir, "--filter", "day = 'monday'");
    assertThat(type.code()).isEqualTo(1);
    assertThat(type.err()).contains("column 'day' (date)").contains("'2026-01-31'");
  }

  private static long figure(String text, String label) {
    Matcher m =
        Pattern.compile("explain: " + Pattern.quote(label) + ": (\\d+) \\((\\d+) bytes\\)")
            .matcher(text);
    assertThat(m.find()).as(label + " in " + text).isTrue();
    return Long.parseLong(m.group(1));
  }

  private static long bytes(String text, String label) {
    Matcher m =
        Pattern.compile("explain: " + Pattern.quote(label) + ": (\\d+) \\((\\d+) bytes\\)")
            .matcher(text);
    assertThat(m.find()).as(label + " in " + text).isTrue();
    return Long.parseLong(m.group(2));
  }
}
