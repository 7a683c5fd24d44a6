package io.datashard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.interop.IcebergJava;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partitioned tables: one data file per partition, partition values that are exactly Iceberg's
 * (proved by Apache Iceberg Java pruning files by them and still finding every row), and partition
 * spec evolution.
 */
class PartitioningTest {
  @TempDir Path dir;

  private static final Schema SCHEMA =
      Schema.parse(
          "id long not null, tag string, name string, n int, ts timestamptz, d date, score double");

  private static List<Map<String, Object>> rows(long seed, int count) {
    Random rnd = new Random(seed);
    List<Map<String, Object>> out = new ArrayList<>();
    String[] tags = {"a", "b", "c", "ünï", "a b/c"};
    for (int i = 0; i < count; i++) {
      Map<String, Object> r = new HashMap<>();
      r.put("id", (long) (rnd.nextInt(2000) - 1000));
      r.put("tag", i % 7 == 0 ? null : tags[rnd.nextInt(tags.length)]);
      r.put("name", "name-" + rnd.nextInt(50));
      r.put("n", rnd.nextInt(200) - 100);
      r.put(
          "ts",
          OffsetDateTime.of(
              1969 + rnd.nextInt(3),
              1 + rnd.nextInt(12),
              1 + rnd.nextInt(28),
              rnd.nextInt(24),
              rnd.nextInt(60),
              0,
              0,
              ZoneOffset.ofHours(rnd.nextInt(5) - 2)));
      r.put("d", LocalDate.of(1969 + rnd.nextInt(3), 1 + rnd.nextInt(12), 1 + rnd.nextInt(28)));
      r.put("score", rnd.nextDouble());
      out.add(r);
    }
    return out;
  }

