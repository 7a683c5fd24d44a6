package io.datashard.cli;

import io.datashard.ChangeReport;
import io.datashard.ChangeScan;
import io.datashard.CloseableIterator;
import io.datashard.Row;
import io.datashard.Table;
import io.datashard.Types;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "changes",
    description =
        "Print the rows that commits inserted, deleted or updated after one snapshot, up to"
            + " another: each with _change_type, _change_ordinal and _commit_snapshot_id.")
final class ChangesCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "DIR",
      description = "The table directory, or an s3://bucket/prefix location.")
  Path dir;

  @Option(
      names = "--from",
      paramLabel = "ID|REF|TIME",
      description =
          "Changes committed after this snapshot: an id, a branch or tag, or an ISO-8601 time"
              + " (the snapshot current then). Default: from an empty table.")
  String from;

  @Option(
      names = "--to",
      paramLabel = "ID|REF|TIME",
      description = "Changes up to and including this snapshot (default: the current one).")
  String to;

  @Option(
      names = "--key",
      split = ",",
      paramLabel = "COL[,COL]",
      description =
          "Columns that identify a row: a key deleted and inserted by one commit is printed as"
              + " UPDATE_BEFORE and UPDATE_AFTER.")
  List<String> key;

  @Option(
      names = "--columns",
      split = ",",
      paramLabel = "A,B",
      description = "Table columns to print, in order (the change columns follow).")
  List<String> columns;

  @Option(
      names = "--filter",
      paramLabel = "EXPR",
      description = "Print only change rows for which EXPR is true (as for scan --filter).")
  String filter;

  @Option(
      names = "--format",
      defaultValue = "jsonl",
      description = "jsonl, csv or table (default: ${DEFAULT-VALUE}).")
  ScanCommand.Format format;

  @Option(names = "--limit", paramLabel = "N", description = "Print at most N rows.")
  Long limit;

  @Option(
      names = "--explain",
      description =
          "After the rows, print to standard error how many snapshots were read, and how many"
              + " data files they touched and were read.")
  boolean explain;

  @Mixin Common common;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Table table = common.open(dir);
    ChangeScan changes = table.changes();
    if (from != null) {
      Target t = Target.parse(from, "--from");
      switch (t.kind) {
        case ID -> changes.fromSnapshot(t.id);
        case TIME -> changes.fromTime(t.time);
        default -> changes.fromRef(t.ref);
      }
    }
    if (to != null) {
      Target t = Target.parse(to, "--to");
      switch (t.kind) {
        case ID -> changes.toSnapshot(t.id);
        case TIME -> changes.toTime(t.time);
        default -> changes.toRef(t.ref);
      }
    }
    if (key != null) {
      changes.key(key);
    }
    if (columns != null) {
      changes.select(columns);
    }
    if (filter != null) {
      changes.filter(filter);
    }
    ChangeReport[] report = new ChangeReport[1];
    changes.reportTo(r -> report[0] = r);
    List<String> names = new ArrayList<>();
    for (Types.NestedField f : changes.schema().columns()) {
      names.add(f.name());
    }
    PrintWriter out = spec.commandLine().getOut();
    try (CloseableIterator<Row> rows = changes.iterator()) {
      Render.rows(out, format, names, rows, limit == null ? Long.MAX_VALUE : limit);
    }
    if (explain && report[0] != null) {
      out.flush();
      spec.commandLine().getErr().println("explain: " + report[0]);
    }
    return 0;
  }

  /** A snapshot named on the command line: an id, a time, or a ref. */
  record Target(Kind kind, long id, Instant time, String ref) {
    enum Kind {
      ID,
      TIME,
      REF
    }

    /** Digits are a snapshot id; text that reads as a date or time is a time; else a ref. */
    static Target parse(String s, String option) {
      String t = s.trim();
      if (t.matches("-?\\d+")) {
        return new Target(Kind.ID, Long.parseLong(t), null, null);
      }
      if (t.matches("\\d{4}-\\d{2}-\\d{2}.*")) {
        return new Target(Kind.TIME, 0, Instant.ofEpochMilli(Common.parseTime(t)), null);
      }
      if (t.isEmpty()) {
        throw new CliException(
            option + " is empty: give a snapshot id, a branch or tag name, or an ISO-8601 time.");
      }
      return new Target(Kind.REF, 0, null, t);
    }
  }
}
