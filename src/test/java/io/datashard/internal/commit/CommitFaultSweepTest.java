package io.datashard.internal.commit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.datashard.DataFile;
import io.datashard.DataShard;
import io.datashard.DataShardException;
import io.datashard.FileFormat;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Table;
import io.datashard.TableOptions;
import io.datashard.TableProperties;
import io.datashard.TestTables;
import io.datashard.Types;
import io.datashard.internal.TableCore;
import io.datashard.storage.FaultyStorage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fault and crash sweep: for every commit kind (appends alone, through group commit, streamed,
 * in Parquet, Avro and ORC tables, of an existing data file, the first one of a table without a
 * schema, one that merges manifests; a serializable read-modify-write transaction; a delete, an
 * overwrite and an upsert; compaction, manifest rewriting and expiry; a rollback, a branch append
 * and a tag; schema, partition and property changes) and every I/O operation k of that commit, in
 * four modes:
 *
 * <ul>
 *   <li>FAIL: operation k throws, the process goes on (and cleans up);
 *   <li>FAIL_AFTER: operation k takes effect but reports an error (a lost acknowledgement);
 *   <li>FAIL_CRASH: operation k throws, then the power fails ({@link FaultyStorage#crash()});
 *   <li>CRASH: operations 1..k run, the process stops dead, then the power fails.
 * </ul>
 *
 * Afterwards the table, reopened with a fresh storage, holds exactly the rows of the old or of the
 * new version (the new one if the commit was acknowledged), a full scan succeeds, its row count
 * agrees with the snapshot summary, and a next commit succeeds. The last k of each sweep is past
 * the commit's final operation: it checks that a crash right after an acknowledged commit keeps it.
 *
 * <p>Crashes are random; the seed is printed and {@code -Ddatashard.crash.seed=S} replays it.
 * {@code -Ddatashard.crash.rounds=N} repeats the crash modes with N seeds (default 1).
 */
class CommitFaultSweepTest {
  private static final Schema SCHEMA = Schema.parse("id long not null");
  private static final long SEED = Long.getLong("datashard.crash.seed", System.nanoTime());
  private static final int ROUNDS = Integer.getInteger("datashard.crash.rounds", 1);
  private static int totalPoints;

  /** Scenarios whose commit changes metadata only (no new data or manifest files). */
  private static final Set<String> METADATA_ONLY =
      Set.of("tag", "schema-change", "partition-change", "properties", "expire");

  enum Mode {
    FAIL,
    FAIL_AFTER,
    FAIL_CRASH,
    CRASH
  }

  /**
   * One kind of commit to sweep: how to build the table before it, the commit, and both outcomes.
   */
  record Scenario(
      String name,
      Consumer<Path> setup,
      Consumer<Table> commit,
      List<Long> before,
      List<Long> after,
      Consumer<Path> checkNewVersion) {
    @Override
    public String toString() {
      return name;
    }
  }

  @TempDir static Path tmp;

  private static Map<String, Object> row(long id) {
    return Map.of("id", id);
  }

  private static List<Map<String, Object>> rows(long... ids) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (long id : ids) {
      out.add(row(id));
    }
    return out;
  }

  /**
   * The commit kinds swept: appends, a transaction, a manifest merge, and the maintenance
   * operations compact and expire (whose rows are the same before and after, so checkNewVersion
   * checks what the new version must show: fewer files, fewer snapshots).
   */
  static List<Scenario> scenarios() {
    List<Scenario> list = new ArrayList<>();
    list.add(
        new Scenario(
            "append",
            dir -> DataShard.create(dir, SCHEMA).append(rows(1)),
            t -> t.append(rows(2, 3)),
            List.of(1L),
            List.of(1L, 2L, 3L),
            dir -> {}));
    for (String format : List.of("avro", "orc")) {
      list.add(
          new Scenario(
              "append-" + format,
              dir ->
                  DataShard.table(dir)
                      .schema(SCHEMA)
                      .property("write.format.default", format)
                      .create()
                      .append(rows(1)),
              t -> t.append(rows(2, 3)),
              List.of(1L, 2L, 3L).subList(0, 1),
              List.of(1L, 2L, 3L),
              dir -> {}));
    }
    list.add(
        new Scenario(
            "register-file",
            dir -> {
              DataShard.create(dir, SCHEMA).append(rows(1));
              Path src = dir.resolveSibling(dir.getFileName() + "-src");
              Table other = DataShard.create(src, SCHEMA);
              other.append(rows(2, 3));
              try {
                Files.createDirectories(dir.resolve("imported"));
                Files.copy(
                    Path.of(other.scan().files().get(0).path()),
                    dir.resolve("imported").resolve("f.parquet"));
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            t -> {
              Path f = Path.of(t.location(), "imported", "f.parquet");
              try {
                t.newAppend()
                    .appendFile(
                        DataFile.builder()
                            .path(f.toString())
                            .format(FileFormat.PARQUET)
                            .recordCount(2)
                            .fileSizeInBytes(Files.size(f))
                            .build())
                    .commit();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            List.of(1L),
            List.of(1L, 2L, 3L),
            dir ->
                assertThat(dir.resolve("imported").resolve("f.parquet"))
                    .as("the registered file is kept")
                    .exists()));
    list.add(
        new Scenario(
            "first-append",
            dir -> DataShard.create(dir),
            t -> t.append(rows(1, 2)),
            List.of(),
            List.of(1L, 2L),
            dir ->
                assertThat(DataShard.open(dir).schema().columns())
                    .as("schema inferred by the first append")
                    .hasSize(1)));
    list.add(
        new Scenario(
            "transaction",
            dir -> DataShard.create(dir, SCHEMA).append(rows(1, 2, 3)),
            t ->
                t.transaction(
                    tx -> {
                      long n = tx.scan().count();
                      tx.deleteAll();
                      tx.appendAll(rows(10 * n, 10 * n + 1));
                      return n;
                    }),
            List.of(1L, 2L, 3L),
            List.of(30L, 31L),
            dir -> {}));
    list.add(
        new Scenario(
            "merge",
            dir -> {
              // four one-file manifests: the fifth commit merges that tier (min count 5, fanout 4)
              Table t =
                  DataShard.table(dir)
                      .schema(SCHEMA)
                      .property("commit.manifest.min-count-to-merge", "5")
                      .create();
              t.append(rows(1));
              t.append(rows(2));
              t.append(rows(3));
              t.append(rows(4));
            },
            t -> t.append(rows(5)),
            List.of(1L, 2L, 3L, 4L),
            List.of(1L, 2L, 3L, 4L, 5L),
            dir ->
                assertThat(list(dir.resolve("metadata")))
                    .as("the commit merged manifests")
                    .anyMatch(n -> n.endsWith("-m2.avro") && !n.startsWith("."))));
    list.add(
        new Scenario(
            "compact",
            dir -> {
              Table t = DataShard.create(dir, SCHEMA);
              t.append(rows(1));
              t.append(rows(2));
              t.append(rows(3));
            },
            t -> t.maintenance().compact().run(),
            List.of(1L, 2L, 3L),
            List.of(1L, 2L, 3L),
            dir -> {
              Table t = DataShard.open(dir);
              assertThat(t.scan().files()).as("data files after compaction").hasSize(1);
              assertThat(t.currentSnapshot().orElseThrow().operation()).isEqualTo("replace");
            }));
    list.add(
        new Scenario(
            "append-alone",
            dir ->
                DataShard.table(dir)
                    .schema(SCHEMA)
                    .property(TableProperties.GROUP_COMMIT_ENABLED, "false")
                    .create()
                    .append(rows(1)),
            t -> t.append(rows(2, 3)),
            List.of(1L),
            List.of(1L, 2L, 3L),
            dir -> {}));
    list.add(
        new Scenario(
            "stream-append",
            dir -> DataShard.create(dir, SCHEMA).append(rows(1)),
            t -> t.newAppend().addAll(rows(2, 3).iterator()).commit(),
            List.of(1L),
            List.of(1L, 2L, 3L),
            dir -> {}));
    list.add(
        new Scenario(
            "delete",
            dir -> DataShard.create(dir, SCHEMA).append(rows(1, 2, 3)),
            t -> t.newDelete().where("id = 2").commit(),
            List.of(1L, 2L, 3L),
            List.of(1L, 3L),
            dir ->
                assertThat(DataShard.open(dir).currentSnapshot().orElseThrow().operation())
                    .isEqualTo("overwrite")));
    list.add(
        new Scenario(
            "overwrite",
            dir -> DataShard.create(dir, SCHEMA).append(rows(1, 2, 3)),
            t -> t.newOverwrite().where("id >= 2").addAll(rows(20)).commit(),
            List.of(1L, 2L, 3L),
            List.of(1L, 20L),
            dir -> {}));
    list.add(
        new Scenario(
            "upsert",
            dir -> DataShard.create(dir, SCHEMA).append(rows(1, 2, 3)),
            t -> t.newUpsert().key("id").addAll(rows(2, 4)).commit(),
            List.of(1L, 2L, 3L),
            List.of(1L, 2L, 3L, 4L),
            dir -> {}));
    list.add(
        new Scenario(
            "rewrite-manifests",
            dir -> {
              Table t = DataShard.create(dir, SCHEMA);
              t.append(rows(1));
              t.append(rows(2));
            },
            t -> t.maintenance().rewriteManifests().run(),
            List.of(1L, 2L),
            List.of(1L, 2L),
            dir ->
                assertThat(DataShard.open(dir).currentSnapshot().orElseThrow().summary())
                    .containsEntry("manifests-created", "1")));
    list.add(
        new Scenario(
            "rollback",
            dir -> {
              Table t = DataShard.create(dir, SCHEMA);
              t.append(rows(1));
              t.append(rows(2));
            },
            t -> t.rollback().toSnapshot(t.snapshots().get(0).snapshotId()).commit(),
            List.of(1L, 2L),
            List.of(1L),
            dir -> {}));
    list.add(
        new Scenario(
            "branch-append",
            dir -> {
              Table t = DataShard.create(dir, SCHEMA);
              t.append(rows(1));
              t.branch("dev").create();
            },
            t -> t.newAppend().toBranch("dev").addAll(rows(5)).commit(),
            List.of(1L),
            List.of(1L),
            dir ->
                assertThat(DataShard.open(dir).scan().useRef("dev").count())
                    .as("rows on the branch")
                    .isEqualTo(2)));
    list.add(
        new Scenario(
            "tag",
            dir -> DataShard.create(dir, SCHEMA).append(rows(1)),
            t -> t.tag("v1").create(),
            List.of(1L),
            List.of(1L),
            dir -> assertThat(DataShard.open(dir).refs()).containsKey("v1")));
    list.add(
        new Scenario(
            "schema-change",
            dir -> DataShard.create(dir, SCHEMA).append(rows(1)),
            t -> t.updateSchema().addColumn("note", Types.STRING).commit(),
            List.of(1L),
            List.of(1L),
            dir -> assertThat(DataShard.open(dir).schema().columnNames()).contains("note")));
    list.add(
        new Scenario(
            "partition-change",
            dir -> DataShard.create(dir, SCHEMA).append(rows(1)),
            t -> t.updatePartitioning().add("bucket(4, id)").commit(),
            List.of(1L),
            List.of(1L),
            dir ->
                assertThat(DataShard.open(dir).partitioning()).containsExactly("bucket(4, id)")));
    list.add(
        new Scenario(
            "properties",
            dir -> DataShard.create(dir, SCHEMA).append(rows(1)),
            t -> t.updateProperties().set("owner", "ml").commit(),
            List.of(1L),
            List.of(1L),
            dir -> assertThat(DataShard.open(dir).properties()).containsEntry("owner", "ml")));
    list.add(
        new Scenario(
            "expire",
            dir -> {
              Table t = DataShard.create(dir, SCHEMA);
              for (long i = 1; i <= 4; i++) {
                t.append(rows(i));
              }
            },
            t ->
                t.maintenance()
                    .expireSnapshots()
                    .olderThan(Instant.now().plusSeconds(3600))
                    .retainLast(1)
                    .run(),
            List.of(1L, 2L, 3L, 4L),
            List.of(1L, 2L, 3L, 4L),
            dir ->
                assertThat(DataShard.open(dir).snapshots())
                    .as("snapshots after expiry")
                    .hasSize(1)));
    return list;
  }

  static Stream<Arguments> sweeps() {
    List<Arguments> out = new ArrayList<>();
    for (Scenario s : scenarios()) {
      for (Mode m : Mode.values()) {
        int rounds = m == Mode.FAIL || m == Mode.FAIL_AFTER ? 1 : ROUNDS;
        for (int r = 0; r < rounds; r++) {
          out.add(Arguments.of(s, m, r));
        }
      }
    }
    return out.stream();
  }

  @BeforeAll
  static void printSeed() {
    System.out.println(
        "CommitFaultSweepTest: seed "
            + SEED
            + " (replay with -Ddatashard.crash.seed="
            + SEED
            + ")");
  }

  @AfterAll
  static void printTotal() {
    System.out.println(
        "CommitFaultSweepTest: swept " + totalPoints + " fault/crash points in total");
  }

  private static List<String> list(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Long> ids(Table t) {
    List<Long> out = new ArrayList<>();
    for (Row r : t.scan().toList()) {
      out.add((Long) r.get("id"));
    }
    out.sort(Long::compare);
    return out;
  }

  @ParameterizedTest(name = "{0} {1} round {2}")
  @MethodSource("sweeps")
  void everyPointLeavesTheOldOrTheNewVersion(Scenario s, Mode mode, int round) throws Exception {
    int points = 0;
    for (int k = 1; ; k++) {
      Path dir = tmp.resolve(s.name() + "-" + mode + "-" + round + "-" + k);
      s.setup().accept(dir);
      long seed =
          SEED
              ^ (k * 0x9E3779B97F4A7C15L)
              ^ ((long) mode.ordinal() << 40)
              ^ ((long) round << 48)
              ^ s.name().hashCode();
      FaultyStorage storage = new FaultyStorage(seed);
      Table table =
          TestTables.wrap(
              TableCore.open(storage, dir, TableOptions.defaults().withCommitRetries(0)));
      if (mode == Mode.CRASH) {
        storage.stopAfter(k);
      } else if (mode == Mode.FAIL_AFTER) {
        storage.failAfter(k);
      } else {
        storage.failAt(k);
      }
      boolean acknowledged;
      RuntimeException error = null;
      try {
        s.commit().accept(table);
        acknowledged = true;
      } catch (RuntimeException e) {
        acknowledged = false;
        error = e;
      }
      boolean hit = mode == Mode.CRASH ? storage.stopped() : storage.failed();
      String where = s.name() + " " + mode + " k=" + k + " seed=" + seed + " ops=" + storage.log();
      if (error != null
          && !(error instanceof DataShardException || error instanceof UncheckedIOException)) {
        fail("unexpected exception type at " + where, error);
      }
      if (!hit) {
        // k is past the last operation of the commit: the whole commit ran and was acknowledged. A
        // power loss now must not lose it (every name it needs was synced).
        assertThat(acknowledged).as("commit without a fault at %s: %s", where, error).isTrue();
        List<String> crashed = storage.crash();
        Table reopened = DataShard.open(dir);
        assertThat(ids(reopened))
            .as("acknowledged commit lost by a crash after it; crash did %s; %s", crashed, where)
            .isEqualTo(s.after());
        s.checkNewVersion().accept(dir);
        // a change of metadata alone writes one file (and the hint): fewer operations to sweep
        int least = METADATA_ONLY.contains(s.name()) ? 6 : 10;
        assertThat(points).as("operations in a %s commit", s.name()).isGreaterThanOrEqualTo(least);
        break;
      }
      points++;
      List<String> crashed = List.of();
      if (mode == Mode.FAIL_CRASH || mode == Mode.CRASH) {
        crashed = storage.crash();
      }
      String context =
          where + " acknowledged=" + acknowledged + " error=" + error + " crash did " + crashed;
      Table reopened;
      List<Long> seen;
      try {
        reopened = DataShard.open(dir);
        seen = ids(reopened);
      } catch (RuntimeException e) {
        throw new AssertionError("table broken after " + context, e);
      }
      assertThat(seen).as("rows after %s", context).isIn(s.before(), s.after());
      if (acknowledged) {
        assertThat(seen).as("acknowledged commit lost: %s", context).isEqualTo(s.after());
      }
      long summaryTotal =
          reopened.currentSnapshot().map(x -> x.summaryLong("total-records", -1)).orElse(0L);
      assertThat(summaryTotal)
          .as("total-records of the current snapshot, %s", context)
          .isEqualTo(seen.size());
      try {
        reopened.append(rows(999));
        List<Long> after = ids(DataShard.open(dir));
        List<Long> expected = new ArrayList<>(seen);
        expected.add(999L);
        expected.sort(Long::compare);
        assertThat(after).as("next commit after %s", context).isEqualTo(expected);
      } catch (RuntimeException e) {
        throw new AssertionError("next commit failed after " + context, e);
      }
    }
    synchronized (CommitFaultSweepTest.class) {
      totalPoints += points;
    }
    System.out.println(
        "CommitFaultSweepTest: "
            + s.name()
            + " "
            + mode
            + " round "
            + round
            + ": swept "
            + points
            + " points");
  }
}
