package io.datashard.internal.commit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.CommitConflictException;
import io.datashard.DataShard;
import io.datashard.Schema;
import io.datashard.Table;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.internal.meta.TableMetadataParser;
import io.datashard.storage.ForwardingStorage;
import io.datashard.storage.LocalStorage;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Old version files are removed after commits; a removed version's slot must never take a new
 * version. Without care it could: a writer on version N, whose successor N+1 was published and then
 * removed again (after more than {@code write.metadata.previous-versions-max} further commits),
 * would publish "N+1" successfully into the freed slot, off the table's line of versions, and its
 * change would be lost.
 */
class RemovedVersionsTest {
  @TempDir Path dir;

  private TableMetadata created(TableOperations ops) {
    return ops.commit(
        null, NewTable.metadata(dir.toString(), Schema.parse("id long"), Map.of(), List.of()));
  }

  private static TableMetadata withProperty(TableMetadata base, String k, String v) {
    return TableMetadata.buildFrom(base).property(k, v).build();
  }

  /**
   * Commits versions 1..n through {@code ops}, each setting property "v" to its number, logging the
   * previous version and updated at second v.
   */
  private List<TableMetadata> versions(TableOperations ops, int n) {
    List<TableMetadata> out = new ArrayList<>();
    TableMetadata m = created(ops);
    out.add(m);
    for (int v = 2; v <= n; v++) {
      TableMetadata next =
          TableMetadata.buildFrom(m)
              .property("v", Integer.toString(v))
              .lastUpdatedMillis(v * 1000L)
              .addPreviousMetadata(
                  new TableMetadata.MetadataLogEntry(
                      m.lastUpdatedMillis(), m.metadataFileLocation()),
                  100)
              .build();
      m = ops.commit(m, next);
      out.add(m);
    }
    return out;
  }

  /** A storage that runs {@code action} right before publishing {@code name}, or right after. */
  private static Storage around(String name, boolean before, IoAction action) {
    return new ForwardingStorage(new LocalStorage(true)) {
      @Override
      protected long publish(String location, PendingFile file) throws IOException {
        boolean match = location.endsWith("/" + name);
        if (match && before) {
          action.run(location);
        }
        long n = file.publish();
        if (match && !before) {
          action.run(location);
        }
        return n;
      }
    };
  }

  private interface IoAction {
    void run(String location) throws IOException;
  }

  private Path version(int v) {
    return dir.resolve("metadata/v" + v + ".metadata.json");
  }

