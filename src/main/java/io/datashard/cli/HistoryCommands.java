package io.datashard.cli;

import io.datashard.DataFile;
import io.datashard.Ref;
import io.datashard.RefChange;
import io.datashard.Rollback;
import io.datashard.Snapshot;
import io.datashard.SnapshotDiff;
import io.datashard.Table;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The history commands: rollback, tag, branch, diff. */
final class HistoryCommands {
  private HistoryCommands() {}

  enum Format {
    text,
    json
  }

  @Command(
      name = "rollback",
      description =
          "Give the table the data of an earlier snapshot, as a new commit "
              + "(history kept). Fails if another process commits meanwhile, unless --force. Prints the new snapshot id.")
  static final class RollbackCommand implements Callable<Integer> {
    @Parameters(
        index = "0",
        paramLabel = "DIR",
        description = "The table directory, or an s3://bucket/prefix location.")
    Path dir;

    @Option(
        names = "--to",
        required = true,
        paramLabel = "ID",
        description = "The snapshot whose data to restore.")
    long to;

    @Option(
        names = "--expect-current",
        paramLabel = "ID",
        description =
            "Commit only if this is still the "
                + "current snapshot (default: the one current when the command starts).")
    Long expectCurrent;

    @Option(
        names = "--force",
        description =
            "Roll back even if other commits landed meanwhile (their rows are " + "discarded too).")
    boolean force;

