package io.datashard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.internal.TableCore;
import io.datashard.internal.commit.Appends;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.interop.IcebergJava;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schema evolution by field id: old files read under the new schema, here and in Apache Iceberg
 * Java.
 */
class SchemaEvolutionTest {
  @TempDir Path dir;

  private Table table() {
    Table t =
        DataShard.create(
            dir,
            Schema.parse(
                "id long not null, tag string, n int, f float, price decimal(9,2), old string, point struct<x: double, y: double>"));
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Map<String, Object> r = new HashMap<>();
      r.put("id", (long) i);
      r.put("tag", "t" + i);
      r.put("n", i * 10);
      r.put("f", i + 0.5f);
      r.put("price", new BigDecimal(i + ".25"));
      r.put("old", "o" + i);
      r.put("point", Map.of("x", (double) i, "y", -1.0 * i));
      rows.add(r);
    }
    t.append(rows);
    return t;
  }

  private static Map<Long, Row> byId(List<Row> rows) {
    Map<Long, Row> m = new HashMap<>();
    rows.forEach(r -> m.put(r.get("id", Long.class), r));
    return m;
  }

  @Test
  void oldFilesReadUnderTheNewSchemaHereAndInIceberg() {
    Table t = table();
    long before = t.currentSnapshot().orElseThrow().snapshotId();
    int oldTagId = t.schema().findField("tag").id();
    Schema s =
        t.updateSchema()
            .addColumn("score", Types.DOUBLE)
            .renameColumn("tag", "label")
            .widenColumn("n", Types.LONG)
            .widenColumn("f", Types.DOUBLE)
            .widenColumn("price", Types.decimal(12, 2))
            .dropColumn("old")
            .renameColumn("point.x", "px")
            .addColumn("point.z", Types.DOUBLE)
            .moveFirst("score")
            .moveAfter("label", "id")
            .commit();
    assertThat(s.columnNames()).containsExactly("score", "id", "label", "n", "f", "price", "point");
    assertThat(s.findField("label").id()).as("a rename keeps the field id").isEqualTo(oldTagId);
    assertThat(t.refresh().schema().sameColumns(s)).isTrue();

    // rows written before, read under the new schema (no new snapshot yet)
    Map<Long, Row> rows = byId(t.scan().toList());
    assertThat(rows).hasSize(3);
    Row r1 = rows.get(1L);
    assertThat(r1.get("label")).isEqualTo("t1");
    assertThat(r1.get("score")).isNull();
    assertThat(r1.get("n")).isEqualTo(10L);
    assertThat(r1.get("f")).isEqualTo(1.5d);
    assertThat((BigDecimal) r1.get("price")).isEqualByComparingTo("1.25");
    assertThat(r1.type().field("old")).isNull();
    Row point = r1.get("point", Row.class);
    assertThat(point.get("px")).isEqualTo(1.0d);
    assertThat(point.get("z")).isNull();

    // new rows under the new schema, in the same table
    Map<String, Object> next = new HashMap<>();
    next.put("id", 9L);
    next.put("label", "new");
    next.put("score", 0.75);
    next.put("n", 5_000_000_000L);
    t.append(List.of(next));
    rows = byId(t.scan().toList());
    assertThat(rows).hasSize(4);
    assertThat(rows.get(9L).get("n")).isEqualTo(5_000_000_000L);
    assertThat(rows.get(9L).get("score")).isEqualTo(0.75);
    assertThat(rows.get(0L).get("label")).isEqualTo("t0");

    // time travel reads the old snapshot under the schema it was written with
    List<Row> old = t.scan().useSnapshot(before).toList();
    assertThat(old).hasSize(3);
    assertThat(old.get(0).type().field("tag")).isNotNull();
    assertThat(old.get(0).type().field("old")).isNotNull();
    assertThat(old.get(0).type().field("score")).isNull();

    IcebergJava.assertSameAsDataShard(dir, true);
  }

  @Test
  void droppedIdsAreNeverReusedAndReAddingAColumnDoesNotBringOldValuesBack() {
    Table t = table();
    int oldId = t.schema().findField("old").id();
    t.updateSchema().dropColumn("old").commit();
    Schema s = t.updateSchema().addColumn("old", Types.STRING).commit();
    assertThat(s.findField("old").id()).isGreaterThan(oldId);
    assertThat(s.findField("old").id()).isGreaterThan(t.schema().highestFieldId() - 1);
    for (Row r : t.scan().toList()) {
      assertThat(r.get("old")).as("values of the dropped column stay dropped").isNull();
    }
    IcebergJava.assertSameAsDataShard(dir, false);
  }

  @Test
  void anUnchangedSchemaCommitsNothingAndAnEarlierOneIsReused() {
    Table t = table();
    int versionsBefore = t.snapshots().size();
    Schema first = t.schema();
    assertThat(t.updateSchema().commit().schemaId()).isEqualTo(first.schemaId());
    t.updateSchema().renameColumn("tag", "label").commit();
    Schema back = t.updateSchema().renameColumn("label", "tag").commit();
    assertThat(back.schemaId())
        .as("the earlier, equal schema is current again")
        .isEqualTo(first.schemaId());
    assertThat(t.snapshots()).hasSize(versionsBefore);
  }

  @Test
  void badChangesAreRefusedWithClearErrorsAndNothingChanges() {
    Table t = table();
    Schema before = t.schema();
    assertThatThrownBy(() -> t.updateSchema().dropColumn("nope").commit())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("'nope'")
        .hasMessageContaining("no such column");
    assertThatThrownBy(() -> t.updateSchema().addColumn("tag", Types.STRING).commit())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("exists");
    assertThatThrownBy(() -> t.updateSchema().renameColumn("tag", "id").commit())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("exists");
    assertThatThrownBy(() -> t.updateSchema().widenColumn("id", Types.INT).commit())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("int to long");
    assertThatThrownBy(() -> t.updateSchema().widenColumn("price", Types.decimal(12, 3)).commit())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("decimal");
    assertThatThrownBy(() -> t.updateSchema().addRequiredColumn("must", Types.STRING))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("optional");
    assertThatThrownBy(() -> t.updateSchema().renameColumn("tag.x", "y").commit())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("not a struct");
    assertThatThrownBy(() -> t.updateSchema().moveAfter("tag", "nope").commit())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("no such column");
    // a failing change anywhere in the list commits none of the others
    assertThatThrownBy(
            () -> t.updateSchema().addColumn("fine", Types.INT).dropColumn("nope").commit())
        .isInstanceOf(ValidationException.class);
    assertThat(t.refresh().schema()).isEqualTo(before);
    assertThat(t.scan().count()).isEqualTo(3);
  }

  @Test
  void anAppendWrittenUnderTheOldSchemaStillCommitsAfterAConcurrentChange() {
    table();
    TableCore writer = TableCore.open(dir, TableOptions.defaults());
    TableMetadata base = writer.refresh();
    Map<String, Object> row = new HashMap<>();
    row.put("id", 7L);
    row.put("tag", "staged");
    row.put("n", 70);
    row.put("old", "gone");
    Appends.Prepared staged = writer.appends().prepare(base, List.of(row));
    // another writer changes the schema after the rows were written, before they commit
    Table other = DataShard.open(dir);
    other
        .updateSchema()
        .renameColumn("tag", "label")
        .widenColumn("n", Types.LONG)
        .dropColumn("old")
        .commit();
    staged.commit();
    Map<Long, Row> rows = byId(other.refresh().scan().toList());
    assertThat(rows).hasSize(4);
    assertThat(rows.get(7L).get("label")).isEqualTo("staged");
    assertThat(rows.get(7L).get("n")).isEqualTo(70L);
    IcebergJava.assertSameAsDataShard(dir, false);
  }
}
