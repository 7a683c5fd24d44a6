package io.datashard.cli;

import io.datashard.Maintenance;
import io.datashard.MaintenanceResult;
import io.datashard.Table;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The maintenance commands: expire, gc, compact, rewrite-manifests. */
final class MaintenanceCommands {
  private MaintenanceCommands() {}

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d|w)?");
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]i?b?|b)?");

  /**
   * Parses a duration: {@code 3d}, {@code 12h}, {@code 30m}, {@code 45s}, {@code 500ms}, {@code 0},
   * or ISO-8601 ({@code PT1H}).
   */
  static Duration parseDuration(String s, String option) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    Matcher m = DURATION.matcher(t);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      String unit = m.group(2) == null ? "s" : m.group(2);
      switch (unit) {
        case "ms":
          return Duration.ofMillis(n);
        case "s":
          return Duration.ofSeconds(n);
        case "m":
          return Duration.ofMinutes(n);
        case "h":
          return Duration.ofHours(n);
        case "d":
          return Duration.ofDays(n);
        default:
          return Duration.ofDays(7 * n);
      }
    }
    try {
      return Duration.parse(s.trim().toUpperCase(Locale.ROOT));
    } catch (DateTimeParseException e) {
      throw new CliException(
          "Invalid duration '"
              + s
              + "' for "
              + option
              + ": write a number with a unit, for "
              + "example 3d, 12h, 30m, 45s or 500ms (a bare number is seconds), or ISO-8601 such as PT1H");
    }
  }

  /** Parses a size in bytes: {@code 134217728}, {@code 128MB}, {@code 64k}, {@code 1g}. */
  static long parseSize(String s, String option) {
    Matcher m = SIZE.matcher(s.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new CliException(
          "Invalid size '"
              + s
              + "' for "
              + option
              + ": write bytes or a number with a unit, "
              + "for example 134217728, 128MB, 512k or 1g");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2).substring(0, 1);
    int shift =
        switch (unit) {
          case "k" -> 10;
          case "m" -> 20;
          case "g" -> 30;
          case "t" -> 40;
          default -> 0;
        };
    if (n <= 0) {
      throw new CliException("The size for " + option + " must be positive, got '" + s + "'");
    }
    return n << shift;
  }

  private static int print(PrintWriter out, MaintenanceResult r) {
    out.println(r);
    if (r.dryRun()) {
      r.expiredSnapshots().forEach(id -> out.println("would expire snapshot " + id));
      r.deletedFiles().forEach(f -> out.println("would delete " + f));
      r.replacedFiles().forEach(f -> out.println("would rewrite " + f));
    }
    return 0;
  }

  @Command(
      name = "expire",
      description =
          "Expire old snapshots and delete the files only they used. Never "
              + "expires the current snapshot or one a branch or tag points to. Defaults come from the table properties "
              + "history.expire.max-snapshot-age-ms, history.expire.min-snapshots-to-keep and datashard.snapshots.max-count.")
  static final class Expire implements Callable<Integer> {
    @Parameters(
        index = "0",
        paramLabel = "DIR",
        description = "The table directory, or an s3://bucket/prefix location.")
    Path dir;

    @Option(
        names = "--older-than",
        paramLabel = "AGE|TIME",
        description =
            "Expire snapshots older than this: an "
                + "age such as 5d or 12h, or a time such as 2026-11-25T10:00:00Z.")
    String olderThan;

    @Option(
        names = "--retain-last",
        paramLabel = "N",
        description = "Always keep the newest N snapshots.")
    Integer retainLast;

    @Option(
        names = "--max-snapshots",
        paramLabel = "N",
        description = "Keep at most N snapshots (beyond those " + "--retain-last keeps).")
    Integer maxSnapshots;

    @Option(
        names = "--dry-run",
        description = "Change nothing; print what would be expired and deleted.")
    boolean dryRun;

    @Mixin Common common;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      Table table = common.open(dir);
      Maintenance.ExpireSnapshots op = table.maintenance().expireSnapshots().dryRun(dryRun);
      if (olderThan != null) {
        op.olderThan(olderThanInstant(olderThan));
      }
      if (retainLast != null) {
        op.retainLast(retainLast);
      }
      if (maxSnapshots != null) {
        op.maxSnapshots(maxSnapshots);
      }
      return print(spec.commandLine().getOut(), op.run());
    }

    private static Instant olderThanInstant(String s) {
      if (DURATION.matcher(s.trim().toLowerCase(Locale.ROOT)).matches()
          && !s.trim().matches("\\d{10,}")) {
        return Instant.now().minus(parseDuration(s, "--older-than"));
      }
      if (s.trim().toUpperCase(Locale.ROOT).startsWith("P")) {
        return Instant.now().minus(parseDuration(s, "--older-than"));
      }
      return Instant.ofEpochMilli(Common.parseTime(s));
    }
  }

  @Command(
      name = "gc",
      description =
          "Remove orphan files: files under data/ and metadata/ that no retained "
              + "snapshot or metadata file uses and that are older than a grace period (so in-flight commits are safe).")
  static final class Gc implements Callable<Integer> {
    @Parameters(
        index = "0",
        paramLabel = "DIR",
        description = "The table directory, or an s3://bucket/prefix location.")
    Path dir;

    @Option(
        names = "--older-than",
        paramLabel = "AGE",
        defaultValue = "3d",
        description =
            "Grace period: only "
                + "remove files last modified longer ago than this (default: ${DEFAULT-VALUE}). At least the table's "
                + "write window (datashard.write.window-ms, 1h by default), unless --no-commits-in-flight.")
    String olderThan;

    @Option(
        names = "--no-commits-in-flight",
        description =
            "Allow a grace period shorter than the write window: no change is being written to the "
                + "table (by any process or machine) while gc runs.")
    boolean noCommitsInFlight;

    @Option(names = "--dry-run", description = "Change nothing; print what would be removed.")
    boolean dryRun;

    @Mixin Common common;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      Duration grace = parseDuration(olderThan, "--older-than");
      Table table = common.open(dir);
      Maintenance.RemoveOrphanFiles gc =
          table.maintenance().removeOrphanFiles().olderThan(grace).dryRun(dryRun);
      if (noCommitsInFlight) {
        gc.noCommitsInFlight();
      }
      return print(spec.commandLine().getOut(), gc.run());
    }
  }

  @Command(
      name = "compact",
      description =
          "Rewrite small data files into larger ones (per partition), rows "
              + "unchanged, in one 'replace' commit. Older snapshots keep their files until they expire.")
  static final class Compact implements Callable<Integer> {
    @Parameters(
        index = "0",
        paramLabel = "DIR",
        description = "The table directory, or an s3://bucket/prefix location.")
    Path dir;

    @Option(
        names = "--target-file-size",
        paramLabel = "SIZE",
        description =
            "Size of the new files, e.g. 128MB "
                + "(default: table property write.target-file-size-bytes, else 128MB).")
    String targetSize;

    @Option(names = "--dry-run", description = "Change nothing; print what would be rewritten.")
    boolean dryRun;

    @Mixin Common common;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      Maintenance.Compact op = common.open(dir).maintenance().compact().dryRun(dryRun);
      if (targetSize != null) {
        op.targetFileSize(parseSize(targetSize, "--target-file-size"));
      }
      try (Progress progress =
          Progress.start("compact", 0, Progress.Unit.BYTES, spec.commandLine().getErr(), dryRun)) {
        op.onProgress(progress::update);
        return print(spec.commandLine().getOut(), op.run());
      }
    }
  }

  @Command(
      name = "rewrite-manifests",
      description =
          "Rewrite the current snapshot's manifests into a few of "
              + "the target size, in one 'replace' commit.")
  static final class RewriteManifests implements Callable<Integer> {
    @Parameters(
        index = "0",
        paramLabel = "DIR",
        description = "The table directory, or an s3://bucket/prefix location.")
    Path dir;

    @Option(
        names = "--target-size",
        paramLabel = "SIZE",
        description =
            "Size of the new manifests, e.g. 8MB "
                + "(default: table property commit.manifest.target-size-bytes, else 8MB).")
    String targetSize;

    @Option(names = "--dry-run", description = "Change nothing; print what would be rewritten.")
    boolean dryRun;

    @Mixin Common common;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      Maintenance.RewriteManifests op =
          common.open(dir).maintenance().rewriteManifests().dryRun(dryRun);
      if (targetSize != null) {
        op.targetManifestSize(parseSize(targetSize, "--target-size"));
      }
      return print(spec.commandLine().getOut(), op.run());
    }
  }
}