  private List<Integer> presentVersions() throws IOException {
    try (var files = Files.list(dir.resolve("metadata"))) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.matches("v\\d+\\.metadata\\.json"))
          .map(n -> Integer.parseInt(n.substring(1, n.indexOf('.'))))
          .sorted()
          .collect(Collectors.toList());
    }
  }

  @Test
  void aCommitWhoseBaseWasRemovedConflictsAndPublishesNothing() throws Exception {
    TableOperations ops = new TableOperations(new LocalStorage(true), dir.toString());
    List<TableMetadata> v = versions(ops, 5);
    // cleanup after later commits removed 1, 2 and 3: slot 3 is free again
    for (int i = 1; i <= 3; i++) {
      Files.delete(version(i));
    }
    TableMetadata stale = v.get(1); // version 2
    assertThatThrownBy(() -> ops.commit(stale, withProperty(stale, "v", "stale")))
        .isInstanceOf(CommitConflictException.class)
        .hasMessageContaining("Version 2")
        .hasMessageContaining("removed meanwhile");
    assertThat(presentVersions()).containsExactly(4, 5);
    assertNewest(5);
  }

  /** 5, built on the removed 4, names that one in its log. */
  @Test
  void aPublishIntoASlotFreedAfterTheCheckIsWithdrawn() throws Exception {
    assertStalePublishWithdrawn(5, 4);
  }

  /** 5 is gone too: a gap between the stale 4 and 6. */
  @Test
  void aPublishBelowAGapIsWithdrawn() throws Exception {
    assertStalePublishWithdrawn(6, 5);
  }

  /**
   * Versions 1..n, of which 1 and 2 are removed; a writer on 3 checks its base, and before its
   * publish of 4, cleanup removes 3 up to {@code removedUpTo}: its publish lands in a freed slot
   * and must be withdrawn.
   */
  private void assertStalePublishWithdrawn(int n, int removedUpTo) throws Exception {
    List<TableMetadata> v =
        versions(new TableOperations(new LocalStorage(true), dir.toString()), n);
    Files.delete(version(1));
    Files.delete(version(2));
    Storage racing =
        around(
            "v4.metadata.json",
            true,
            l -> {
              for (int i = 3; i <= removedUpTo; i++) {
                Files.delete(version(i));
              }
            });
    TableMetadata stale = v.get(2); // version 3
    assertThatThrownBy(
            () ->
                new TableOperations(racing, dir.toString())
                    .commit(stale, withProperty(stale, "v", "stale")))
        .isInstanceOf(CommitConflictException.class)
        .hasMessageContaining("withdrawn");
    assertThat(presentVersions())
        .isEqualTo(IntStream.rangeClosed(removedUpTo + 1, n).boxed().collect(Collectors.toList()));
    assertNewest(n);
  }

  private void assertNewest(int n) {
    TableMetadata newest = new TableOperations(new LocalStorage(true), dir.toString()).refresh();
    assertThat(newest.version()).isEqualTo(n);
    assertThat(newest.properties()).containsEntry("v", Integer.toString(n));
  }

  @Test
  void theNewestVersionStandsWhenGcRemovedItsBaseMeanwhile() throws Exception {
    TableOperations setup = new TableOperations(new LocalStorage(true), dir.toString());
    List<TableMetadata> v = versions(setup, 2);
    Storage racing =
        around(
            "v3.metadata.json",
            false,
            l -> {
              Files.delete(version(1));
              Files.delete(version(2));
            });
    TableMetadata base = v.get(1);
    TableMetadata committed =
        new TableOperations(racing, dir.toString()).commit(base, withProperty(base, "v", "3"));
    assertThat(committed.version()).isEqualTo(3);
    assertThat(presentVersions()).containsExactly(3);
    assertNewest(3);
  }

  @Test
  void aCommitThatOthersBuiltOnBeforeItsCheckStands() throws Exception {
    TableOperations setup = new TableOperations(new LocalStorage(true), dir.toString());
    List<TableMetadata> v = versions(setup, 2);
    TableOperations other = new TableOperations(new LocalStorage(true), dir.toString());
    // right after this writer publishes 3, another builds 4 on it and cleanup removes 1 and 2
    Storage slowAfterPublish =
        around(
            "v3.metadata.json",
            false,
            location -> {
              TableMetadata three =
                  TableMetadata.buildFrom(
                          TableMetadataParser.fromJson(location, Files.readAllBytes(version(3))))
                      .version(3)
                      .metadataFileLocation(location)
                      .build();
              TableMetadata four =
                  TableMetadata.buildFrom(three)
                      .property("v", "4")
                      .addPreviousMetadata(
                          new TableMetadata.MetadataLogEntry(three.lastUpdatedMillis(), location),
                          100)
                      .build();
              other.commit(three, four);
              Files.delete(version(1));
              Files.delete(version(2));
            });
    TableOperations ops = new TableOperations(slowAfterPublish, dir.toString());
    TableMetadata base = v.get(1);
    TableMetadata committed = ops.commit(base, withProperty(base, "v", "3"));
    assertThat(committed.version()).isEqualTo(3);
    assertThat(presentVersions()).containsExactly(3, 4);
    assertThat(new TableOperations(new LocalStorage(true), dir.toString()).refresh().version())
        .isEqualTo(4);
  }

  @Test
  void removalGoesLowestFirstAndKeepsTheVersionsOneRun() throws Exception {
    TableOperations ops = new TableOperations(new LocalStorage(true), dir.toString());
    versions(ops, 6);
    // 3 is not to be removed while 2 is present
    assertThat(ops.removeVersions(new TreeSet<>(List.of(3, 4)))).isEmpty();
    assertThat(presentVersions()).containsExactly(1, 2, 3, 4, 5, 6);
    // 1 and 2 go; 4 waits for 3
    assertThat(ops.removeVersions(new TreeSet<>(List.of(1, 2, 4)))).containsExactly(1, 2);
    assertThat(presentVersions()).containsExactly(3, 4, 5, 6);
    // a hole left by an older release: the version below each is absent, so both go
    Files.delete(version(4));
    assertThat(ops.removeVersions(new TreeSet<>(List.of(3, 5)))).containsExactly(3, 5);
    assertThat(presentVersions()).containsExactly(6);
  }

  /**
   * The reproduction at the level of the API: a table handle that looked a moment ago, while
   * another handle commits more than previous-versions-max times, must append on the newest
   * version, not into the freed slot after its own.
   */
  @Test
  void anAppendAfterManyCommitsByAnotherHandleLosesNothing() {
    Table a =
        DataShard.table(dir)
            .schema(Schema.parse("id long not null"))
            .durable(false)
            .property("write.metadata.previous-versions-max", "2")
            .create();
    Table b = DataShard.open(dir);
    a.append(List.of(Map.of("id", 0L)));
    for (long i = 1; i <= 6; i++) {
      b.append(List.of(Map.of("id", i)));
    }
    a.append(List.of(Map.of("id", 7L)));
    List<Long> expected = LongStream.rangeClosed(0, 7).boxed().collect(Collectors.toList());
    for (Table t : List.of(a, b, DataShard.open(dir))) {
      List<Long> ids = new ArrayList<>();
      t.scan().toList().forEach(r -> ids.add((Long) r.get("id")));
      ids.sort(null);
      assertThat(ids).isEqualTo(expected);
    }
  }
}
