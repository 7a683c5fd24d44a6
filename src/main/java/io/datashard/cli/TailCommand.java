package io.datashard.cli;

import io.datashard.ChangeBatch;
import io.datashard.ChangeConsumer;
import io.datashard.Table;
import io.datashard.Types;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "tail",
    description =
        "Print the changes after a named consumer's cursor and move the cursor past them; with"
            + " --follow, keep printing new changes as commits land.")
final class TailCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "DIR",
      description = "The table directory, or an s3://bucket/prefix location.")
  Path dir;

  @Option(
      names = "--consumer",
      paramLabel = "NAME",
      description =
          "The consumer whose cursor to read from and move (kept in the table as tag"
              + " consumer/NAME; a new one starts from an empty table).")
  String consumer;

  @Option(
      names = "--follow",
      description = "Keep running: print each new commit's changes as it lands (Ctrl-C to stop).")
  boolean follow;

  @Option(
      names = "--follow-seconds",
      paramLabel = "N",
      description = "With --follow, stop after N seconds (default: run until stopped).")
  Double followSeconds;

  @Option(
      names = "--key",
      split = ",",
      paramLabel = "COL[,COL]",
      description = "Columns that identify a row, for UPDATE_BEFORE / UPDATE_AFTER (see changes).")
  List<String> key;

  @Option(
      names = "--format",
      defaultValue = "jsonl",
      description = "jsonl or csv (default: ${DEFAULT-VALUE}).")
  ScanCommand.Format format;

  @Option(names = "--list", description = "List the table's consumers and their positions.")
  boolean list;

  @Option(names = "--drop", description = "Remove the consumer's cursor instead of reading.")
  boolean drop;

  @Mixin Common common;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Table table = common.open(dir);
    PrintWriter out = spec.commandLine().getOut();
    if (list) {
      for (String name : table.consumers()) {
        out.println(
            name
                + " "
                + table
                    .consumer(name)
                    .position()
                    .map(s -> Long.toString(s.snapshotId()))
                    .orElse("-"));
      }
      return 0;
    }
    if (consumer == null) {
      throw new CliException("tail needs --consumer NAME (or --list to see the consumers).");
    }
    ChangeConsumer c = table.consumer(consumer);
    if (drop) {
      c.drop();
      out.println("dropped consumer " + consumer);
      return 0;
    }
    if (format == ScanCommand.Format.table) {
      throw new CliException("tail prints jsonl or csv; --format table needs all rows at once.");
    }
    if (key != null) {
      c.key(key.toArray(String[]::new));
    }
    long end =
        followSeconds == null
            ? Long.MAX_VALUE
            : System.nanoTime() + (long) (followSeconds * 1_000_000_000L);
    boolean header = true;
    do {
      long left = end - System.nanoTime();
      ChangeBatch b =
          follow
              ? c.follow(Duration.ofNanos(Math.min(left, Duration.ofSeconds(5).toNanos())))
              : c.poll();
      if (b.isEmpty()) {
        continue;
      }
      if (!b.rows().isEmpty()) {
        // the columns of the batch's own rows: no second plan of the changes per batch
        List<String> names = new ArrayList<>();
        for (Types.NestedField f : b.rows().get(0).type().fields()) {
          names.add(f.name());
        }
        Render.rows(out, format, names, b.rows().iterator(), Long.MAX_VALUE, header);
        header = false;
        out.flush();
      }
      c.commit(b);
    } while (follow && System.nanoTime() < end);
    return 0;
  }
}
