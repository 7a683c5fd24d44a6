package io.datashard.cli;

import io.datashard.CloseableIterator;
import io.datashard.Row;
import io.datashard.Scan;
import io.datashard.ScanReport;
import io.datashard.Table;
import io.datashard.Types;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "scan",
    description = "Print the rows of a table (current, or as of a snapshot or time).")
final class ScanCommand implements Callable<Integer> {
  enum Format {
    jsonl,
    csv,
    table
  }

  @Parameters(
      index = "0",
      paramLabel = "DIR",
      description = "The table directory, or an s3://bucket/prefix location.")
  Path dir;

  @ArgGroup(exclusive = true)
  Version version = new Version();

  static final class Version {
    @Option(names = "--snapshot", paramLabel = "ID", description = "Read this snapshot.")
    Long snapshot;

    @Option(
        names = "--as-of",
        paramLabel = "TIME",
        description = "Read the snapshot current at this ISO-8601 time.")
    String asOf;

    @Option(
        names = "--ref",
        paramLabel = "NAME",
        description = "Read the snapshot this branch or tag points to.")
    String ref;

    Scan apply(Scan scan) {
      if (ref != null) {
        return scan.useRef(ref);
      }
      if (snapshot != null) {
        return scan.useSnapshot(snapshot);
      }
      if (asOf != null) {
        return scan.asOfMillis(Common.parseTime(asOf));
      }
      return scan;
    }
  }

  @Option(
      names = "--columns",
      split = ",",
      paramLabel = "A,B",
      description = "Columns to print, in order.")
  List<String> columns;

  @Option(
      names = "--format",
      defaultValue = "jsonl",
      description = "jsonl, csv or table (default: ${DEFAULT-VALUE}).")
  Format format;

  @Option(names = "--limit", paramLabel = "N", description = "Print at most N rows.")
  Long limit;

  @Option(
      names = "--filter",
      paramLabel = "EXPR",
      description =
          "Print only rows for which EXPR is true, "
              + "e.g. \"score > 0.5 and tag = 'x'\" (operators =, !=, <, <=, >, >=, in (...), not in (...), is null, "
              + "is not null, starts with '...', like 'ab%%'; and, or, not, parentheses; dates and times in quotes).")
  String filter;

  @Option(
      names = "--explain",
      description =
          "After the rows, print to standard error how many data files and "
              + "bytes were considered, pruned by their statistics and read, and row groups skipped.")
  boolean explain;

  @Mixin Common common;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Table table = common.open(dir);
    Scan scan = version.apply(table.scan());
    if (columns != null) {
      scan.select(columns);
    }
    ScanReport[] report = new ScanReport[1];
    if (filter != null) {
      scan.filter(filter);
    }
    if (explain) {
      scan.reportTo(r -> report[0] = r);
    }
    List<String> names = new ArrayList<>();
    for (Types.NestedField f : scan.schema().columns()) {
      names.add(f.name());
    }
    PrintWriter out = spec.commandLine().getOut();
    try (CloseableIterator<Row> rows = scan.iterator()) {
      Render.rows(out, format, names, rows, limit == null ? Long.MAX_VALUE : limit);
    }
    if (explain) {
      out.flush();
      Common.printReport(spec.commandLine().getErr(), report[0]);
    }
    return 0;
  }
}
