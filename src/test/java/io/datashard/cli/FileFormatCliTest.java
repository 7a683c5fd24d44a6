package io.datashard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --file-format} on create (the table default) and append (this append only). */
class FileFormatCliTest {
  @TempDir Path tmp;

  static CliTest.Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
    return new CliTest.Result(code, out.toString(), err.toString());
  }

  private List<String> extensions(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir.resolve("data"))) {
      return s.map(p -> p.getFileName().toString())
          .map(n -> n.substring(n.lastIndexOf('.') + 1))
          .sorted()
          .collect(Collectors.toList());
    }
  }

  @Test
  void createSetsTheTableFormatAndAppendOverridesItForOneAppend() throws Exception {
    Path dir = tmp.resolve("t");
    CliTest.Result c =
        run(
            "create",
            dir.toString(),
            "--schema",
            "id long, tags map<string, int>, emb list<float>",
            "--file-format",
            "AVRO");
    assertThat(c.code()).as(c.err()).isZero();
    Path in = tmp.resolve("a.jsonl");
    Files.writeString(in, "{\"id\": 1, \"tags\": {\"a\": 1}, \"emb\": [0.5]}\n");
    assertThat(run("append", dir.toString(), "--file", in.toString()).code()).isZero();
    Files.writeString(in, "{\"id\": 2, \"emb\": [1.5, null]}\n");
    CliTest.Result orc =
        run("append", dir.toString(), "--file", in.toString(), "--file-format", "orc");
    assertThat(orc.code()).as(orc.err()).isZero();
    Files.writeString(in, "{\"id\": 3}\n");
    assertThat(
            run("append", dir.toString(), "--file", in.toString(), "--file-format", "parquet")
                .code())
        .isZero();

    assertThat(extensions(dir)).containsExactly("avro", "orc", "parquet");
    CliTest.Result scan = run("scan", dir.toString());
    assertThat(scan.code()).as(scan.err()).isZero();
    assertThat(CliTest.lines(scan.out()).stream().sorted())
        .containsExactly(
            "{\"id\":1,\"tags\":{\"a\":1},\"emb\":[0.5]}",
            "{\"id\":2,\"tags\":null,\"emb\":[1.5,null]}",
            "{\"id\":3,\"tags\":null,\"emb\":null}");
    assertThat(
            Files.readString(
                Files.list(dir.resolve("metadata"))
                    .filter(p -> p.getFileName().toString().equals("v1.metadata.json"))
                    .findFirst()
                    .orElseThrow()))
        .contains("\"write.format.default\":\"avro\"");
  }

  @Test
  void anUnknownFormatIsAnErrorThatNamesTheChoices() throws Exception {
    Path dir = tmp.resolve("bad");
    CliTest.Result c = run("create", dir.toString(), "--schema", "id long", "--file-format", "csv");
    assertThat(c.code()).isNotZero();
    assertThat(c.err()).contains("csv", "parquet, orc or avro");
    assertThat(dir.resolve("metadata")).doesNotExist();
    assertThat(run("create", dir.toString(), "--schema", "id long").code()).isZero();
    Path in = tmp.resolve("a.jsonl");
    Files.writeString(in, "{\"id\": 1}\n");
    CliTest.Result a =
        run("append", dir.toString(), "--file", in.toString(), "--file-format", "xml");
    assertThat(a.code()).isNotZero();
    assertThat(a.err()).contains("xml", "parquet, orc or avro");
    assertThat(run("count", dir.toString()).out().strip()).isEqualTo("0");
  }
}
