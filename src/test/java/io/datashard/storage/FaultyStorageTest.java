package io.datashard.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The crash model of {@link FaultyStorage}: what a power loss may and may not take away. */
class FaultyStorageTest {
  @TempDir Path tmp;

  private int runs;

  private static void publish(Storage s, Path p, String content) throws IOException {
    try (Storage.PendingFile f = s.create(p.toString())) {
      f.stream().write(content.getBytes(StandardCharsets.UTF_8));
      f.publish();
    }
  }

  private static String read(Path p) throws IOException {
    return Files.exists(p) ? Files.readString(p, StandardCharsets.ISO_8859_1) : null;
  }

  /** The outcome for each file after one crash of a fixed scenario with this seed. */
  private List<String> crashOnce(long seed) throws IOException {
    Path dir = tmp.resolve("s" + seed + "-" + (runs++));
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("old"), "old contents");
    FaultyStorage s = new FaultyStorage(seed);
    publish(s, dir.resolve("synced"), "synced contents");
    s.syncDirectory(dir.toString());
    publish(s, dir.resolve("unsynced"), "unsynced name");
    s.replace(dir.resolve("hint").toString(), "12345678".getBytes(StandardCharsets.UTF_8));
    s.syncDirectory(dir.toString()); // the hint's name is durable now, its contents are not
    s.delete(dir.resolve("old").toString());
    publish(s, dir.resolve("late"), "late name");
    s.crash();
    List<String> out = new ArrayList<>();
    for (String n : List.of("synced", "unsynced", "hint", "old", "late")) {
      out.add(read(dir.resolve(n)));
    }
    return out;
  }

  @Test
  void crashKeepsWhatWasSyncedAndMayTakeTheRest() throws IOException {
    Set<String> hints = new HashSet<>();
    Set<String> olds = new HashSet<>();
    Set<String> lates = new HashSet<>();
    for (long seed = 0; seed < 60; seed++) {
      List<String> r = crashOnce(seed);
      assertThat(r.get(0))
          .as("forced file with a synced name, seed %d", seed)
          .isEqualTo("synced contents");
      assertThat(r.get(1)).as("forced file whose name was synced later").isEqualTo("unsynced name");
      hints.add(String.valueOf(r.get(2)));
      olds.add(String.valueOf(r.get(3)));
      lates.add(String.valueOf(r.get(4)));
      assertThat(r.get(4))
          .as("a published file is lost or whole, never damaged")
          .isIn(null, "late name");
      assertThat(r.get(3)).as("an unsynced removal is kept or undone").isIn(null, "old contents");
    }
    assertThat(hints)
        .as("unforced contents are always damaged, in various ways")
        .doesNotContain("12345678")
        .hasSizeGreaterThan(5);
    assertThat(olds).containsExactlyInAnyOrder("null", "old contents");
    assertThat(lates).containsExactlyInAnyOrder("null", "late name");
    assertThat(crashOnce(1234)).as("the same seed crashes the same way").isEqualTo(crashOnce(1234));
  }

  @Test
  void aStoppedProcessWritesNothingMore() throws IOException {
    FaultyStorage s = new FaultyStorage(1);
    Path a = tmp.resolve("a");
    s.stopAfter(1);
    Storage.PendingFile f = s.create(a.toString());
    assertThatThrownBy(() -> f.stream().write(1)).hasMessageContaining("process stopped");
    assertThatThrownBy(f::publish).hasMessageContaining("process stopped");
    assertThatThrownBy(() -> s.delete(a.toString())).hasMessageContaining("process stopped");
    assertThat(s.stopped()).isTrue();
    assertThat(Files.exists(a)).isFalse();
  }

  @Test
  void failAtFailsExactlyOneOperation() throws IOException {
    FaultyStorage s = new FaultyStorage(1);
    s.failAt(2); // create is 1, fsync is 2
    Path a = tmp.resolve("a");
    Storage.PendingFile f = s.create(a.toString());
    f.stream().write(7);
    assertThatThrownBy(f::publish).hasMessageContaining("injected failure at operation 2");
    assertThat(s.failed()).isTrue();
    publish(s, a, "then it works");
    assertThat(Files.readString(a)).isEqualTo("then it works");
    assertThat(s.log()).hasSize(2 + 4);
  }
}
