package io.datashard;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Filters prune files by partition values (through bucket, truncate, day and identity), where
 * column statistics alone could not, and never lose a matching row.
 */
class PartitionPruningTest {
  @TempDir Path dir;

  private static final OffsetDateTime T0 =
      OffsetDateTime.of(2026, 3, 1, 0, 0, 0, 0, ZoneOffset.UTC);

  @Test
  void partitionValuesPruneFilesAndRowsStayExact() {
    long seed = System.nanoTime();
    System.out.println("PartitionPruningTest seed " + seed);
    Random rnd = new Random(seed);
    Table t =
        DataShard.table(dir)
            .schema(Schema.parse("id long not null, name string, tag string, ts timestamptz"))
            .partitionBy("bucket(8, id)", "truncate(2, name)", "tag", "day(ts)")
            .create();
    List<Map<String, Object>> all = new ArrayList<>();
    String[] tags = {"a", "b", null};
    String[] names = {"alpha", "alps", "beta", "bet", "gamma", "ga"};
    for (int a = 0; a < 6; a++) {
      List<Map<String, Object>> batch = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        Map<String, Object> r = new HashMap<>();
        r.put("id", (long) rnd.nextInt(1000));
        r.put("name", names[rnd.nextInt(names.length)]);
        r.put("tag", tags[rnd.nextInt(tags.length)]);
        r.put("ts", T0.plusHours(rnd.nextInt(24 * 5)));
        batch.add(r);
      }
      t.append(batch);
      all.addAll(batch);
    }
    Map<String, Object> probe = all.get(rnd.nextInt(all.size()));
    long id = (Long) probe.get("id");
    Map<String, Predicate<Map<String, Object>>> cases = new LinkedHashMap<>();
    cases.put("id = " + id, r -> r.get("id").equals(id));
    cases.put("id in (" + id + ", 5, 77)", r -> List.of(id, 5L, 77L).contains(r.get("id")));
    cases.put("name starts with 'alp'", r -> ((String) r.get("name")).startsWith("alp"));
    cases.put("name = 'bet'", r -> r.get("name").equals("bet"));
    cases.put("tag is null", r -> r.get("tag") == null);
    cases.put("tag = 'a' and id < 300", r -> "a".equals(r.get("tag")) && (Long) r.get("id") < 300);
    cases.put(
        "ts < '2026-03-02T00:00:00Z'",
        r -> ((OffsetDateTime) r.get("ts")).isBefore(T0.plusDays(1)));
    cases.put(
        "ts >= '2026-03-05T00:00:00Z' or tag != 'b'",
        r -> !((OffsetDateTime) r.get("ts")).isBefore(T0.plusDays(4)) || "a".equals(r.get("tag")));
    cases.put("tag not in ('a')", r -> "b".equals(r.get("tag")));
    int totalFiles = t.scan().files().size();
    for (Map.Entry<String, Predicate<Map<String, Object>>> c : cases.entrySet()) {
      List<String> expected =
          all.stream()
              .filter(c.getValue())
              .map(PartitionPruningTest::key)
              .sorted()
              .collect(Collectors.toList());
      List<String> got =
          t.scan().filter(c.getKey()).toList().stream()
              .map(PartitionPruningTest::key)
              .sorted()
              .collect(Collectors.toList());
      assertThat(got).as(c.getKey()).isEqualTo(expected);
    }
    // bucket pruning: ids are spread over every file, so only the partition value can prune here
    ScanReport r = t.scan().filter("id = " + id).explain();
    assertThat(r.filesPruned())
        .as("files pruned for id = %d of %d", id, totalFiles)
        .isGreaterThan(totalFiles / 2);
    ScanReport s = t.scan().filter("name starts with 'alp'").explain();
    assertThat(s.filesPruned()).isGreaterThan(totalFiles / 2);
    // deletes use the same pruning
    t.newDelete().where("id = " + id).commit();
    assertThat(t.scan().filter("id = " + id).count()).isZero();
    assertThat(t.scan().count())
        .isEqualTo(all.stream().filter(x -> !x.get("id").equals(id)).count());
  }

  @Test
  void bucketPartitionsPruneWhereStatisticsCannot() {
    Table t =
        DataShard.table(dir)
            .schema(Schema.parse("id long not null"))
            .partitionBy("bucket(8, id)")
            .create();
    List<Map<String, Object>> rows = new ArrayList<>();
    for (long i = 0; i < 800; i++) {
      rows.add(Map.of("id", i));
    }
    t.append(rows);
    assertThat(t.scan().files()).hasSize(8);
    for (long id : new long[] {0, 17, 399, 799}) {
      ScanReport r = t.scan().filter("id = " + id).explain();
      // every file's id bounds span almost 0..799, so only the bucket of the value rules files out
      assertThat(r.filesPruned()).as("id = %d", id).isEqualTo(7);
      assertThat(t.scan().filter("id = " + id).toList()).hasSize(1);
      assertThat(t.scan().filter("id in (" + id + ", 1000)").count()).isEqualTo(1);
    }
  }

  private static String key(Map<String, Object> r) {
    return r.get("id")
        + "|"
        + r.get("name")
        + "|"
        + r.get("tag")
        + "|"
        + ((OffsetDateTime) r.get("ts")).toInstant();
  }

  private static String key(Row r) {
    return r.get("id")
        + "|"
        + r.get("name")
        + "|"
        + r.get("tag")
        + "|"
        + ((OffsetDateTime) r.get("ts")).toInstant();
  }
}
