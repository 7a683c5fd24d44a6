package io.datashard.cli;

import io.datashard.Snapshot;
import io.datashard.Table;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "snapshots", description = "List the retained snapshots, oldest first.")
final class SnapshotsCommand implements Callable<Integer> {
  enum Format {
    jsonl,
    table
  }

  @Parameters(
      index = "0",
      paramLabel = "DIR",
      description = "The table directory, or an s3://bucket/prefix location.")
  Path dir;

  @Option(
      names = "--format",
      defaultValue = "jsonl",
      description = "jsonl or table (default: ${DEFAULT-VALUE}).")
  Format format;

  @Mixin Common common;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Table table = common.open(dir);
    PrintWriter out = spec.commandLine().getOut();
    List<Snapshot> snapshots = table.snapshots();
    if (format == Format.jsonl) {
      for (Snapshot s : snapshots) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("snapshot_id", s.snapshotId());
        m.put("parent_id", s.parentId());
        m.put("timestamp_ms", s.timestampMillis());
        m.put("operation", s.operation());
        m.put("summary", s.summary());
        out.println(Render.json(m));
      }
      return 0;
    }
    List<List<String>> rows = new ArrayList<>();
    for (Snapshot s : snapshots) {
      rows.add(
          List.of(
              Long.toString(s.snapshotId()),
              s.parentId() == null ? "" : Long.toString(s.parentId()),
              Instant.ofEpochMilli(s.timestampMillis()).toString(),
              String.valueOf(s.operation()),
              s.summary().getOrDefault("added-records", ""),
              s.summary().getOrDefault("total-records", "")));
    }
    Render.table(
            List.of(
                "snapshot_id", "parent_id", "time", "operation", "added_records", "total_records"),
            rows)
        .forEach(out::println);
    return 0;
  }
}
