package io.datashard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.datashard.DataShard;
import io.datashard.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tail: prints what a consumer has not read, moves its cursor; --follow, --list, --drop. */
class TailCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private static List<Long> ids(String out) throws Exception {
    List<Long> got = new ArrayList<>();
    for (String line : CliTest.lines(out)) {
      assertThat(JSON.readTree(line).get("_change_type").asText()).isEqualTo("INSERT");
      got.add(JSON.readTree(line).get("id").asLong());
    }
    return got;
  }

  private void append(String dir, long... ids) throws Exception {
    Path f = Files.createTempFile(tmp, "rows", ".jsonl");
    StringBuilder s = new StringBuilder();
    for (long id : ids) {
      s.append("{\"id\": ").append(id).append("}\n");
    }
    Files.writeString(f, s);
    CliTest.ok("append", dir, "--file", f.toString());
  }

  @Test
  void tailPrintsEachChangeOnceAndFollows() throws Exception {
    String dir = tmp.resolve("t").toString();
    CliTest.ok("create", dir, "--schema", "id long not null");
    append(dir, 1, 2);
    assertThat(ids(CliTest.ok("tail", dir, "--consumer", "c").out()))
        .containsExactlyInAnyOrder(1L, 2L);
    assertThat(CliTest.ok("tail", dir, "--consumer", "c").out()).isEmpty();
    append(dir, 3);
    assertThat(ids(CliTest.ok("tail", dir, "--consumer", "c").out())).containsExactly(3L);
    assertThat(CliTest.lines(CliTest.ok("tail", dir, "--list").out()))
        .hasSize(1)
        .first()
        .asString()
        .startsWith("c ");

    // --follow delivers a commit that lands while it waits
    Table writer = DataShard.open(Path.of(dir));
    CompletableFuture<Void> later =
        CompletableFuture.runAsync(
            () -> {
              try {
                Thread.sleep(500);
              } catch (InterruptedException e) {
                throw new RuntimeException(e);
              }
              writer.append(List.of(Map.of("id", 4L)));
            });
    CliTest.Result followed =
        CliTest.ok("tail", dir, "--consumer", "c", "--follow", "--follow-seconds", "2");
    later.join();
    assertThat(ids(followed.out())).containsExactly(4L);

    assertThat(CliTest.ok("tail", dir, "--consumer", "c", "--drop").out())
        .contains("dropped consumer c");
    CliTest.Result again = CliTest.run("tail", dir, "--consumer", "c", "--drop");
    assertThat(again.code()).isNotZero();
    assertThat(again.err()).contains("no consumer named 'c'");
    CliTest.Result none = CliTest.run("tail", dir);
    assertThat(none.code()).isNotZero();
    assertThat(none.err()).contains("--consumer NAME");
  }
}
