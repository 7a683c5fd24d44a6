package io.datashard.internal.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataFile;
import io.datashard.Expressions;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.internal.expr.Binder;
import io.datashard.internal.expr.BoundExpr;
import io.datashard.internal.expr.MetricsEvaluator;
import io.datashard.internal.expr.RowFilter;
import io.datashard.storage.LocalStorage;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Row groups of a Parquet file are skipped by their footer statistics, and the rows that remain
 * after the exact row test are exactly those a full read would give.
 */
class RowGroupSkippingTest {
  @TempDir Path dir;

  private final LocalStorage storage = new LocalStorage(false);
  private final Schema schema =
      Schema.parse(
          "id long not null, n int, score double, f float, name string, "
              + "d date, ts timestamptz, ok boolean");
  private final List<Row> rows = new ArrayList<>();
  private String location;
  private int groups;

  @BeforeEach
  void write() throws Exception {
    OffsetDateTime t0 = OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
    for (int i = 0; i < 2000; i++) {
      rows.add(
          Row.of(
              schema.asStruct(),
              (long) i,
              i % 7 == 0 ? null : i,
              i == 1500 ? Double.NaN : i / 10.0,
              (float) i,
              i % 5 == 0 ? null : String.format("name-%05d-%s", i, "x".repeat(i % 30)),
              LocalDate.of(2026, 1, 1).plusDays(i),
              t0.plusMinutes(i),
              i % 2 == 0));
    }
    location = dir.resolve("g.parquet").toString();
    DataFile f =
        ParquetFiles.write(
            storage, location, schema, rows.iterator(), CompressionCodecName.ZSTD, 1);
    groups = f.splitOffsets().size();
    assertThat(groups).as("several row groups").isGreaterThanOrEqualTo(10);
  }

  private static final class CountingFilter implements RowGroupFilter {
    final BoundExpr bound;
    final Schema schema;
    int read;
    int skipped;

    CountingFilter(BoundExpr bound, Schema schema) {
      this.bound = bound;
      this.schema = schema;
    }

    @Override
    public boolean mightMatch(MessageType fileSchema, BlockMetaData block) {
      boolean m = MetricsEvaluator.mightMatch(bound, new RowGroupStats(fileSchema, block, schema));
      if (m) {
        read++;
      } else {
        skipped++;
      }
      return m;
    }
  }

  private List<Long> ids(String filter, int[] skippedOut) {
    BoundExpr bound = Binder.bind(schema, Expressions.parse(filter));
    CountingFilter groupsFilter = new CountingFilter(bound, schema);
    RowFilter rowFilter = RowFilter.of(bound, schema.asStruct());
    List<Long> out = new ArrayList<>();
    try (var it = ParquetFiles.read(storage, location, schema, groupsFilter)) {
      while (it.hasNext()) {
        Row r = it.next();
        if (rowFilter.matches(r)) {
          out.add((Long) r.get(0));
        }
      }
    }
    assertThat(groupsFilter.read + groupsFilter.skipped).isEqualTo(groups);
    skippedOut[0] = groupsFilter.skipped;
    List<Long> expected =
        rows.stream()
            .filter(rowFilter::matches)
            .map(r -> (Long) r.get(0))
            .collect(Collectors.toList());
    assertThat(out).as(filter).isEqualTo(expected);
    return out;
  }

  @Test
  void selectiveFiltersSkipAllButTheirGroups() {
    int[] skipped = new int[1];
    for (String f :
        List.of(
            "id >= 1000 and id < 1010",
            "n = 1234",
            "d = '2026-03-01'",
            "ts >= '2026-01-01T20:00:00Z' and ts < '2026-01-01T20:05:00Z'",
            "name starts with 'name-0150'",
            "f < 10",
            "score < 5",
            "id in (3, 1999)")) {
      List<Long> ids = ids(f, skipped);
      assertThat(ids).as(f).isNotEmpty();
      assertThat(skipped[0]).as(f).isGreaterThanOrEqualTo(groups - 2);
    }
  }

  @Test
  void filtersThatCannotUseStatisticsReadEveryGroup() {
    int[] skipped = new int[1];
    ids("score > 150", skipped); // the NaN row matches, and footers carry no NaN count
    assertThat(skipped[0]).isLessThan(groups);
    ids("score = 'NaN'", skipped);
    assertThat(skipped[0]).isZero();
    ids("n is null", skipped);
    assertThat(skipped[0]).isZero();
    ids("id != 5", skipped);
    assertThat(skipped[0]).isZero();
    ids("ok = true", skipped);
    assertThat(skipped[0]).isZero();
    ids("id < 0", skipped);
    assertThat(skipped[0]).isEqualTo(groups);
  }
}
