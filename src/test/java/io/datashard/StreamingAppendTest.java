package io.datashard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.interop.IcebergJava;
import io.datashard.testkit.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Append#addAll(Iterator)}: records read at commit, streamed into data files, one snapshot.
 */
class StreamingAppendTest {
  @TempDir Path dir;

  private static Iterator<Map<String, Object>> records(long from, long n) {
    return LongStream.range(from, from + n)
        .mapToObj(i -> Map.<String, Object>of("id", i, "tag", "t" + (i % 3)))
        .iterator();
  }

  private static List<Path> dataFiles(Path table) throws Exception {
    Path data = table.resolve("data");
    if (!Files.isDirectory(data)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(data)) {
      return s.filter(Files::isRegularFile).toList();
    }
  }

  private static long idSum(Table t) {
    long sum = 0;
    try (CloseableIterator<Row> rows = t.scan().select("id").iterator()) {
      while (rows.hasNext()) {
        sum += rows.next().get("id", Long.class);
      }
    }
    return sum;
  }

  @Test
  void recordsOfAnIteratorAreWrittenIntoSeveralFilesAndCommittedInOneSnapshot() throws Exception {
    Table t =
        DataShard.table(dir)
            .schema(Schema.parse("id long not null, tag string"))
            .property("datashard.append.stream.rows-per-file", "1000")
            .create();
    Snapshot s =
        t.newAppend().add(Map.of("id", -1L, "tag", "first")).addAll(records(0, 3_500)).commit();
    assertThat(t.snapshots()).hasSize(1);
    assertThat(s.summaryLong("added-records", 0)).isEqualTo(3_501);
    assertThat(s.summaryLong("added-data-files", 0)).isEqualTo(4);
    assertThat(dataFiles(dir)).hasSize(4);
    assertThat(t.scan().count()).isEqualTo(3_501);
    assertThat(idSum(t)).isEqualTo(3_500L * 3_499 / 2 - 1);
    IcebergJava.assertSameAsDataShard(dir, true);
  }

  @Test
  void theIteratorIsReadAtCommitNotWhenAdded() {
    Table t = DataShard.create(dir, Schema.parse("id long not null, tag string"));
    List<Map<String, Object>> source = new ArrayList<>(List.of(Map.of("id", 1L, "tag", "a")));
    Append append =
        t.newAppend()
            .addAll(
                new Iterator<Map<String, Object>>() {
                  int at;

                  @Override
                  public boolean hasNext() {
                    return at < source.size();
                  }

                  @Override
                  public Map<String, Object> next() {
                    if (!hasNext()) {
                      throw new NoSuchElementException();
                    }
                    return source.get(at++);
                  }
                });
    source.add(Map.of("id", 2L, "tag", "b")); // after addAll, before commit
    append.commit();
    assertThat(t.scan().count()).isEqualTo(2);
  }

  @Test
  void aRecordThatDoesNotFitCommitsNothingAndLeavesNoFiles() throws Exception {
    Table t =
        DataShard.table(dir)
            .schema(Schema.parse("id long not null, tag string"))
            .property("datashard.append.stream.rows-per-file", "100")
            .create();
    Iterator<Map<String, Object>> good = records(0, 250);
    Iterator<Object> withBad =
        new Iterator<>() {
          int n;

          @Override
          public boolean hasNext() {
            return n < 251;
          }

          @Override
          public Object next() {
            n++;
            return n == 251 ? Map.of("id", "not a number", "tag", "x") : good.next();
          }
        };
    assertThatThrownBy(() -> t.newAppend().addAll(withBad).commit())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("id");
    assertThat(t.refresh().snapshots()).isEmpty();
    assertThat(dataFiles(dir)).as("the files written before the bad record are removed").isEmpty();
  }

  @Test
  void anEmptyIteratorIsRefused() {
    Table t = DataShard.create(dir, Schema.parse("id long not null"));
    assertThatThrownBy(() -> t.newAppend().addAll(List.of().iterator()).commit())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("Nothing to append");
  }

  @Test
  void aPartitionedTableGetsOneFilePerPartitionPerChunk() throws Exception {
    Table t =
        DataShard.table(dir)
            .schema(Schema.parse("id long not null, tag string"))
            .partitionBy("tag")
            .create();
    t.newAppend().addAll(records(0, 3_000)).commit();
    assertThat(t.snapshots()).hasSize(1);
    assertThat(dataFiles(dir)).hasSize(3);
    assertThat(t.scan().filter("tag = 't1'").count()).isEqualTo(1_000);
    assertThat(idSum(t)).isEqualTo(3_000L * 2_999 / 2);
    IcebergJava.assertSameAsDataShard(dir, true);
  }

  @Test
  void appendsThatCannotStreamReadTheRecordsIntoMemoryAndStillCommitThem() {
    Table t = DataShard.create(dir, Schema.parse("id long not null, tag string"));
    t.newAppend().format(FileFormat.AVRO).addAll(records(0, 10)).commit();
    Table schemaless = DataShard.create(dir.resolve("inferred"));
    schemaless.newAppend().addAll(records(0, 5)).commit();
    assertThat(t.scan().count()).isEqualTo(10);
    assertThat(schemaless.scan().count()).isEqualTo(5);
    assertThat(schemaless.schema().columns()).hasSize(2);
  }

  /** Child JVM: streams {@code args[1]} generated records into the table at {@code args[0]}. */
  public static final class StreamMain {
    private StreamMain() {}

    public static void main(String[] args) {
      long n = Long.parseLong(args[1]);
      Iterator<Map<String, Object>> it =
          LongStream.range(0, n)
              .mapToObj(
                  i -> Map.<String, Object>of("id", i, "tag", "some text that takes room " + i))
              .iterator();
      Snapshot s = DataShard.open(Path.of(args[0])).newAppend().addAll(it).commit();
      System.out.println("appended " + s.summaryLong("added-records", 0));
    }
  }

  @Test
  void aChildJvmWithASmallHeapAppendsMoreRecordsThanItCouldHold() throws Exception {
    // 600,000 records as maps would take well over 100 MB; the child has 32 MB
    DataShard.create(dir, Schema.parse("id long not null, tag string"));
    Path log = dir.resolveSibling("stream-child.log");
    List<String> cmd =
        List.of(
            ChildJvm.javaBinary(),
            "-Xmx32m",
            "-XX:+UseSerialGC",
            "-cp",
            System.getProperty("java.class.path"),
            StreamMain.class.getName(),
            dir.toString(),
            "600000");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
    String out = Files.readString(log);
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("appended 600000");
    Table t = DataShard.open(dir);
    assertThat(t.scan().count()).isEqualTo(600_000);
    assertThat(idSum(t)).isEqualTo(600_000L * 599_999 / 2);
  }
}
