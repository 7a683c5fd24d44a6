package io.datashard.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.Expression;
import io.datashard.Expressions;
import io.datashard.Schema;
import io.datashard.Table;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A filtered DataShard scan returns the same rows as Apache Iceberg Java's own filter on the same
 * table (random filters on columns without nulls or NaN, where both define the same meaning).
 */
class IcebergFilterTest {
  @TempDir Path tmp;

  @Test
  void filteredScansMatchIcebergJava() {
    long seed = System.nanoTime();
    System.out.println("IcebergFilterTest seed " + seed);
    Random rnd = new Random(seed);
    Path dir = tmp.resolve("t");
    Table t =
        DataShard.table(dir)
            .schema(
                Schema.parse(
                    "id long not null, n int not null, x double not null, "
                        + "s string not null, d date not null"))
            .durable(false)
            .create();
    long id = 0;
    for (int f = 0; f < 8; f++) {
      int base = rnd.nextInt(30);
      List<Map<String, Object>> rows = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        Map<String, Object> m = new HashMap<>();
        m.put("id", id++);
        m.put("n", base + rnd.nextInt(6));
        m.put("x", (base + rnd.nextInt(6)) / 4.0);
        m.put("s", WORDS[(base + rnd.nextInt(3)) % WORDS.length]);
        m.put("d", LocalDate.of(2026, 1, 1).plusDays(base + rnd.nextInt(6)));
        rows.add(m);
      }
      t.newAppend().addAll(rows).commit();
    }
    org.apache.iceberg.Table ice = IcebergJava.load(dir);
    int selective = 0;
    for (int iter = 0; iter < 60; iter++) {
      Expression e = random(rnd, 2);
      List<Long> ours =
          t.scan().filter(e).select("id").toList().stream()
              .map(r -> (Long) r.get(0))
              .sorted()
              .collect(Collectors.toList());
      List<Long> theirs = new ArrayList<>();
      try (CloseableIterable<Record> it = IcebergGenerics.read(ice).where(toIceberg(e)).build()) {
        for (Record r : it) {
          theirs.add((Long) r.getField("id"));
        }
      } catch (IOException ex) {
        throw new UncheckedIOException(ex);
      }
      theirs.sort(null);
      assertThat(ours).as("seed %s, filter %s", seed, e).isEqualTo(theirs);
      if (!ours.isEmpty() && ours.size() < 80) {
        selective++;
      }
    }
    assertThat(selective).as("filters that keep some rows but not all").isGreaterThan(10);
  }

  static final String[] WORDS = {
    "apple",
    "apricot",
    "banana",
    "band",
    "zebra",
    "a-long-string-past-sixteen-1",
    "a-long-string-past-sixteen-2"
  };

  static Expression random(Random r, int depth) {
    int k = depth == 0 ? 3 : r.nextInt(5);
    if (k == 0) {
      return Expressions.and(random(r, depth - 1), random(r, depth - 1));
    }
    if (k == 1) {
      return Expressions.or(random(r, depth - 1), random(r, depth - 1));
    }
    if (k == 2) {
      return Expressions.not(random(r, depth - 1));
    }
    String[] cols = {"n", "x", "s", "d"};
    String c = cols[r.nextInt(cols.length)];
    int op = r.nextInt(c.equals("s") ? 9 : 8);
    Object v = literal(r, c);
    switch (op) {
      case 0:
        return Expressions.equal(c, v);
      case 1:
        return Expressions.notEqual(c, v);
      case 2:
        return Expressions.lessThan(c, v);
      case 3:
        return Expressions.lessThanOrEqual(c, v);
      case 4:
        return Expressions.greaterThan(c, v);
      case 5:
        return Expressions.greaterThanOrEqual(c, v);
      case 6:
        return Expressions.in(c, v, literal(r, c));
      case 7:
        return Expressions.notIn(c, v, literal(r, c));
      default:
        return Expressions.startsWith(
            c, ((String) v).substring(0, r.nextInt(((String) v).length() + 1)));
    }
  }

  static Object literal(Random r, String c) {
    switch (c) {
      case "n":
        return r.nextInt(40);
      case "x":
        return r.nextInt(40) / 4.0;
      case "s":
        return WORDS[r.nextInt(WORDS.length)];
      default:
        return LocalDate.of(2026, 1, 1).plusDays(r.nextInt(40)).toString();
    }
  }

  static org.apache.iceberg.expressions.Expression toIceberg(Expression e) {
    switch (e.operation()) {
      case AND:
        return org.apache.iceberg.expressions.Expressions.and(
            toIceberg(e.children().get(0)), toIceberg(e.children().get(1)));
      case OR:
        return org.apache.iceberg.expressions.Expressions.or(
            toIceberg(e.children().get(0)), toIceberg(e.children().get(1)));
      case NOT:
        return org.apache.iceberg.expressions.Expressions.not(toIceberg(e.children().get(0)));
      default:
        break;
    }
    String c = e.column();
    Object v = e.values().isEmpty() ? null : e.values().get(0);
    switch (e.operation()) {
      case EQ:
        return org.apache.iceberg.expressions.Expressions.equal(c, v);
      case NOT_EQ:
        return org.apache.iceberg.expressions.Expressions.notEqual(c, v);
      case LT:
        return org.apache.iceberg.expressions.Expressions.lessThan(c, v);
      case LT_EQ:
        return org.apache.iceberg.expressions.Expressions.lessThanOrEqual(c, v);
      case GT:
        return org.apache.iceberg.expressions.Expressions.greaterThan(c, v);
      case GT_EQ:
        return org.apache.iceberg.expressions.Expressions.greaterThanOrEqual(c, v);
      case IN:
        return org.apache.iceberg.expressions.Expressions.in(c, e.values().toArray());
      case NOT_IN:
        return org.apache.iceberg.expressions.Expressions.notIn(c, e.values().toArray());
      case STARTS_WITH:
        return org.apache.iceberg.expressions.Expressions.startsWith(c, (String) v);
      default:
        throw new AssertionError(e);
    }
  }
}
