package io.datashard.cli;

import io.datashard.DataShardException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code datashard} command line. */
@Command(
    name = "datashard",
    mixinStandardHelpOptions = true,
    version = "datashard 0.1.0",
    description = "Apache Iceberg v2 tables on a directory, safe for many concurrent processes.",
    subcommands = {
      CreateCommand.class,
      AppendCommand.class,
      ScanCommand.class,
      CountCommand.class,
      SnapshotsCommand.class,
      StressCommand.class,
      MaintenanceCommands.Expire.class,
      MaintenanceCommands.Gc.class,
      MaintenanceCommands.Compact.class,
      MaintenanceCommands.RewriteManifests.class,
      BenchCommand.class,
      VerifyCommand.class,
      TortureCommand.class,
      RowChangeCommands.Delete.class,
      RowChangeCommands.Overwrite.class,
      RowChangeCommands.Upsert.class,
      HistoryCommands.RollbackCommand.class,
      HistoryCommands.TagCommand.class,
      HistoryCommands.BranchCommand.class,
      HistoryCommands.DiffCommand.class,
      ImportCommand.class,
      ExportCommand.class,
      InfoCommand.class,
      HistoryCommand.class,
      AlterCommand.class,
      ServeCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(),
        "Missing command: choose one of " + String.join(", ", spec.subcommands().keySet()));
  }

  /** Runs the command line and returns the exit code. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cmd = new CommandLine(new Main());
    withHelp(cmd);
    cmd.setOut(out);
    cmd.setErr(err);
    cmd.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          boolean verbose = parseResult.expandedArgs().contains("--verbose");
          err.println("error: " + message(ex));
          if (verbose) {
            ex.printStackTrace(err);
          }
          err.flush();
          return ex instanceof DataShardException || ex instanceof UncheckedIOException ? 1 : 3;
        });
    int code = cmd.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /** Gives every command {@code --help} (and {@code --version}), before its required arguments. */
  private static void withHelp(CommandLine cmd) {
    cmd.getCommandSpec().mixinStandardHelpOptions(true);
    for (CommandLine sub : cmd.getSubcommands().values()) {
      withHelp(sub);
    }
  }

  static String message(Throwable ex) {
    if (ex instanceof DataShardException || ex instanceof CliException) {
      return ex.getMessage();
    }
    if (ex instanceof UncheckedIOException) {
      return ex.getMessage();
    }
    return ex.toString()
        + " (an unexpected error; run again with --verbose for details and report it)";
  }

  /** Runs the command line and exits with its exit code (0 done, 1 failed, 2 bad usage). */
  public static void main(String[] args) {
    // The library logs through SLF4J only. The command line ships no logging backend; without this
    // line SLF4J would print a warning about that on every run.
    if (System.getProperty("slf4j.internal.verbosity") == null) {
      System.setProperty("slf4j.internal.verbosity", "ERROR");
    }
    PrintWriter out =
        new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), false);
    PrintWriter err =
        new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    System.exit(run(args, out, err));
  }
}
