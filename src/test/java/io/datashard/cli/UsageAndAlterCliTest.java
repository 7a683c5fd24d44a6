package io.datashard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.Schema;
import io.datashard.Table;
import io.datashard.Types;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What the command line answers a user: help on every command, usage errors, and alter. */
class UsageAndAlterCliTest {
  @TempDir Path tmp;

  @Test
  void everyCommandAnswersHelpWithItsUsageAndExitCodeZero() {
    CommandLine root = new CommandLine(new Main());
    assertThat(root.getSubcommands()).hasSizeGreaterThan(20);
    for (String name : root.getSubcommands().keySet()) {
      CliTest.Result r = CliTest.run(name, "--help");
      assertThat(r.code()).as("%s --help: %s", name, r.err()).isZero();
      assertThat(r.out()).as("%s --help", name).contains("Usage: datashard " + name);
      assertThat(r.err()).as("%s --help prints no warning", name).doesNotContain("WARN");
    }
  }

  @Test
  void anUnknownCommandIsAUsageErrorWithExitCodeTwo() {
    CliTest.Result r = CliTest.run("frobnicate", "/tmp/x");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("'frobnicate'");
    CliTest.Result none = CliTest.run();
    assertThat(none.code()).isEqualTo(2);
    assertThat(none.err()).contains("Missing command");
  }

  @Test
  void alterChangesTheSchemaThePartitioningAndThePropertiesAndDataStaysReadable() {
    Path dir = tmp.resolve("t");
    Table t = DataShard.create(dir, Schema.parse("id long not null, score double, ts timestamptz"));
    t.append(List.of(Map.of("id", 1L, "score", 0.5, "ts", Instant.parse("2026-01-01T00:00:00Z"))));

    CliTest.Result r =
        CliTest.run(
            "alter",
            dir.toString(),
            "--add-column",
            "weight double",
            "--rename-column",
            "score=loss",
            "--partition-by",
            "day(ts)",
            "--set",
            "owner=ml-team");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("Partition:  day(ts)").contains("owner = ml-team");

    Table after = DataShard.open(dir);
    assertThat(after.schema().columnNames()).containsExactly("id", "loss", "ts", "weight");
    assertThat(after.schema().findField("weight").type()).isEqualTo(Types.DOUBLE);
    assertThat(after.partitioning()).containsExactly("day(ts)");
    assertThat(after.properties()).containsEntry("owner", "ml-team");
    // the row written before reads under the new names; the new column is null
    assertThat(after.scan().toList())
        .singleElement()
        .satisfies(
            row -> {
              assertThat(row.get("loss")).isEqualTo(0.5);
              assertThat(row.get("weight")).isNull();
            });

    CliTest.Result unset = CliTest.run("alter", dir.toString(), "--unset", "owner");
    assertThat(unset.code()).as(unset.err()).isZero();
    assertThat(DataShard.open(dir).properties()).doesNotContainKey("owner");
  }

  @Test
  void alterWithNothingToChangeOrABadColumnSaysWhatIsWrongAndChangesNothing() {
    Path dir = tmp.resolve("t");
    DataShard.create(dir, Schema.parse("id long"));
    int versions = DataShard.open(dir).metadataVersion();
    CliTest.Result nothing = CliTest.run("alter", dir.toString());
    assertThat(nothing.code()).isNotZero();
    assertThat(nothing.err()).contains("Nothing to change");
    CliTest.Result bad = CliTest.run("alter", dir.toString(), "--drop-column", "nope");
    assertThat(bad.code()).isNotZero();
    assertThat(bad.err()).contains("nope");
    assertThat(DataShard.open(dir).metadataVersion()).isEqualTo(versions);
  }
}
