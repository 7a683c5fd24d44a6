package io.datashard.cli;

import static io.datashard.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Table;
import io.datashard.Types;
import io.datashard.interop.IcebergJava;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Importing Parquet files written by another tool (plain parquet-java, no Iceberg field ids): into
 * a table without a schema (it takes the file's), into one with a schema (columns matched by name,
 * int widened to long), and a file with a column the table lacks (refused, nothing committed).
 */
class ParquetImportCliTest {
  @TempDir Path tmp;

  private static final MessageType FOREIGN =
      MessageTypeParser.parseMessageType(
          "message pandas {\n"
              + "  required int64 id;\n"
              + "  optional binary name (STRING);\n"
              + "  optional int32 small;\n"
              + "  optional double score;\n"
              + "  optional int64 ts (TIMESTAMP(MICROS,true));\n"
              + "  optional group tags (LIST) { repeated group list { optional binary element (STRING); } }\n"
              + "  optional int32 day (DATE);\n"
              + "}");

  private static final long TS =
      OffsetDateTime.of(2026, 3, 4, 5, 6, 7, 0, ZoneOffset.UTC).toEpochSecond() * 1_000_000L;

  private Path foreignFile(String name, int rows) throws Exception {
    Path f = tmp.resolve(name);
    SimpleGroupFactory groups = new SimpleGroupFactory(FOREIGN);
    try (ParquetWriter<Group> w =
        ExampleParquetWriter.builder(new LocalOutputFile(f))
            .withType(FOREIGN)
            .withConf(new Configuration(false))
            .build()) {
      for (int i = 0; i < rows; i++) {
        Group g = groups.newGroup().append("id", (long) i);
        if (i % 3 != 2) {
          g.append("name", "n" + i)
              .append("small", i * 10)
              .append("score", i + 0.25)
              .append("ts", TS + i)
              .append("day", (int) LocalDate.of(2026, 1, 1).plusDays(i).toEpochDay());
          Group tags = g.addGroup("tags");
          for (int k = 0; k < i % 3; k++) {
            tags.addGroup("list").append("element", "t" + k);
          }
        }
        w.write(g);
      }
    }
    return f;
  }

  private static void checkRows(List<Row> rows, int n) {
    assertThat(rows).hasSize(n);
    rows.sort(Comparator.comparing(r -> r.get("id", Long.class)));
    for (int i = 0; i < n; i++) {
      Row r = rows.get(i);
      assertThat(r.get("id", Long.class)).isEqualTo(i);
      if (i % 3 == 2) {
        assertThat(r.get("name", String.class)).isNull();
        assertThat(r.get("tags", List.class)).isNull();
      } else {
        assertThat(r.get("name", String.class)).isEqualTo("n" + i);
        assertThat(((Number) r.get("small", Object.class)).longValue()).isEqualTo(i * 10L);
        assertThat(r.get("score", Double.class)).isEqualTo(i + 0.25);
        assertThat(r.get("day", LocalDate.class)).isEqualTo(LocalDate.of(2026, 1, 1).plusDays(i));
        assertThat(r.get("tags", List.class)).hasSize(i % 3);
        assertThat(r.get("ts", Object.class).toString()).startsWith("2026-03-04T05:06:07");
      }
    }
  }

  @Test
  void aTableWithoutSchemaTakesTheFileSchema() throws Exception {
    Path f = foreignFile("a.parquet", 50);
    Path t = tmp.resolve("t");
    assertThat(run("create", t.toString()).code()).isZero();
    CliTest.Result r = run("import", t.toString(), f.toString(), "--rows-per-file", "20");
    assertThat(r.code()).as(r.err()).isZero();
    Table table = DataShard.open(t);
    assertThat(table.schema().columns())
        .extracting(Types.NestedField::name)
        .containsExactly("id", "name", "small", "score", "ts", "tags", "day");
    assertThat(table.schema().findField("id").isRequired()).isTrue();
    assertThat(table.schema().findField("small").type()).isEqualTo(Types.INT);
    assertThat(table.schema().findField("ts").type()).isEqualTo(Types.TIMESTAMPTZ);
    assertThat(table.schema().findField("day").type()).isEqualTo(Types.DATE);
    assertThat(table.schema().findField("tags").type().toString()).isEqualTo("list<string>");
    assertThat(table.snapshots()).hasSize(1);
    assertThat(table.currentSnapshot().orElseThrow().summary())
        .containsEntry("added-data-files", "3");
    checkRows(table.scan().toList(), 50);
    IcebergJava.assertSameAsDataShard(t, true);
  }

  @Test
  void columnsAreMatchedByNameAndWidened() throws Exception {
    Path f = foreignFile("a.parquet", 12);
    Path t = tmp.resolve("t");
    assertThat(
            run(
                    "create",
                    t.toString(),
                    "--schema",
                    "day date, tags list<string>, ts timestamptz, score double, small long, name string, id long not null")
                .code())
        .isZero();
    CliTest.Result r = run("import", t.toString(), f.toString());
    assertThat(r.code()).as(r.err()).isZero();
    Table table = DataShard.open(t);
    assertThat(table.schema().findField("small").type()).isEqualTo(Types.LONG);
    checkRows(table.scan().toList(), 12);
    IcebergJava.assertSameAsDataShard(t, true);
  }

  @Test
  void aColumnTheTableLacksStopsTheImport() throws Exception {
    Path f = foreignFile("a.parquet", 5);
    Path t = tmp.resolve("t");
    assertThat(run("create", t.toString(), "--schema", "id long not null, name string").code())
        .isZero();
    CliTest.Result r = run("import", t.toString(), f.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("Unknown column", "row 1 of " + f, "Nothing was committed");
    assertThat(DataShard.open(t).snapshots()).isEmpty();

    Path notParquet = tmp.resolve("fake.parquet");
    Files.writeString(notParquet, "not parquet at all");
    r = run("import", t.toString(), notParquet.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("Cannot read " + notParquet + " as Parquet");
  }
}