    @Mixin Common common;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      Table table = common.open(dir);
      Rollback r = table.rollback().toSnapshot(to);
      if (expectCurrent != null) {
        r.expectCurrent(expectCurrent);
      }
      if (force) {
        r.force();
      }
      Snapshot s = r.commit();
      spec.commandLine().getOut().println(s.snapshotId());
      return 0;
    }
  }

  /** What tag and branch share. */
  abstract static class RefCommand implements Callable<Integer> {
    @Parameters(
        index = "0",
        paramLabel = "DIR",
        description = "The table directory, or an s3://bucket/prefix location.")
    Path dir;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "The ref's name.")
    String name;

    @Option(
        names = "--snapshot",
        paramLabel = "ID",
        description = "Point at this snapshot (default: the current one).")
    Long snapshot;

    @Option(
        names = "--replace",
        description = "Move the ref if it exists (default: fail if it exists).")
    boolean replace;

    @Option(names = "--delete", description = "Remove the ref.")
    boolean delete;

    @Option(
        names = "--list",
        description = "List the refs of this kind (JSON lines with --format json).")
    boolean list;

    @Option(
        names = "--max-ref-age",
        paramLabel = "DURATION",
        description =
            "Remove the ref once its snapshot is " + "older than this (e.g. 30d; default: never).")
    String maxRefAge;

    @Option(
        names = "--format",
        defaultValue = "text",
        description = "text or json (default: ${DEFAULT-VALUE}).")
    Format format;

    @Mixin Common common;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    abstract boolean branch();

    abstract RefChange change(Table table, String name);

    @Override
    public Integer call() {
      String kind = branch() ? "branch" : "tag";
      PrintWriter out = spec.commandLine().getOut();
      Table table = common.open(dir);
      if (list) {
        if (name != null || delete || replace || snapshot != null) {
          throw new CliException(
              "--list takes no "
                  + kind
                  + " name and no other option: run 'datashard "
                  + kind
                  + " DIR --list'");
        }
        for (Ref r : table.refs().values()) {
          if (r.isBranch() == branch()) {
            print(out, r, null);
          }
        }
        return 0;
      }
      if (name == null) {
        throw new CliException(
            "Missing the "
                + kind
                + " name: run 'datashard "
                + kind
                + " DIR NAME [--snapshot ID]', "
                + "or 'datashard "
                + kind
                + " DIR --list' to list them");
      }
      if (delete) {
        if (replace || snapshot != null) {
          throw new CliException(
              "--delete takes no --snapshot or --replace: run 'datashard "
                  + kind
                  + " DIR "
                  + name
                  + " --delete'");
        }
        print(out, change(table, name).remove(), "removed");
        return 0;
      }
      RefChange c = change(table, name);
      if (snapshot != null) {
        c.snapshot(snapshot);
      }
      if (maxRefAge != null) {
        c.maxRefAge(MaintenanceCommands.parseDuration(maxRefAge, "--max-ref-age"));
      }
      configure(c);
      print(out, replace ? c.replace() : c.create(), null);
      return 0;
    }

    void configure(RefChange c) {}

    private void print(PrintWriter out, Ref r, String action) {
      if (format == Format.json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", r.name());
        m.put("type", r.type());
        m.put("snapshot_id", r.snapshotId());
        r.minSnapshotsToKeep().ifPresent(v -> m.put("min_snapshots_to_keep", v));
        r.maxSnapshotAge().ifPresent(v -> m.put("max_snapshot_age_ms", v.toMillis()));
        r.maxRefAge().ifPresent(v -> m.put("max_ref_age_ms", v.toMillis()));
        if (action != null) {
          m.put("action", action);
        }
        out.println(Render.json(m));
      } else {
        out.println(
            (action == null ? "" : action + " ")
                + r.type()
                + " "
                + r.name()
                + " "
                + r.snapshotId());
      }
    }
  }

  @Command(
      name = "tag",
      description =
          "Create (or with --replace move) a tag naming a snapshot; --delete removes "
              + "it, --list lists tags. A tag keeps its snapshot from expiring.")
  static final class TagCommand extends RefCommand {
    @Override
    boolean branch() {
      return false;
    }

    @Override
    RefChange change(Table table, String name) {
      return table.tag(name);
    }
  }

  @Command(
      name = "branch",
      description =
          "Create (or with --replace move) a branch starting at a snapshot; "
              + "--delete removes it, --list lists branches. Append to it with 'append --branch NAME', read it with "
              + "'scan --ref NAME'.")
  static final class BranchCommand extends RefCommand {
    @Option(
        names = "--min-snapshots-to-keep",
        paramLabel = "N",
        description = "Keep this many of the branch's " + "snapshots through expiry.")
    Integer minSnapshotsToKeep;

    @Option(
        names = "--max-snapshot-age",
        paramLabel = "DURATION",
        description = "Keep the branch's snapshots " + "younger than this through expiry.")
    String maxSnapshotAge;

    @Override
    boolean branch() {
      return true;
    }

    @Override
    RefChange change(Table table, String name) {
      return table.branch(name);
    }

    @Override
    void configure(RefChange c) {
      if (minSnapshotsToKeep != null) {
        c.minSnapshotsToKeep(minSnapshotsToKeep);
      }
      if (maxSnapshotAge != null) {
        c.maxSnapshotAge(MaintenanceCommands.parseDuration(maxSnapshotAge, "--max-snapshot-age"));
      }
    }
  }

  @Command(
      name = "diff",
      description =
          "List the data files, and their row counts, added and removed between two "
              + "snapshots (ids or branch/tag names).")
  static final class DiffCommand implements Callable<Integer> {
    @Parameters(
        index = "0",
        paramLabel = "DIR",
        description = "The table directory, or an s3://bucket/prefix location.")
    Path dir;

    @Option(
        names = "--from",
        required = true,
        paramLabel = "ID|REF",
        description = "The earlier snapshot.")
    String from;

    @Option(
        names = "--to",
        paramLabel = "ID|REF",
        description = "The later snapshot (default: the current one).")
    String to;

    @Option(
        names = "--format",
        defaultValue = "text",
        description = "text or json (default: ${DEFAULT-VALUE}).")
    Format format;

    @Mixin Common common;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      Table table = common.open(dir);
      long fromId = resolve(table, from, "--from");
      long toId = to == null ? resolve(table, "main", "--to") : resolve(table, to, "--to");
      SnapshotDiff d = table.diff(fromId, toId);
      PrintWriter out = spec.commandLine().getOut();
      if (format == Format.json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("from", d.from());
        m.put("to", d.to());
        m.put("added_files", d.addedFiles().size());
        m.put("added_records", d.addedRecords());
        m.put("removed_files", d.removedFiles().size());
        m.put("removed_records", d.removedRecords());
        m.put("added", files(d.addedFiles()));
        m.put("removed", files(d.removedFiles()));
        m.put("added_delete_files", files(d.addedDeleteFiles()));
        m.put("removed_delete_files", files(d.removedDeleteFiles()));
        out.println(Render.json(m));
        return 0;
      }
      out.println("diff " + d.from() + " -> " + d.to());
      for (DataFile f : d.addedFiles()) {
        out.println("+ " + f.path() + " (" + f.recordCount() + " rows)");
      }
      for (DataFile f : d.removedFiles()) {
        out.println("- " + f.path() + " (" + f.recordCount() + " rows)");
      }
      for (DataFile f : d.addedDeleteFiles()) {
        out.println("+ " + f.path() + " (deletes " + f.recordCount() + " rows)");
      }
      for (DataFile f : d.removedDeleteFiles()) {
        out.println("- " + f.path() + " (delete file, " + f.recordCount() + " rows)");
      }
      if (!d.addedDeleteFiles().isEmpty() || !d.removedDeleteFiles().isEmpty()) {
        out.println(
            "delete files: added "
                + d.addedDeleteFiles().size()
                + ", removed "
                + d.removedDeleteFiles().size());
      }
      out.println(
          "added "
              + d.addedFiles().size()
              + " files, "
              + d.addedRecords()
              + " rows; removed "
              + d.removedFiles().size()
              + " files, "
              + d.removedRecords()
              + " rows");
      return 0;
    }

    private static List<Map<String, Object>> files(List<DataFile> files) {
      List<Map<String, Object>> out = new ArrayList<>();
      for (DataFile f : files) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", f.path());
        m.put("records", f.recordCount());
        m.put("size", f.fileSizeInBytes());
        out.add(m);
      }
      return out;
    }

    /** A snapshot id, or the snapshot a branch or tag of that name points to. */
    static long resolve(Table table, String idOrRef, String option) {
      Ref r = table.refs().get(idOrRef);
      if (r != null) {
        return r.snapshotId();
      }
      try {
        return Long.parseLong(idOrRef.trim());
      } catch (NumberFormatException e) {
        throw new CliException(
            "Invalid "
                + option
                + " '"
                + idOrRef
                + "': it is neither a snapshot id nor a branch or "
                + "tag of the table (it has: "
                + String.join(", ", table.refs().keySet())
                + "). List snapshots with "
                + "'datashard snapshots DIR' and refs with 'datashard tag DIR --list'.");
      }
    }
  }
}
