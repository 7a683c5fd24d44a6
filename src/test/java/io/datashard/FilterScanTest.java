package io.datashard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.internal.TableCore;
import io.datashard.storage.ForwardingStorage;
import io.datashard.storage.LocalStorage;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Filtered scans on tables: the same rows as filtering a full scan in plain Java (randomized, seed
 * printed), files pruned by manifest statistics without being opened (proved by counting opens),
 * filters on columns not selected, exact counts and the scan report.
 */
class FilterScanTest {
  @TempDir Path tmp;

  /** A storage that counts how often data files are opened. */
  static final class CountingStorage extends ForwardingStorage {
    final AtomicInteger dataOpens = new AtomicInteger();

    CountingStorage() {
      super(new LocalStorage(false));
    }

    @Override
    public InputFile open(String location) throws IOException {
      if (location.contains("/data/")) {
        dataOpens.incrementAndGet();
      }
      return inner.open(location);
    }
  }

  @Test
  void fiftyAppendsWithDisjointRangesPruneToTheOneFileThatMatches() {
    Path dir = tmp.resolve("fifty");
    Table created =
        DataShard.table(dir)
            .schema(Schema.parse("id long not null, tag string, score double"))
            .durable(false)
            .property(TableProperties.COMPACTION_AUTO_ENABLED, "false") // counts its appends' files
            .create();
    for (int f = 0; f < 50; f++) {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        long id = f * 100L + i;
        rows.add(Map.of("id", id, "tag", "t" + f, "score", id / 1000.0));
      }
      created.newAppend().addAll(rows).commit();
    }
    CountingStorage storage = new CountingStorage();
    Table t =
        TestTables.wrap(TableCore.open(storage, dir, TableOptions.defaults().withDurable(false)));
    long totalBytes = t.scan().files().stream().mapToLong(DataFile::fileSizeInBytes).sum();

    ScanReport r = t.scan().filter("id >= 1203 and id < 1210").explain();
    assertThat(storage.dataOpens.get()).as("data files opened").isEqualTo(1);
    assertThat(r.filesConsidered()).isEqualTo(50);
    assertThat(r.filesPruned()).isEqualTo(49);
    assertThat(r.filesRead()).isEqualTo(1);
    assertThat(r.bytesConsidered()).isEqualTo(totalBytes);
    assertThat(r.bytesPruned() + r.bytesRead()).isEqualTo(totalBytes);
    assertThat(r.rowsRead()).isEqualTo(20);
    assertThat(r.rowsMatched()).isEqualTo(7);
    assertThat(r.rowGroupsRead()).isEqualTo(1);
    assertThat(r.filter()).isEqualTo("(id >= 1203 and id < 1210)");

    storage.dataOpens.set(0);
    assertThat(t.scan().filter("id >= 1203 and id < 1210").count()).isEqualTo(7);
    assertThat(storage.dataOpens.get()).isEqualTo(1);

    // a count uses the record counts of files whose statistics prove every row matches
    storage.dataOpens.set(0);
    List<ScanReport> counted = new ArrayList<>();
    assertThat(t.scan().filter("id >= 1210").reportTo(counted::add).count())
        .isEqualTo(10 + 37 * 20);
    assertThat(storage.dataOpens.get()).isEqualTo(1);
    assertThat(counted.get(0).filesPruned()).isEqualTo(12);
    assertThat(counted.get(0).filesAllMatching()).isEqualTo(37);
    assertThat(counted.get(0).filesRead()).isEqualTo(1);
    storage.dataOpens.set(0);
    assertThat(t.scan().filter("id >= 0 and tag is not null").count()).isEqualTo(1000);
    assertThat(storage.dataOpens.get()).isZero();

    storage.dataOpens.set(0);
    List<Row> rows = t.scan().filter(Expressions.in("tag", "t3", "t40")).select("id").toList();
    assertThat(storage.dataOpens.get()).as("string bounds prune too").isEqualTo(2);
    assertThat(rows).hasSize(40);
    assertThat(rows.get(0).type().fields())
        .extracting(Types.NestedField::name)
        .containsExactly("id");

    storage.dataOpens.set(0);
    assertThat(t.scan().filter("score > 0.5").files()).hasSize(45);
    assertThat(storage.dataOpens.get()).as("planning opens no data file").isZero();

    // a filter that no statistics can answer reads every file
    ScanReport all = t.scan().filter("score != 0.5").explain();
    assertThat(all.filesPruned()).isZero();
    assertThat(all.filesRead()).isEqualTo(50);
    assertThat(all.rowsMatched()).isEqualTo(1000 - 1);

