package io.datashard.cli;

import io.datashard.Snapshot;
import io.datashard.Table;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Commands that change rows: delete, overwrite and upsert (copy-on-write, one commit each). */
final class RowChangeCommands {
  private RowChangeCommands() {}

  private static List<Object> records(String file) throws IOException {
    List<Object> records = AppendCommand.readJsonLines(file, new ArrayList<>());
    if (records.isEmpty()) {
      throw new CliException(
          "No records in " + file + ": the file has no JSON objects, so nothing was committed");
    }
    return records;
  }

  private static void print(picocli.CommandLine.Model.CommandSpec spec, Optional<Snapshot> s) {
    if (s.isEmpty()) {
      spec.commandLine().getOut().println("No row matched; nothing was committed.");
      return;
    }
    spec.commandLine().getOut().println(s.get().snapshotId() + " (" + rowsChanged(s.get()) + ")");
  }

  /**
   * What a delete, overwrite or upsert did to the user's rows, then what it cost: "replaced 1,
   * inserted 0; rewrote 2 unchanged rows".
   */
  static String rowsChanged(Snapshot s) {
    Map<String, String> m = s.summary();
    List<String> parts = new ArrayList<>();
    String replaced = m.get("datashard.rows-replaced");
    String removed = m.getOrDefault("datashard.rows-removed", "0");
    if (replaced != null) {
      // keys repeated in the table: more rows went than records replaced them
      parts.add(
          "replaced "
              + replaced
              + (replaced.equals(removed) ? "" : " keys (" + removed + " rows)"));
    } else {
      parts.add("deleted " + removed);
    }
    String inserted = m.get("datashard.rows-inserted");
    if (inserted != null && (replaced != null || !"0".equals(inserted))) {
      parts.add("inserted " + inserted);
    }
    String out = String.join(", ", parts);
    String rewritten = m.getOrDefault("datashard.rows-rewritten", "0");
    if (!"0".equals(rewritten)) {
      out += "; rewrote " + rewritten + " unchanged row" + ("1".equals(rewritten) ? "" : "s");
    }
    return out;
  }

  @Command(
      name = "delete",
      description =
          "Delete the rows a filter matches, in one commit; prints the new snapshot "
              + "id and the rows deleted.")
  static final class Delete implements Callable<Integer> {
    @Parameters(
        index = "0",
        paramLabel = "DIR",
        description = "The table directory, or an s3://bucket/prefix location.")
    Path dir;

    @Option(
        names = "--filter",
        required = true,
        paramLabel = "EXPR",
        description =
            "The rows to delete, e.g. \"score < 0.1 and tag = 'x'\" ('true' for all rows).")
    String filter;

    @Mixin Common common;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      Table table = common.open(dir);
      print(spec, table.newDelete().where(filter).commit());
      return 0;
    }
  }

  @Command(
      name = "overwrite",
      description =
          "Replace the rows a filter matches with the records of a JSON-lines "
              + "file, in one commit; prints the new snapshot id, rows deleted and inserted.")
  static final class Overwrite implements Callable<Integer> {
    @Parameters(
        index = "0",
        paramLabel = "DIR",
        description = "The table directory, or an s3://bucket/prefix location.")
    Path dir;

    @Option(
        names = "--filter",
        required = true,
        paramLabel = "EXPR",
        description = "The rows to replace.")
    String filter;

    @Option(
        names = "--file",
        required = true,
        paramLabel = "F",
        description = "JSON lines, one object per line ('-' for standard input).")
    String file;

    @Mixin Common common;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      Table table = common.open(dir);
      List<Object> records = records(file);
      print(spec, table.newOverwrite().where(filter).addAll(records).commit());
      return 0;
    }
  }

  @Command(
      name = "upsert",
      description =
          "Update the rows whose key matches a record of a JSON-lines file and "
              + "insert the other records, in one commit; prints the new snapshot id, rows deleted and inserted.")
  static final class Upsert implements Callable<Integer> {
    @Parameters(
        index = "0",
        paramLabel = "DIR",
        description = "The table directory, or an s3://bucket/prefix location.")
    Path dir;

    @Option(
        names = "--key",
        required = true,
        split = ",",
        paramLabel = "COL[,COL]",
        description = "The key columns that identify a row.")
    List<String> key;

    @Option(
        names = "--file",
        required = true,
        paramLabel = "F",
        description =
            "JSON lines, one object per line ('-' for standard input); each key at most once.")
    String file;

    @Mixin Common common;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      Table table = common.open(dir);
      List<Object> records = records(file);
      Snapshot s = table.newUpsert().key(key.toArray(new String[0])).addAll(records).commit();
      print(spec, Optional.of(s));
      return 0;
    }
  }
}
