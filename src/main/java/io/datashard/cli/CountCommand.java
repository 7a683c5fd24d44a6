package io.datashard.cli;

import io.datashard.Scan;
import io.datashard.ScanReport;
import io.datashard.Table;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "count",
    description = "Print the number of rows (current, or as of a snapshot or time).")
final class CountCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "DIR",
      description = "The table directory, or an s3://bucket/prefix location.")
  Path dir;

  @ArgGroup(exclusive = true)
  ScanCommand.Version version = new ScanCommand.Version();

  @Option(
      names = "--filter",
      paramLabel = "EXPR",
      description =
          "Count only rows for which EXPR is true "
              + "(same syntax as scan --filter); the count is exact.")
  String filter;

  @Option(
      names = "--explain",
      description =
          "After the count, print to standard error how many data files and "
              + "bytes were considered, pruned by their statistics and read.")
  boolean explain;

  @Mixin Common common;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Table table = common.open(dir);
    Scan scan = version.apply(table.scan());
    if (filter != null) {
      scan.filter(filter);
    }
    ScanReport[] report = new ScanReport[1];
    if (explain) {
      scan.reportTo(r -> report[0] = r);
    }
    spec.commandLine().getOut().println(scan.count());
    if (explain) {
      spec.commandLine().getOut().flush();
      Common.printReport(spec.commandLine().getErr(), report[0]);
    }
    return 0;
  }
}
