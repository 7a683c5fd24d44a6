package io.datashard.internal.commit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.CommitConflictException;
import io.datashard.CorruptTableException;
import io.datashard.Schema;
import io.datashard.TableNotFoundException;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.storage.LocalStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TableOperationsTest {
  @TempDir Path dir;

  private TableOperations ops() {
    return new TableOperations(new LocalStorage(true), dir.toString());
  }

  private TableMetadata created(TableOperations ops) {
    return ops.commit(
        null, NewTable.metadata(dir.toString(), Schema.parse("id long"), Map.of(), List.of()));
  }

  private static TableMetadata withProperty(TableMetadata base, String k, String v) {
    return TableMetadata.buildFrom(base).property(k, v).build();
  }

  @Test
  void commitsVersionsInOrderAndUpdatesTheHint() throws Exception {
    TableOperations ops = ops();
    TableMetadata v1 = created(ops);
    assertThat(v1.version()).isEqualTo(1);
    TableMetadata v2 = ops.commit(v1, withProperty(v1, "a", "1"));
    assertThat(v2.version()).isEqualTo(2);
    assertThat(Files.readString(dir.resolve("metadata/version-hint.text"))).isEqualTo("2");
    TableMetadata loaded = ops().refresh();
    assertThat(loaded.version()).isEqualTo(2);
    assertThat(loaded.properties()).containsEntry("a", "1");
  }

  @Test
  void whileCommitsFollowAtOnceTheHintLagsABoundedWayAndIsWrittenWhenNobodyWaits()
      throws Exception {
    TableOperations ops = ops();
    TableMetadata m = created(ops);
    Path hint = dir.resolve("metadata/version-hint.text");
    for (int i = 0; i < 40; i++) {
      m = ops.commit(m, withProperty(m, "i", Integer.toString(i)), () -> {}, () -> true);
      int written = Integer.parseInt(Files.readString(hint));
      assertThat(m.version() - written).isBetween(0, TableOperations.HINT_LAG_MAX - 1);
      assertThat(written == 1 || written % TableOperations.HINT_LAG_MAX == 0)
          .as("hint %d at version %d", written, m.version())
          .isTrue();
      assertThat(ops().refresh().version()).as("readers probe past it").isEqualTo(m.version());
    }
    // a change that then commits nothing (under the lock) brings a hint left to it up to date
    assertThat(Files.readString(hint)).isNotEqualTo(Integer.toString(m.version()));
    ops.catchUpHint();
    assertThat(Files.readString(hint)).isEqualTo(Integer.toString(m.version()));
    m = ops.commit(m, withProperty(m, "i", "again"), () -> {}, () -> true);
    m = ops.commit(m, withProperty(m, "last", "yes"), () -> {}, () -> false);
    assertThat(Files.readString(hint)).isEqualTo(Integer.toString(m.version()));
    // where the table keeps few old versions, the hint never points at a removed one
    m = ops.commit(m, withProperty(m, "write.metadata.previous-versions-max", "3"));
    for (int i = 0; i < 5; i++) {
      m = ops.commit(m, withProperty(m, "j", Integer.toString(i)), () -> {}, () -> true);
      assertThat(Files.readString(hint)).isEqualTo(Integer.toString(m.version()));
    }
  }

  @Test
  void aCommitOnAStaleBaseConflictsAndChangesNothing() {
    TableOperations a = ops();
    TableOperations b = ops();
    TableMetadata v1 = created(a);
    TableMetadata seenByB = b.refresh();
    a.commit(v1, withProperty(v1, "writer", "a"));
    assertThatThrownBy(() -> b.commit(seenByB, withProperty(seenByB, "writer", "b")))
        .isInstanceOf(CommitConflictException.class)
        .hasMessageContaining("Version 2");
    assertThat(ops().refresh().properties()).containsEntry("writer", "a");
  }

  @Test
  void creatingTwiceConflicts() {
    created(ops());
    assertThatThrownBy(() -> created(ops())).isInstanceOf(CommitConflictException.class);
  }

  @Test
  void readersProbePastAStaleHintAndListWithoutOne() throws Exception {
    TableOperations ops = ops();
    TableMetadata m = created(ops);
    for (int i = 0; i < 4; i++) {
      m = ops.commit(m, withProperty(m, "i", Integer.toString(i)));
    }
    Path hint = dir.resolve("metadata/version-hint.text");
    Files.writeString(hint, "2");
    assertThat(ops().refresh().version()).isEqualTo(5);
    Files.delete(hint);
    assertThat(ops().refresh().version()).isEqualTo(5);
    Files.writeString(hint, "garbage");
    assertThat(ops().refresh().version()).isEqualTo(5);
    Files.writeString(hint, "99");
    assertThat(ops().refresh().version()).isEqualTo(5);
  }

  @Test
  void missingTableAndCorruptNewestVersionAreClearErrors() throws Exception {
    assertThatThrownBy(() -> ops().refresh())
        .isInstanceOf(TableNotFoundException.class)
        .hasMessageContaining(dir.toString());
    TableOperations ops = ops();
    TableMetadata m = created(ops);
    ops.commit(m, withProperty(m, "x", "y"));
    Files.writeString(dir.resolve("metadata/v2.metadata.json"), "{\"format-version\": 2, ");
    assertThatThrownBy(() -> ops().refresh())
        .isInstanceOf(CorruptTableException.class)
        .hasMessageContaining("v2.metadata.json");
  }

  /** The fast path of canonicalPath agrees with Path.normalize on which paths are normal. */
  @Test
  void normalAbsolutePathsAreToldApartFromOthers() {
    for (String p :
        List.of("/t/data/a.parquet", "/a", "/t/.hidden/x", "/t/..x/y", "/t/x.", "/t/x..")) {
      assertThat(TableOperations.isNormalAbsolute(p)).as(p).isTrue();
      assertThat(Path.of(p).normalize().toString()).isEqualTo(p);
    }
    for (String p :
        List.of("/t//a", "/t/./a", "/t/../a", "/t/a/", "/t/.", "/t/..", "t/a", "/", "", "//a")) {
      assertThat(TableOperations.isNormalAbsolute(p)).as(p).isFalse();
    }
  }
}