    // none matches: nothing opened
    storage.dataOpens.set(0);
    assertThat(t.scan().filter("id > 99999 or tag = 'nope'").toList()).isEmpty();
    assertThat(storage.dataOpens.get()).isZero();
  }

  @Test
  void filterOnColumnsNotSelectedCountAndReportTo() {
    Table t =
        DataShard.table(tmp.resolve("sel"))
            .schema(Schema.parse("id long, name string, score double"))
            .durable(false)
            .create();
    t.newAppend()
        .add(Map.of("id", 1L, "name", "ann", "score", 0.9))
        .add(Map.of("id", 2L, "name", "bob", "score", 0.1))
        .add(Map.of("id", 3L, "score", 0.7))
        .commit();
    List<Row> rows = t.scan().select("id").filter("score > 0.5 and name is not null").toList();
    assertThat(rows).extracting(r -> r.get("id")).containsExactly(1L);
    assertThat(rows.get(0).size()).isEqualTo(1);
    assertThat(t.scan().select("name", "id").filter("score > 0.5").toList())
        .extracting(Row::toMap)
        .containsExactly(map("name", "ann", "id", 1L), map("name", null, "id", 3L));
    assertThat(t.scan().filter("score > 0.5").schema().columnNames())
        .containsExactly("id", "name", "score");
    assertThat(t.scan().filter("name = 'bob' or id = 3").count()).isEqualTo(2);
    assertThat(t.scan().filter(Expressions.not(Expressions.equal("name", "bob"))).count())
        .as("the null name is unknown, not a match")
        .isEqualTo(1);
    assertThat(t.scan().count()).isEqualTo(3);
    // filters given twice are and-ed
    assertThat(t.scan().filter("score > 0.5").filter("id < 3").count()).isEqualTo(1);

    List<ScanReport> reports = new ArrayList<>();
    try (CloseableIterator<Row> it = t.scan().filter("id = 2").reportTo(reports::add).iterator()) {
      assertThat(it.hasNext()).isTrue();
      assertThat(it.next().get("name")).isEqualTo("bob");
      assertThat(it.hasNext()).isFalse();
    }
    assertThat(reports).hasSize(1);
    assertThat(reports.get(0).rowsMatched()).isEqualTo(1);
    assertThat(reports.get(0).rowsRead()).isEqualTo(3);

    // time travel and transactions filter too
    Snapshot first = t.currentSnapshot().orElseThrow();
    t.newAppend().add(Map.of("id", 4L, "name", "cy", "score", 0.8)).commit();
    assertThat(t.scan().useSnapshot(first.snapshotId()).filter("score > 0.5").count()).isEqualTo(2);
    assertThat(t.scan().filter("score > 0.5").count()).isEqualTo(3);
    long inTx =
        t.newTransaction().run(tx -> tx.scan().filter("name starts with 'c'").count()).value();
    assertThat(inTx).isEqualTo(1);
  }

  @Test
  void badFiltersFailClearlyWhenTheScanRuns() {
    Table t =
        DataShard.table(tmp.resolve("bad"))
            .schema(Schema.parse("id long, name string"))
            .durable(false)
            .create();
    t.newAppend().add(Map.of("id", 1L, "name", "a")).commit();
    assertThatThrownBy(() -> t.scan().filter("nope = 1").toList())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("Unknown column 'nope'")
        .hasMessageContaining("[id, name]");
    assertThatThrownBy(() -> t.scan().filter("id = 'x'").count())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("column 'id' (long)");
    assertThatThrownBy(() -> t.scan().filter("id = "))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("expected a value");
    assertThat(t.scan().filter("id = 1").toList()).hasSize(1);
  }

  private static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  // ------------------------------------------------------------------ randomized against plain
  // Java

  static final Schema SCHEMA =
      Schema.parse(
          "id long not null, n int, x double, s string, d date, "
              + "ts timestamptz, amount decimal(9,2)");
  static final OffsetDateTime T0 = OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
  static final String[] WORDS = {
    "apple",
    "apricot",
    "banana",
    "band",
    "",
    "zebra",
    "\u00e9clair",
    "a-very-long-string-beyond-sixteen-chars-1",
    "a-very-long-string-beyond-sixteen-chars-2",
    "\uD83D\uDE00smile",
    "\uFFFDx"
  };
  static final double[] DOUBLES = {
    Double.NaN, -0.0, 0.0, 0.5, 1.5, -3.25, 100.0, Double.POSITIVE_INFINITY
  };

  @Test
  void randomizedFilteredScansEqualFilteringAFullScanInJava() {
    long seed = System.nanoTime();
    System.out.println("FilterScanTest seed " + seed);
    Random rnd = new Random(seed);
    Table t = DataShard.table(tmp.resolve("rnd")).schema(SCHEMA).durable(false).create();
    List<Map<String, Object>> all = new ArrayList<>();
    long id = 0;
    for (int f = 0; f < 12; f++) {
      // each file draws from a narrow random window, so statistics differ between files
      int base = rnd.nextInt(40);
      List<Map<String, Object>> rows = new ArrayList<>();
      int n = 1 + rnd.nextInt(25);
      for (int i = 0; i < n; i++) {
        Map<String, Object> m = new HashMap<>();
        m.put("id", id++);
        m.put("n", rnd.nextInt(6) == 0 ? null : base + rnd.nextInt(8));
        m.put("x", rnd.nextInt(6) == 0 ? null : DOUBLES[(base + rnd.nextInt(3)) % DOUBLES.length]);
        m.put("s", rnd.nextInt(6) == 0 ? null : WORDS[(base + rnd.nextInt(3)) % WORDS.length]);
        m.put(
            "d",
            rnd.nextInt(6) == 0 ? null : LocalDate.of(2026, 1, 1).plusDays(base + rnd.nextInt(5)));
        m.put("ts", rnd.nextInt(6) == 0 ? null : T0.plusHours(base + rnd.nextInt(5)));
        m.put(
            "amount",
            rnd.nextInt(6) == 0 ? null : BigDecimal.valueOf(base * 100 + rnd.nextInt(300), 2));
        rows.add(m);
      }
      t.newAppend().addAll(rows).commit();
      all.addAll(rows);
    }
    long pruned = 0;
    for (int iter = 0; iter < 300; iter++) {
      Expression built = randomExpression(rnd, 2);
      Expression e =
          rnd.nextBoolean()
              ? Expressions.parse(built.toString())
              : built; // the text form means the same
      List<Long> expected =
          all.stream()
              .filter(r -> Boolean.TRUE.equals(reference(e, r)))
              .map(r -> (Long) r.get("id"))
              .sorted()
              .collect(Collectors.toList());
      ScanReport[] report = new ScanReport[1];
      List<Long> actual =
          t.scan().filter(e).select("id").reportTo(r -> report[0] = r).toList().stream()
              .map(r -> (Long) r.get(0))
              .sorted()
              .collect(Collectors.toList());
      assertThat(actual).as("seed %s, filter %s", seed, e).isEqualTo(expected);
      assertThat(t.scan().filter(e).count())
          .as("seed %s, count %s", seed, e)
          .isEqualTo(expected.size());
      pruned += report[0].filesPruned();
    }
    assertThat(pruned).as("files were pruned along the way").isGreaterThan(0);
  }

  static Expression randomExpression(Random r, int depth) {
    int k = depth == 0 ? 3 : r.nextInt(5);
    switch (k) {
      case 0:
        return Expressions.and(randomExpression(r, depth - 1), randomExpression(r, depth - 1));
      case 1:
        return Expressions.or(randomExpression(r, depth - 1), randomExpression(r, depth - 1));
      case 2:
        return Expressions.not(randomExpression(r, depth - 1));
      default:
        return randomPredicate(r);
    }
  }

  static final String[] COLUMNS = {"n", "x", "s", "d", "ts", "amount"};

  static Expression randomPredicate(Random r) {
    String c = COLUMNS[r.nextInt(COLUMNS.length)];
    int op = r.nextInt(c.equals("s") ? 12 : 10);
    switch (op) {
      case 0:
        return Expressions.equal(c, literal(r, c));
      case 1:
        return Expressions.notEqual(c, literal(r, c));
      case 2:
        return Expressions.lessThan(c, literal(r, c));
      case 3:
        return Expressions.lessThanOrEqual(c, literal(r, c));
      case 4:
        return Expressions.greaterThan(c, literal(r, c));
      case 5:
        return Expressions.greaterThanOrEqual(c, literal(r, c));
      case 6:
        return Expressions.in(c, literal(r, c), literal(r, c), literal(r, c));
      case 7:
        return Expressions.notIn(c, literal(r, c), literal(r, c));
      case 8:
        return Expressions.isNull(c);
      case 9:
        return Expressions.notNull(c);
      case 10:
        return Expressions.startsWith(c, prefix(r));
      default:
        return Expressions.notStartsWith(c, prefix(r));
    }
  }

  static String prefix(Random r) {
    String w = WORDS[r.nextInt(WORDS.length)];
    int len = Math.min(w.length(), r.nextInt(20));
    if (len > 0 && Character.isHighSurrogate(w.charAt(len - 1))) {
      len--;
    }
    return w.substring(0, len);
  }

  static Object literal(Random r, String c) {
    switch (c) {
      case "n":
        return r.nextInt(4) == 0 ? r.nextInt(50) - 0.5 : (Object) (long) r.nextInt(50);
      case "x":
        return DOUBLES[r.nextInt(DOUBLES.length)];
      case "s":
        return WORDS[r.nextInt(WORDS.length)];
      case "d":
        return LocalDate.of(2026, 1, 1).plusDays(r.nextInt(48)).toString();
      case "ts":
        return T0.plusHours(r.nextInt(48)).plusMinutes(r.nextInt(3) * 30).toInstant();
      default:
        return BigDecimal.valueOf(r.nextInt(4500), r.nextInt(3) + 1);
    }
  }

  /**
   * Three-valued evaluation written directly on the maps, independent of the library's evaluator.
   */
  static Boolean reference(Expression e, Map<String, Object> row) {
    switch (e.operation()) {
      case TRUE:
        return true;
      case FALSE:
        return false;
      case AND:
        {
          Boolean a = reference(e.children().get(0), row);
          Boolean b = reference(e.children().get(1), row);
          return Boolean.FALSE.equals(a) || Boolean.FALSE.equals(b)
              ? Boolean.FALSE
              : a == null || b == null ? null : true;
        }
      case OR:
        {
          Boolean a = reference(e.children().get(0), row);
          Boolean b = reference(e.children().get(1), row);
          return Boolean.TRUE.equals(a) || Boolean.TRUE.equals(b)
              ? Boolean.TRUE
              : a == null || b == null ? null : false;
        }
      case NOT:
        {
          Boolean a = reference(e.children().get(0), row);
          return a == null ? null : !a;
        }
      default:
        break;
    }
    Object v = row.get(e.column());
    if (e.operation() == Expression.Operation.IS_NULL) {
      return v == null;
    }
    if (e.operation() == Expression.Operation.NOT_NULL) {
      return v != null;
    }
    if (v == null) {
      return null;
    }
    List<Integer> cmps = new ArrayList<>();
    for (Object lit : e.values()) {
      cmps.add(cmp(e.column(), v, lit));
    }
    int c0 = cmps.get(0);
    switch (e.operation()) {
      case EQ:
        return c0 == 0;
      case NOT_EQ:
        return c0 != 0;
      case LT:
        return c0 < 0;
      case LT_EQ:
        return c0 <= 0;
      case GT:
        return c0 > 0;
      case GT_EQ:
        return c0 >= 0;
      case IN:
        return cmps.contains(0);
      case NOT_IN:
        return !cmps.contains(0);
      case STARTS_WITH:
        return ((String) v).startsWith((String) e.values().get(0));
      case NOT_STARTS_WITH:
        return !((String) v).startsWith((String) e.values().get(0));
      default:
        throw new AssertionError(e);
    }
  }

  static int cmp(String column, Object v, Object lit) {
    switch (column) {
      case "n":
        return new BigDecimal(v.toString()).compareTo(new BigDecimal(lit.toString()));
      case "x":
        {
          double a = (Double) v;
          double b =
              lit instanceof String
                  ? Double.parseDouble((String) lit)
                  : ((Number) lit).doubleValue();
          return Double.compare(a == 0.0 ? 0.0 : a, b == 0.0 ? 0.0 : b); // NaN highest, -0.0 == 0.0
        }
      case "s":
        return Arrays.compareUnsigned(
            ((String) v).getBytes(StandardCharsets.UTF_8),
            ((String) lit).getBytes(StandardCharsets.UTF_8));
      case "d":
        return ((LocalDate) v).compareTo(LocalDate.parse(lit.toString()));
      case "ts":
        return ((OffsetDateTime) v)
            .toInstant()
            .compareTo(
                lit instanceof Instant
                    ? (Instant) lit
                    : OffsetDateTime.parse(lit.toString()).toInstant());
      default:
        return ((BigDecimal) v).compareTo(new BigDecimal(lit.toString()));
    }
  }
}
