package io.datashard.cli;

import io.datashard.DataShard;
import io.datashard.VerifyReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code datashard verify}: checks a table's files against its metadata. */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Check that the current metadata file and version hint parse, and that every manifest list, manifest and "
          + "data file of the current snapshot (--deep: of every retained snapshot and ref, and every logged "
          + "metadata file) exists, parses, and has the recorded length and record count. Also lists orphaned "
          + "files (in data/ or metadata/, referenced by nothing) and temporary files of unfinished writes.",
      "Prints one line per problem (ERROR or WARNING, kind, file, what is wrong), then a summary. Orphans, "
          + "temporary files and a stale version hint are warnings: interrupted writers legitimately leave them."
    },
    footer = {
      "",
      "Exit codes: 0 no errors (warnings may be listed), 1 errors found or the table cannot be opened, "
          + "2 bad command line."
    })
final class VerifyCommand implements Callable<Integer> {
  enum Format {
    text,
    json
  }

  @Parameters(
      index = "0",
      paramLabel = "DIR",
      description = "The table directory, or an s3://bucket/prefix location.")
  Path dir;

  @Option(
      names = "--deep",
      description = "Check every retained snapshot, not only the current one.")
  boolean deep;

  @Option(
      names = "--format",
      defaultValue = "text",
      description = "text or json (default: ${DEFAULT-VALUE}).")
  Format format;

  @Option(names = "--verbose", description = "Print stack traces with errors.")
  boolean verbose;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress on standard error (--deep shows it).")
  boolean quiet;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    VerifyReport report;
    if (deep) {
      try (Progress progress =
          Progress.start(
              "verify", 0, Progress.Unit.SNAPSHOTS, spec.commandLine().getErr(), quiet)) {
        report =
            DataShard.verify(
                Common.location(dir), true, (done, total) -> progress.update(done, total));
      }
    } else {
      report = DataShard.verify(Common.location(dir), false, null);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (format == Format.json) {
      out.println(Render.json(json(report)));
    } else {
      print(out, report);
    }
    out.flush();
    return report.isClean() ? 0 : 1;
  }

  static Map<String, Object> json(VerifyReport report) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("location", report.location());
    m.put("deep", report.deep());
    m.put("clean", report.isClean());
    m.put("errors", (long) report.errors().size());
    m.put("warnings", (long) report.warnings().size());
    Map<String, Object> counts = new LinkedHashMap<>();
    report.counts().forEach((k, v) -> counts.put(k.label(), v));
    m.put("counts", counts);
    m.put("checked", new LinkedHashMap<>(report.checked()));
    List<Object> problems = new ArrayList<>();
    for (VerifyReport.Problem p : report.problems()) {
      Map<String, Object> pm = new LinkedHashMap<>();
      pm.put("severity", p.kind().isError() ? "error" : "warning");
      pm.put("kind", p.kind().label());
      pm.put("file", p.file());
      pm.put("message", p.message());
      problems.add(pm);
    }
    m.put("problems", problems);
    return m;
  }

  static void print(PrintWriter out, VerifyReport report) {
    for (VerifyReport.Problem p : report.problems()) {
      out.printf(
          "%-7s %-18s %s: %s%n",
          p.kind().isError() ? "ERROR" : "WARNING", p.kind().label(), p.file(), p.message());
    }
    List<String> checked = new ArrayList<>();
    report.checked().forEach((k, v) -> checked.add(k + " " + v));
    out.println(
        "Checked "
            + report.location()
            + " ("
            + (report.deep() ? "every retained snapshot" : "current snapshot")
            + "): "
            + String.join(", ", checked));
    out.println("Result: " + summary(report));
  }

  static String summary(VerifyReport report) {
    StringBuilder errors = new StringBuilder();
    StringBuilder warnings = new StringBuilder();
    report
        .counts()
        .forEach(
            (k, v) -> {
              StringBuilder b = k.isError() ? errors : warnings;
              b.append(b.length() == 0 ? "" : ", ").append(v).append(' ').append(k.label());
            });
    int e = report.errors().size();
    int w = report.warnings().size();
    String warn = w == 0 ? "" : w + (w == 1 ? " warning (" : " warnings (") + warnings + ")";
    if (e == 0) {
      return w == 0 ? "clean" : "clean, with " + warn;
    }
    return e + (e == 1 ? " error (" : " errors (") + errors + ")" + (w == 0 ? "" : ", " + warn);
  }
}