  private long dataFilesOnDisk() {
    try (Stream<Path> s = Files.walk(dir.resolve("data"))) {
      return s.filter(p -> p.toString().endsWith(".parquet")).count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Rows Iceberg returns for a filter, and the number of files it planned for it. */
  private static long icebergCount(org.apache.iceberg.Table ice, Expression filter) {
    long n = 0;
    try (CloseableIterable<Record> it = IcebergGenerics.read(ice).where(filter).build()) {
      for (Record r : it) {
        n++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return n;
  }

  private static int icebergPlannedFiles(org.apache.iceberg.Table ice, Expression filter) {
    int n = 0;
    try (CloseableIterable<FileScanTask> tasks = ice.newScan().filter(filter).planFiles()) {
      for (FileScanTask t : tasks) {
        n++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return n;
  }

  @Test
  void everyTransformGivesIcebergsPartitionValues() {
    long seed = System.nanoTime();
    System.out.println("PartitioningTest seed " + seed);
    Table t =
        DataShard.table(dir)
            .schema(SCHEMA)
            .partitionBy("bucket(8, id)", "tag", "truncate(10, n)", "day(ts)")
            .create();
    assertThat(t.partitioning())
        .containsExactly("bucket(8, id)", "tag", "truncate(10, n)", "day(ts)");
    List<Map<String, Object>> input = rows(seed, 300);
    t.append(input);
    Set<List<Object>> partitions = new HashSet<>();
    for (DataFile f : t.scan().files()) {
      assertThat(f.specId()).isEqualTo(0);
      assertThat(f.partition().size()).isEqualTo(4);
      assertThat(partitions.add(new ArrayList<>(f.partitionValues().values())))
          .as("one file per partition")
          .isTrue();
    }
    assertThat(partitions.size()).isGreaterThan(10);
    assertThat(t.scan().count()).isEqualTo(300);
    IcebergJava.assertSameAsDataShard(dir, false);

    // Iceberg prunes files by the partition values we wrote; had one been computed differently
    // from Iceberg's transform, the rows in that file would be missing here.
    org.apache.iceberg.Table ice = IcebergJava.load(dir);
    int totalFiles = icebergPlannedFiles(ice, Expressions.alwaysTrue());
    for (Map<String, Object> r : input.subList(0, 40)) {
      long id = (Long) r.get("id");
      long expected = input.stream().filter(x -> x.get("id").equals(id)).count();
      assertThat(icebergCount(ice, Expressions.equal("id", id)))
          .as("rows with id " + id)
          .isEqualTo(expected);
      assertThat(icebergPlannedFiles(ice, Expressions.equal("id", id))).isLessThan(totalFiles);
      int n = (Integer) r.get("n");
      expected = input.stream().filter(x -> x.get("n").equals(n)).count();
      assertThat(icebergCount(ice, Expressions.equal("n", n)))
          .as("rows with n " + n)
          .isEqualTo(expected);
      OffsetDateTime ts = (OffsetDateTime) r.get("ts");
      long micros = ts.toInstant().getEpochSecond() * 1_000_000L;
      expected =
          input.stream()
              .filter(
                  x ->
                      x.get("ts").equals(ts)
                          || ((OffsetDateTime) x.get("ts")).toInstant().equals(ts.toInstant()))
              .count();
      assertThat(icebergCount(ice, Expressions.equal("ts", micros)))
          .as("rows at " + ts)
          .isEqualTo(expected);
    }
    for (String tag : new String[] {"a", "ünï", "a b/c"}) {
      long expected = input.stream().filter(x -> tag.equals(x.get("tag"))).count();
      assertThat(icebergCount(ice, Expressions.equal("tag", tag))).isEqualTo(expected);
    }
    long nulls = input.stream().filter(x -> x.get("tag") == null).count();
    assertThat(icebergCount(ice, Expressions.isNull("tag"))).isEqualTo(nulls);
  }

  @Test
  void timeTransformsOfDatesAndTimestampsBeforeAndAfter1970() {
    Table t =
        DataShard.table(dir)
            .schema(SCHEMA)
            .partitionBy("year(d)", "month(ts)", "hour(ts)")
            .create();
    List<Map<String, Object>> input = rows(7, 200);
    t.append(input);
    IcebergJava.assertSameAsDataShard(dir, false);
    org.apache.iceberg.Table ice = IcebergJava.load(dir);
    for (Map<String, Object> r : input.subList(0, 30)) {
      LocalDate d = (LocalDate) r.get("d");
      long expected = input.stream().filter(x -> x.get("d").equals(d)).count();
      assertThat(icebergCount(ice, Expressions.equal("d", (int) d.toEpochDay())))
          .isEqualTo(expected);
      OffsetDateTime ts = (OffsetDateTime) r.get("ts");
      long micros = ts.toInstant().getEpochSecond() * 1_000_000L;
      expected =
          input.stream()
              .filter(x -> ((OffsetDateTime) x.get("ts")).toInstant().equals(ts.toInstant()))
              .count();
      assertThat(icebergCount(ice, Expressions.equal("ts", micros))).isEqualTo(expected);
    }
  }

  @Test
  void partitioningEvolvesAndOldFilesKeepTheirSpec() {
    Table t = DataShard.table(dir).schema(SCHEMA).partitionBy("tag").create();
    t.append(rows(1, 50));
    long before = dataFilesOnDisk();
    assertThat(t.updatePartitioning().add("bucket(4, id)").remove("tag").commit())
        .containsExactly("bucket(4, id)");
    assertThat(t.refresh().partitioning()).containsExactly("bucket(4, id)");
    t.append(rows(2, 50));
    Set<Integer> specs = new HashSet<>();
    for (DataFile f : t.scan().files()) {
      specs.add(f.specId());
      assertThat(f.partitionValues().keySet())
          .containsExactly(f.specId() == 0 ? "tag" : "id_bucket");
    }
    assertThat(specs).containsExactlyInAnyOrder(0, 1);
    assertThat(dataFilesOnDisk()).isGreaterThan(before);
    assertThat(t.scan().count()).isEqualTo(100);
    // back to the first spec: its id is reused
    assertThat(t.updatePartitioning().remove("id_bucket").add("tag").commit())
        .containsExactly("tag");
    t.append(rows(3, 10));
    assertThat(t.scan().files().stream().mapToInt(DataFile::specId).max().orElse(-1))
        .as("the first spec is default again under its id 0; no third spec")
        .isEqualTo(1);
    // a transaction replacing all rows deletes files of every spec
    t.transaction(tx -> tx.deleteAll().append(Map.of("id", 1L, "tag", "x")));
    assertThat(t.scan().count()).isEqualTo(1);
    IcebergJava.assertSameAsDataShard(dir, true);
    // compaction keeps partitions apart
    t.append(rows(4, 40));
    t.append(rows(5, 40));
    t.maintenance().compact().run();
    for (DataFile f : t.scan().files()) {
      assertThat(f.partitionValues()).containsKey("tag");
    }
    assertThat(t.scan().count()).isEqualTo(81);
    IcebergJava.assertSameAsDataShard(dir, false);
  }

  @Test
  void severalPartitionFieldsOfOneNamedAvroTypeDoNotClash() {
    // uuid, fixed and decimal partition values are named Avro types in the manifest: one name per
    // field
    Table t =
        DataShard.table(dir)
            .schema(Schema.parse("a uuid, b uuid, c decimal(9,2), d decimal(9,2)"))
            .partitionBy("a", "b", "c", "d")
            .create();
    UUID u = UUID.randomUUID();
    t.append(
        List.of(Map.of("a", u, "b", u, "c", new BigDecimal("1.50"), "d", new BigDecimal("2.25"))));
    assertThat(t.scan().count()).isEqualTo(1);
    assertThat(t.scan().files().get(0).partitionValues())
        .containsEntry("a", u)
        .containsEntry("b", u);
    IcebergJava.assertSameAsDataShard(dir, false);
  }

  @Test
  void badPartitionTermsAreRefusedClearly() {
    assertThatThrownBy(() -> DataShard.table(dir).schema(SCHEMA).partitionBy("day(nope)").create())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("no column 'nope'");
    assertThatThrownBy(() -> DataShard.table(dir).schema(SCHEMA).partitionBy("hour(d)").create())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("timestamp");
    assertThatThrownBy(
            () -> DataShard.table(dir).schema(SCHEMA).partitionBy("bucket(score)").create())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("needs a number");
    assertThatThrownBy(
            () -> DataShard.table(dir).schema(SCHEMA).partitionBy("bucket(4, score)").create())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("float and double");
    assertThatThrownBy(() -> DataShard.table(dir).schema(SCHEMA).partitionBy("frob(id)").create())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("Unknown partition transform");
    assertThatThrownBy(() -> DataShard.table(dir).schema(SCHEMA).partitionBy("tag", "tag").create())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("repeats");
    assertThatThrownBy(() -> DataShard.table(dir).partitionBy("tag").create())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("no schema");
    assertThat(Files.exists(dir.resolve("metadata"))).isFalse();
    Table t = DataShard.table(dir).schema(SCHEMA).partitionBy("tag").create();
    assertThatThrownBy(() -> t.updatePartitioning().add("tag").commit())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("already");
    assertThatThrownBy(() -> t.updatePartitioning().remove("day(ts)").commit())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("[tag]");
    assertThatThrownBy(() -> t.updateSchema().dropColumn("tag").commit())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("partition");
    assertThat(t.refresh().partitioning()).containsExactly("tag");
  }
}
