package io.datashard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The progress reporter: plain periodic lines off a terminal, a redrawn bar on one (driven by a
 * fake clock).
 */
class ProgressTest {
  private static final long SECOND = 1_000_000_000L;

  private final AtomicLong clock = new AtomicLong(1000 * SECOND);
  private final StringWriter text = new StringWriter();
  private final PrintWriter err = new PrintWriter(text);

  private List<String> lines() {
    err.flush();
    return text.toString().isEmpty() ? List.of() : List.of(text.toString().split("\n"));
  }

  @Test
  void plainLinesAtMostEveryTwoSecondsWithRateAndEta() {
    try (Progress p =
        new Progress("import", 1000 * 1024, Progress.Unit.BYTES, err, false, true, clock::get)) {
      p.update(100 * 1024);
      clock.addAndGet(SECOND);
      p.update(250 * 1024);
      assertThat(lines()).as("nothing before two seconds").isEmpty();
      clock.addAndGet(SECOND);
      p.update(500 * 1024);
      assertThat(lines())
          .containsExactly("import: 500.0 KB of 1000.0 KB (50%), 250.0 KB/s, ETA 2s");
      clock.addAndGet(SECOND);
      p.update(600 * 1024);
      assertThat(lines()).hasSize(1);
      clock.addAndGet(SECOND);
      p.update(800 * 1024);
      assertThat(lines()).hasSize(2);
      assertThat(lines().get(1))
          .isEqualTo("import: 800.0 KB of 1000.0 KB (80%), 200.0 KB/s, ETA 1s");
      clock.addAndGet(SECOND);
      p.update(1000 * 1024);
    }
    assertThat(lines()).hasSize(3);
    assertThat(lines().get(2)).isEqualTo("import: done, 1000.0 KB, 200.0 KB/s, in 5s");
    assertThat(text.toString()).doesNotContain("\r");
  }

  @Test
  void unknownTotalAndRowsUnit() {
    try (Progress p =
        new Progress("verify", 0, Progress.Unit.SNAPSHOTS, err, false, true, clock::get)) {
      clock.addAndGet(3 * SECOND);
      p.update(3);
      clock.addAndGet(3 * SECOND);
      p.update(9, 12);
    }
    assertThat(lines())
        .containsExactly(
            "verify: 3 snapshots, 1.0 snapshots/s",
            "verify: 9 of 12 snapshots (75%), 1.5 snapshots/s, ETA 2s",
            "verify: done, 9 snapshots, 1.5 snapshots/s, in 6s");
  }

  @Test
  void aShortOperationPrintsNothingAndQuietNothingAtAll() {
    try (Progress p =
        new Progress("export", 10, Progress.Unit.ROWS, err, false, true, clock::get)) {
      p.update(10);
    }
    try (Progress p =
        new Progress("export", 10, Progress.Unit.ROWS, err, false, false, clock::get)) {
      clock.addAndGet(10 * SECOND);
      p.update(5);
    }
    assertThat(lines()).isEmpty();
  }

  @Test
  void onATerminalOneLineIsRedrawnAndClearedAtTheEnd() {
    try (Progress p =
        new Progress("export", 1_000_000, Progress.Unit.ROWS, err, true, true, clock::get)) {
      clock.addAndGet(SECOND);
      p.update(250_000);
      clock.addAndGet(SECOND);
      p.update(500_000);
      err.flush();
      String shown = text.toString();
      assertThat(shown).doesNotContain("\n");
      assertThat(shown.split("\r", -1)).hasSize(3);
      assertThat(shown)
          .contains("export: [######..................] 25%  250,000 rows  250,000 rows/s  ETA 3s")
          .endsWith("export: [############............] 50%  500,000 rows  250,000 rows/s  ETA 2s");
    }
    err.flush();
    assertThat(text.toString())
        .endsWith(
            "\r"
                + " "
                    .repeat(
                        "export: [############............] 50%  500,000 rows  250,000 rows/s  ETA 2s"
                            .length())
                + "\r");
  }

  @Test
  void amounts() {
    assertThat(Progress.bytes(512)).isEqualTo("512 B");
    assertThat(Progress.bytes(3L * 1024 * 1024 * 1024)).isEqualTo("3.0 GB");
    assertThat(Progress.duration(59)).isEqualTo("59s");
    assertThat(Progress.duration(61)).isEqualTo("1m01s");
    assertThat(Progress.duration(7322)).isEqualTo("2h02m");
  }
}
