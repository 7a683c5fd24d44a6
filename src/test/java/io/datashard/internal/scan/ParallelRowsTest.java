package io.datashard.internal.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.CloseableIterator;
import io.datashard.DataFile;
import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Table;
import io.datashard.TableProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parallel file reading: same rows in the same order, errors passed on, threads gone after close.
 */
class ParallelRowsTest {
  @TempDir Path dir;

  private Table table(int files, int rowsPerFile) {
    Table t =
        DataShard.table(dir)
            .schema(Schema.parse("id long not null, s string"))
            .property(TableProperties.COMPACTION_AUTO_ENABLED, "false") // counts its appends' files
            .create();
    long id = 0;
    for (int f = 0; f < files; f++) {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (int i = 0; i < rowsPerFile; i++, id++) {
        rows.add(Map.of("id", id, "s", "v" + id));
      }
      t.append(rows);
    }
    return t;
  }

  private static long readerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("datashard-read") && t.isAlive())
        .count();
  }

  @Test
  void parallelScansReturnTheSameRowsInTheSameOrder() {
    Table t = table(20, 700); // several batches per file, uneven last batch
    List<Row> sequential = t.scan().toList();
    for (int threads : new int[] {2, 3, 8, 64}) {
      assertThat(t.scan().parallelism(threads).toList())
          .as("threads %d", threads)
          .isEqualTo(sequential);
    }
    assertThat(t.scan().parallelism(4).select("s").toList())
        .isEqualTo(t.scan().select("s").toList());
    assertThat(readerThreads()).isZero();
  }

  @Test
  void closingEarlyStopsTheReadersAndAnErrorReachesTheCaller() throws Exception {
    Table t = table(10, 5000);
    try (CloseableIterator<Row> it = t.scan().parallelism(4).iterator()) {
      for (int i = 0; i < 10; i++) {
        it.next();
      }
    }
    assertThat(readerThreads()).as("reader threads after close").isZero();
    // damage the fourth file: reading it fails, and the failure is the caller's
    DataFile fourth = t.scan().files().get(3);
    Files.write(Path.of(fourth.path()), new byte[] {1, 2, 3});
    assertThatThrownBy(() -> t.scan().parallelism(3).toList())
        .isInstanceOf(RuntimeException.class)
        .hasMessageContaining(Path.of(fourth.path()).getFileName().toString());
    assertThat(readerThreads()).isZero();
  }

  @Test
  void sourcesAreOpenedAtMostThreadsAtATime() {
    int[] open = {0};
    int[] maxOpen = {0};
    List<Supplier<CloseableIterator<Integer>>> sources = new ArrayList<>();
    for (int s = 0; s < 12; s++) {
      int base = s * 1000;
      sources.add(
          () -> {
            synchronized (open) {
              open[0]++;
              maxOpen[0] = Math.max(maxOpen[0], open[0]);
            }
            Iterator<Integer> it = IntStream.range(base, base + 1000).iterator();
            return new CloseableIterator<>() {
              @Override
              public boolean hasNext() {
                return it.hasNext();
              }

              @Override
              public Integer next() {
                return it.next();
              }

              @Override
              public void close() {
                synchronized (open) {
                  open[0]--;
                }
              }
            };
          });
    }
    List<Integer> out = new ArrayList<>();
    try (ParallelRows<Integer> rows = new ParallelRows<>(sources, 3)) {
      rows.forEachRemaining(out::add);
    }
    assertThat(out).hasSize(12_000);
    for (int i = 0; i < out.size(); i++) {
      assertThat(out.get(i)).isEqualTo(i);
    }
    assertThat(maxOpen[0]).isBetween(1, 3);
    assertThat(open[0]).isZero();
  }
}
