package io.datashard.cli;

import io.datashard.Table;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "count", description = "Print the number of rows (current, or as of a snapshot or time).")
final class CountCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "DIR", description = "The table directory.")
  Path dir;

  @ArgGroup(exclusive = true)
  ScanCommand.Version version = new ScanCommand.Version();

  @Mixin
  Common common;

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Table table = common.open(dir);
    spec.commandLine().getOut().println(version.apply(table.scan()).count());
    return 0;
  }
}
