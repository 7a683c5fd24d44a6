package io.datashard.cli;

import io.datashard.DataShard;
import io.datashard.ScanReport;
import io.datashard.Table;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import picocli.CommandLine.Option;

/** Options shared by the commands. */
final class Common {
  @Option(
      names = "--no-fsync",
      description =
          "Do not force commits to disk (faster; a machine crash may lose "
              + "the last commits). Commits stay atomic.")
  boolean noFsync;

  @Option(names = "--verbose", description = "Print stack traces with errors.")
  boolean verbose;

  Table open(Path dir) {
    return table(dir).durable(!noFsync).open();
  }

  /** The builder for a table DIR argument: a local directory or an {@code s3://} location. */
  static DataShard.TableBuilder table(Path dir) {
    String location = location(dir);
    return location.startsWith("s3://") ? DataShard.table(location) : DataShard.table(dir);
  }

  /**
   * The location a DIR argument names. The command line reads {@code s3://bucket/key} as a path,
   * which folds the two slashes into one ({@link Main} has refused other schemes); this restores
   * it.
   */
  static String location(Path dir) {
    String s = dir.toString();
    if (s.startsWith("s3:/")) {
      String rest = s.substring(4);
      while (rest.startsWith("/")) {
        rest = rest.substring(1);
      }
      return "s3://" + rest;
    }
    return s;
  }

  /** True if a DIR argument names an {@code s3://} location. */
  static boolean isS3(Path dir) {
    return dir != null && dir.toString().startsWith("s3:/");
  }

  /**
   * Parses an ISO-8601 instant, offset date-time, local date-time (UTC) or date (UTC midnight), or
   * epoch millis.
   */
  static long parseTime(String s) {
    String t = s.trim();
    try {
      if (t.matches("-?\\d{10,}")) {
        return Long.parseLong(t);
      }
      try {
        return Instant.parse(t).toEpochMilli();
      } catch (DateTimeParseException e) {
        // try the other forms
      }
      try {
        return OffsetDateTime.parse(t).toInstant().toEpochMilli();
      } catch (DateTimeParseException e) {
        // next
      }
      try {
        return LocalDateTime.parse(t).toInstant(ZoneOffset.UTC).toEpochMilli();
      } catch (DateTimeParseException e) {
        // next
      }
      return LocalDate.parse(t).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
    } catch (DateTimeParseException | NumberFormatException e) {
      throw new CliException(
          "Invalid time '"
              + s
              + "': write it as ISO-8601, for example 2026-11-25T10:15:30Z, "
              + "2026-11-25T11:15:30+01:00, 2026-11-25T10:15:30 (UTC) or 2026-11-25, or as milliseconds since 1970");
    }
  }

  /** Prints a scan report (scan/count --explain), one figure group per line. */
  static void printReport(PrintWriter err, ScanReport report) {
    if (report == null) {
      return;
    }
    for (String line : report.describe().split("\n")) {
      err.println("explain: " + line);
    }
    err.flush();
  }
}
