package io.datashard.internal.commit;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataFile;
import io.datashard.DataShard;
import io.datashard.Expressions;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import io.datashard.TableOptions;
import io.datashard.internal.TableCore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The serializable check of copy-on-write changes, with a commit injected between read and commit.
 */
class RowRewritesTest {
  @TempDir Path dir;

  @Test
  void aMatchingRowCommittedAfterTheReadMakesTheChangeRunAgainAndItIsRemovedToo() {
    Table t = DataShard.create(dir, Schema.parse("id long not null, tag string"));
    t.append(List.of(Map.of("id", 1L, "tag", "x"), Map.of("id", 2L, "tag", "y")));
    Table other = DataShard.open(dir);
    TableCore core = TableCore.open(dir, TableOptions.defaults());
    AtomicInteger plans = new AtomicInteger();
    Snapshot s =
        core.commit(
                new RowRewrites(
                    core.reader(),
                    core.writer(),
                    "delete",
                    schema -> {
                      RowRewrites.Matcher m =
                          RowRewrites.matching(
                              core.reader(), schema, Expressions.parse("tag = 'x'"));
                      boolean first = plans.getAndIncrement() == 0;
                      return new RowRewrites.Change(
                          new RowRewrites.Matcher() {
                            private boolean injected;

                            @Override
                            public boolean mayMatch(DataFile file, Schema sc) {
                              if (first && !injected) {
                                injected = true;
                                // another writer commits a matching row and an unrelated one after
                                // this
                                // change read the table
                                other.append(
                                    List.of(
                                        Map.of("id", 3L, "tag", "x"),
                                        Map.of("id", 4L, "tag", "z")));
                              }
                              return m.mayMatch(file, sc);
                            }

                            @Override
                            public boolean matches(Row row) {
                              return m.matches(row);
                            }
                          },
                          List.of());
                    },
                    Map.of(),
                    10))
            .value();
    assertThat(plans.get()).as("planned twice: the first attempt was refused").isEqualTo(2);
    assertThat(core.conflictRetries()).isEqualTo(1);
    assertThat(s.summary().get("datashard.rows-removed")).isEqualTo("2");
    assertThat(t.refresh().scan().toList())
        .extracting(r -> r.get("id"))
        .containsExactlyInAnyOrder(2L, 4L);
  }

  @Test
  void anUnrelatedConcurrentAppendIsKeptWithoutARerun() {
    Table t = DataShard.create(dir, Schema.parse("id long not null, tag string"));
    t.append(List.of(Map.of("id", 1L, "tag", "x"), Map.of("id", 2L, "tag", "y")));
    Table other = DataShard.open(dir);
    TableCore core = TableCore.open(dir, TableOptions.defaults());
    AtomicInteger plans = new AtomicInteger();
    core.commit(
            new RowRewrites(
                core.reader(),
                core.writer(),
                "delete",
                schema -> {
                  RowRewrites.Matcher m =
                      RowRewrites.matching(core.reader(), schema, Expressions.parse("tag = 'x'"));
                  boolean first = plans.getAndIncrement() == 0;
                  return new RowRewrites.Change(
                      new RowRewrites.Matcher() {
                        private boolean injected;

                        @Override
                        public boolean mayMatch(DataFile file, Schema sc) {
                          if (first && !injected) {
                            injected = true;
                            other.append(List.of(Map.of("id", 5L, "tag", "z")));
                          }
                          return m.mayMatch(file, sc);
                        }

                        @Override
                        public boolean matches(Row row) {
                          return m.matches(row);
                        }
                      },
                      List.of());
                },
                Map.of(),
                10))
        .value();
    assertThat(plans.get()).isEqualTo(1);
    assertThat(t.refresh().scan().toList())
        .extracting(r -> r.get("id"))
        .containsExactlyInAnyOrder(2L, 5L);
  }
}
