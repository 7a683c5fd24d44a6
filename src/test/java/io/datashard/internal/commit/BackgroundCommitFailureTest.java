package io.datashard.internal.commit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.DataShard;
import io.datashard.Schema;
import io.datashard.Table;
import io.datashard.TableOptions;
import io.datashard.TestTables;
import io.datashard.internal.TableCore;
import io.datashard.storage.ForwardingStorage;
import io.datashard.storage.LocalStorage;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A commit whose files fail while being finished in the background commits nothing and leaves
 * nothing.
 */
class BackgroundCommitFailureTest {
  @TempDir Path dir;

  @BeforeEach
  void background() {
    // a forwarding storage over a durable local one has its files finished in the background
    assertThat(new Failing().supports(Storage.Capability.BACKGROUND_PUBLISH)).isTrue();
  }

  /** A durable local storage whose publish (or directory sync) of matching locations fails. */
  private static final class Failing extends ForwardingStorage {
    volatile Predicate<String> fail = l -> false;

    Failing() {
      super(new LocalStorage(true));
    }

    @Override
    public boolean supports(Capability capability) {
      return inner.supports(capability); // thread-safe: finished in the background
    }

    @Override
    protected long publish(String location, PendingFile file) throws IOException {
      if (fail.test(location)) {
        file.abort();
        throw new IOException("No space left on device (injected) writing " + location);
      }
      return file.publish();
    }

    @Override
    public void syncDirectory(String directory) throws IOException {
      if (fail.test(directory + "/")) {
        throw new IOException("I/O error (injected) syncing " + directory);
      }
      inner.syncDirectory(directory);
    }
  }

  private Set<String> files() throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .map(p -> dir.relativize(p).toString())
          .filter(n -> !n.contains("/.")) // the lock file, the append queue
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {".parquet", "-m0.avro", "/snap-", "/data/"})
  void aFailureCommitsNothingAndLeavesNoFileBehind(String failing) throws Exception {
    DataShard.table(dir)
        .schema(Schema.parse("id long not null, name string"))
        .create()
        .append(List.of(Map.of("id", 1L, "name", "first")));
    Failing storage = new Failing();
    Table table =
        TestTables.wrap(TableCore.open(storage, dir, TableOptions.defaults().withCommitRetries(0)));
    Set<String> before = files();
    long snapshot = table.currentSnapshot().orElseThrow().snapshotId();

    storage.fail = l -> l.contains(failing);
    assertThatThrownBy(() -> table.newAppend().add(Map.of("id", 2L, "name", "second")).commit())
        .hasMessageContaining("injected")
        .hasMessageContaining("Nothing was committed");
    storage.fail = l -> false;

    Table reopened = DataShard.open(dir);
    assertThat(reopened.currentSnapshot().orElseThrow().snapshotId()).isEqualTo(snapshot);
    assertThat(reopened.scan().toList())
        .extracting(r -> r.get("id", Long.class))
        .containsExactly(1L);
    assertThat(files()).as("files after the failed commit").isEqualTo(before);

    // and the table takes the next commit as usual
    table.newAppend().add(Map.of("id", 3L, "name", "third")).commit();
    assertThat(DataShard.open(dir).scan().toList())
        .extracting(r -> r.get("id", Long.class))
        .containsExactlyInAnyOrder(1L, 3L);
  }

  @ParameterizedTest
  @ValueSource(strings = {".parquet", "/snap-"})
  void aFailedReadModifyWriteTransactionCommitsNothing(String failing) throws Exception {
    DataShard.table(dir)
        .schema(Schema.parse("value long not null"))
        .create()
        .append(List.of(Map.of("value", 7L)));
    Failing storage = new Failing();
    Table table = TestTables.wrap(TableCore.open(storage, dir, TableOptions.defaults()));
    Set<String> before = files();
    storage.fail = l -> l.contains(failing);
    assertThatThrownBy(
            () ->
                table.transaction(
                    tx -> {
                      long v = tx.scan().toList().get(0).get("value", Long.class);
                      tx.deleteAll().append(Map.of("value", v + 1));
                      return v;
                    }))
        .hasMessageContaining("injected")
        .hasMessageContaining("Nothing was committed");
    assertThat(files()).isEqualTo(before);
    assertThat(DataShard.open(dir).scan().toList())
        .extracting(r -> r.get("value", Long.class))
        .containsExactly(7L);
  }
}
