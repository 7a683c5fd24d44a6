package io.datashard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.cli.Main;
import io.datashard.interop.IcebergJava;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Delete and overwrite by filter, copy-on-write, read back by Apache Iceberg Java. */
class DeleteOverwriteTest {
  @TempDir Path dir;

  private Table table() {
    Table t =
        DataShard.create(
            dir.resolve("t"), Schema.parse("id long not null, score double, tag string"));
    for (int f = 0; f < 4; f++) {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (long i = f * 10L; i < f * 10L + 10; i++) {
        HashMap<String, Object> r = new HashMap<>();
        r.put("id", i);
        r.put("score", i / 40.0);
        r.put("tag", i % 3 == 0 ? null : "t" + (i % 3));
        rows.add(r);
      }
      t.append(rows); // four files: ids 0-9, 10-19, 20-29, 30-39
    }
    return t;
  }

  @Test
  void deleteRemovesExactlyTheMatchingRowsAndDropsWholeFilesUnread() {
    Table t = table();
    long before = t.currentSnapshot().orElseThrow().snapshotId();
    Snapshot s =
        t.newDelete()
            .where("id >= 20 and id < 30")
            .where(Expressions.notEqual("tag", "t1"))
            .commit()
            .orElseThrow();
    assertThat(s.operation()).isEqualTo("overwrite"); // the file of ids 20-29 keeps its t1 rows
    long expectedGone = 0;
    for (long i = 20; i < 30; i++) {
      if (i % 3 != 1 && i % 3 != 0) {
        expectedGone++; // tag t2 (null tags are unknown, so kept)
      }
    }
    assertThat(s.summary().get("datashard.rows-removed")).isEqualTo(Long.toString(expectedGone));
    assertThat(t.scan().count()).isEqualTo(40 - expectedGone);
    Snapshot whole = t.newDelete().where("id < 10").commit().orElseThrow();
    assertThat(whole.operation())
        .as("a file all of whose rows match is dropped, nothing added")
        .isEqualTo("delete");
    assertThat(whole.summary().get("deleted-data-files")).isEqualTo("1");
    assertThat(whole.summary().getOrDefault("added-data-files", "0")).isEqualTo("0");
    assertThat(t.scan().filter("id < 10").count()).isZero();
    assertThat(t.newDelete().where("id > 1000").commit()).isEqualTo(Optional.empty());
    assertThat(t.scan().useSnapshot(before).count()).isEqualTo(40);
    IcebergJava.assertSameAsDataShard(dir.resolve("t"), true);
  }

  @Test
  void overwriteReplacesTheMatchingRowsAtomically() {
    Table t = table();
    Snapshot s =
        t.newOverwrite()
            .where("tag = 't2'")
            .add(Map.of("id", 100L, "score", 1.0, "tag", "new"))
            .commit()
            .orElseThrow();
    assertThat(t.scan().filter("tag = 't2'").count()).isZero();
    assertThat(t.scan().filter("tag = 'new'").count()).isEqualTo(1);
    long t2 = 0;
    for (long i = 0; i < 40; i++) {
      t2 += i % 3 == 2 ? 1 : 0;
    }
    assertThat(t.scan().count()).isEqualTo(40 - t2 + 1);
    assertThat(s.summary().get("datashard.rows-removed")).isEqualTo(Long.toString(t2));
    assertThatThrownBy(() -> t.newDelete().where("nope = 1").commit())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("nope");
    assertThatThrownBy(() -> t.newDelete().commit())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("No filter");
    assertThatThrownBy(() -> t.newDelete().add(Map.of("id", 1L)))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("newOverwrite");
    IcebergJava.assertSameAsDataShard(dir.resolve("t"), false);
  }

  private static String[] run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
    return new String[] {Integer.toString(code), out.toString(), err.toString()};
  }

  @Test
  void cliSummariesSpeakOfTheUsersRowsAndTheRewriteApart() throws Exception {
    Path t = dir.resolve("small");
    Table table = DataShard.create(t, Schema.parse("id long not null, v string"));
    table
        .newAppend()
        .add(Map.of("id", 1L, "v", "a"))
        .add(Map.of("id", 2L, "v", "b"))
        .add(Map.of("id", 3L, "v", "c"))
        .commit();
    Path u = dir.resolve("one.jsonl");
    Files.writeString(u, "{\"id\": 2, \"v\": \"B\"}\n");
    String[] up = run("upsert", t.toString(), "--key", "id", "--file", u.toString());
    assertThat(up[0]).as(up[2]).isEqualTo("0");
    assertThat(up[1]).contains("(replaced 1, inserted 0; rewrote 2 unchanged rows)");
    Files.writeString(u, "{\"id\": 3, \"v\": \"C\"}\n{\"id\": 4, \"v\": \"d\"}\n");
    up = run("upsert", t.toString(), "--key", "id", "--file", u.toString());
    assertThat(up[1]).contains("(replaced 1, inserted 1; rewrote 2 unchanged rows)");
    String[] d = run("delete", t.toString(), "--filter", "id >= 1");
    assertThat(d[1]).contains("(deleted 4)");
  }

  @Test
  void cliDeleteOverwriteUpsert() throws Exception {
    table();
    String t = dir.resolve("t").toString();
    String[] d = run("delete", t, "--filter", "id < 5");
    assertThat(d[0]).as(d[2]).isEqualTo("0");
    assertThat(d[1]).contains("(deleted 5");
    assertThat(run("count", t)[1].strip()).isEqualTo("35");
    Path f = dir.resolve("o.jsonl");
    Files.writeString(f, "{\"id\": 7, \"score\": 0.5, \"tag\": \"o\"}\n");
    String[] o = run("overwrite", t, "--filter", "id >= 30", "--file", f.toString());
    assertThat(o[0]).as(o[2]).isEqualTo("0");
    assertThat(o[1]).contains("(deleted 10, inserted 1");
    Path u = dir.resolve("u.jsonl");
    Files.writeString(
        u, "{\"id\": 7, \"score\": 0.9, \"tag\": \"u\"}\n{\"id\": 99, \"tag\": \"u\"}\n");
    String[] up = run("upsert", t, "--key", "id", "--file", u.toString());
    assertThat(up[0]).as(up[2]).isEqualTo("0");
    assertThat(up[1])
        // id 7 was there twice: the original and the overwrite's
        .contains("(replaced 1 keys (2 rows), inserted 1");
    assertThat(run("count", t, "--filter", "id = 7")[1].strip()).isEqualTo("1");
    assertThat(run("count", t)[1].strip()).isEqualTo("26"); // 35 - 10 + 1, then 2 replaced by 2
    String[] none = run("delete", t, "--filter", "id > 1000");
    assertThat(none[1]).contains("nothing was committed");
    String[] bad = run("delete", t, "--filter", "id >");
    assertThat(bad[0]).isNotEqualTo("0");
    assertThat(bad[2]).startsWith("error:").doesNotContain("\tat ");
    String[] dup = run("upsert", t, "--key", "id", "--file", f.toString(), "--file", f.toString());
    assertThat(dup[0]).isNotEqualTo("0");
  }
}
