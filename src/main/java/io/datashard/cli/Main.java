package io.datashard.cli;

import io.datashard.DataShardException;
import io.datashard.storage.Locations;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
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
      ChangesCommand.class,
      TailCommand.class,
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
    cmd.registerConverter(Path.class, Main::toPath);
    cmd.setExecutionStrategy(
        parseResult -> {
          refuseS3WhereLocal(parseResult);
          return new CommandLine.RunLast().execute(parseResult);
        });
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

  /** The commands whose table DIR may be an {@code s3://} location (the others work on disk). */
  private static final Set<Class<?>> LOCAL_ONLY =
      Set.of(
          StressCommand.class,
          TortureCommand.class,
          BenchCommand.class,
          BenchCompactCommand.class,
          BenchDeletesCommand.class,
          BenchIoCommand.class);

  /**
   * Reads a path argument. A location with a URI scheme is never taken for a relative path: {@code
   * file:} names the local path, {@code s3://} is kept for the table DIR of the commands that serve
   * object storage (see {@link Common#location}), and any other scheme is refused.
   */
  static Path toPath(String value) {
    String scheme = Locations.scheme(value);
    if (scheme == null) {
      return Path.of(value);
    }
    if (scheme.equals("file")) {
      return Path.of(Locations.stripFileScheme(value));
    }
    if (scheme.equals("s3") && value.startsWith("s3://") && value.length() > 5) {
      return Path.of(value);
    }
    throw new CommandLine.TypeConversionException(
        "'"
            + value
            + "' is not a location DataShard serves: tables live in local directories or at"
            + " s3://bucket/prefix, not on '"
            + scheme
            + ":'. Give a local path or an s3:// location.");
  }

  /** Refuses an {@code s3://} value anywhere but the table DIR of a command that supports it. */
  private static void refuseS3WhereLocal(CommandLine.ParseResult top) {
    CommandLine.ParseResult r = top;
    while (r != null) {
      Object command = r.commandSpec().userObject();
      for (CommandLine.Model.ArgSpec arg : r.matchedArgs()) {
        Object value = arg.getValue();
        List<?> values =
            value instanceof List<?> l ? l : java.util.Collections.singletonList(value);
        for (Object v : values) {
          if (!(v instanceof Path p) || !Common.isS3(p)) {
            continue;
          }
          boolean tableDir =
              arg.isPositional()
                  && ("DIR".equals(arg.paramLabel()) || "WAREHOUSE".equals(arg.paramLabel()))
                  && command != null
                  && !LOCAL_ONLY.contains(command.getClass());
          if (!tableDir) {
            throw new CommandLine.ParameterException(
                r.commandSpec().commandLine(),
                "'"
                    + Common.location(p)
                    + "' is an object-store location, but "
                    + (arg instanceof CommandLine.Model.OptionSpec o
                        ? o.longestName()
                        : arg.paramLabel())
                    + " of '"
                    + r.commandSpec().name()
                    + "' must be a local path. Tables on s3:// work with the table commands"
                    + " (create, append, scan, count, info, verify, delete, ...) and serve.");
          }
        }
      }
      r = r.subcommand();
    }
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
