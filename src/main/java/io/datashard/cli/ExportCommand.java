package io.datashard.cli;

import io.datashard.CloseableIterator;
import io.datashard.ParquetFile;
import io.datashard.Row;
import io.datashard.Scan;
import io.datashard.Schema;
import io.datashard.Table;
import io.datashard.Types;
import io.datashard.ValidationException;
import io.datashard.storage.LocalStorage;
import io.datashard.storage.Storage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code datashard export}: the rows of a snapshot into one Parquet, CSV or JSON-lines file,
 * streamed.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Write the rows of a table (current, or as of a snapshot or time) to one file: Parquet (*.parquet, zstd, "
          + "with the table's field ids), CSV (*.csv, with a header row; nested values as JSON, binary as base64) "
          + "or JSON lines (*.jsonl, *.ndjson, *.json). Rows are streamed, one data file at a time; --filter "
          + "keeps only matching rows.",
      "The file appears complete or not at all; an existing file is never replaced."
    },
    footer = {"", "Exit codes: 0 written, 1 table error or the output exists, 2 bad command line."})
final class ExportCommand implements Callable<Integer> {
  enum Format {
    parquet,
    csv,
    jsonl
  }

  @Parameters(
      index = "0",
      paramLabel = "DIR",
      description = "The table directory, or an s3://bucket/prefix location.")
  Path dir;

  @Option(
      names = "--to",
      required = true,
      paramLabel = "FILE",
      description = "The file to write (must not exist).")
  Path to;

  @Option(
      names = "--format",
      paramLabel = "F",
      description = "parquet, csv or jsonl (default: from the file name).")
  Format format;

  @ArgGroup(exclusive = true)
  ScanCommand.Version version = new ScanCommand.Version();

  @Option(
      names = "--columns",
      split = ",",
      paramLabel = "A,B",
      description = "Columns to write, in order.")
  List<String> columns;

  @Option(
      names = "--filter",
      paramLabel = "EXPR",
      description =
          "Write only rows for which EXPR is true (the "
              + "syntax of 'scan --filter', e.g. \"score > 0.5 and tag = 'x'\").")
  String filter;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress or summary on standard error.")
  boolean quiet;

  @Mixin Common common;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  static Format formatOf(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".parquet")) {
      return Format.parquet;
    }
    if (name.endsWith(".csv")) {
      return Format.csv;
    }
    if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) {
      return Format.jsonl;
    }
    throw new CliException(
        "Cannot tell the format to write from the name "
            + file
            + ": end it in .parquet, "
            + ".csv or .jsonl, or give --format.");
  }

  @Override
  public Integer call() throws IOException {
    Format f = format != null ? format : formatOf(to);
    if (Files.exists(to)) {
      throw new ValidationException(
          "Output file "
              + to
              + " already exists: export never replaces a "
              + "file. Remove it or choose another name.");
    }
    Table table = common.open(dir);
    Scan scan = version.apply(table.scan());
    if (filter != null) {
      scan.filter(filter);
    }
    if (columns != null) {
      scan.select(columns);
    }
    Schema schema = scan.schema();
    List<String> names = new ArrayList<>();
    for (Types.NestedField field : schema.columns()) {
      names.add(field.name());
    }
    // without a filter the manifests give the row count; with one it is unknown until the end
    long total = filter == null ? scan.count() : 0;
    PrintWriter err = spec.commandLine().getErr();
    Storage storage = new LocalStorage(!common.noFsync);
    String location = to.toAbsolutePath().toString();
    long started = System.nanoTime();
    long rows;
    long length;
    try (Progress progress = Progress.start("export", total, Progress.Unit.ROWS, err, quiet);
        CloseableIterator<Row> it = scan.iterator()) {
      Counted counted = new Counted(it, progress);
      if (f == Format.parquet) {
        length = ParquetFile.write(storage, location, schema, counted);
      } else {
        try (Storage.PendingFile pending = storage.create(location)) {
          Writer w =
              new BufferedWriter(
                  new OutputStreamWriter(pending.stream(), StandardCharsets.UTF_8), 1 << 16);
          if (f == Format.csv) {
            w.write(Render.csvLine(names));
            w.write('\n');
          }
          List<String> cells = new ArrayList<>(names.size());
          while (counted.hasNext()) {
            Row r = counted.next();
            if (f == Format.csv) {
              cells.clear();
              for (int i = 0; i < r.size(); i++) {
                cells.add(Render.text(r.get(i)));
              }
              w.write(Render.csvLine(cells));
            } else {
              w.write(Render.jsonLine(names, r));
            }
            w.write('\n');
          }
          w.flush();
          length = pending.publish();
        }
      }
      rows = counted.count;
    } catch (FileAlreadyExistsException e) {
      throw new ValidationException(
          "Output file "
              + to
              + " appeared while exporting: export never "
              + "replaces a file. Remove it or choose another name.",
          e);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Writing "
              + to
              + " failed: "
              + e
              + ". No output file was left behind; check "
              + "free disk space and permissions.",
          e);
    }
    if (!quiet) {
      err.printf(
          "Exported %s rows to %s (%s, %s) in %.1f s%n",
          Progress.count(rows), to, f, Progress.bytes(length), (System.nanoTime() - started) / 1e9);
      err.flush();
    }
    return 0;
  }

  /** Counts the rows passing through and reports progress. */
  private static final class Counted implements Iterator<Row> {
    private final Iterator<Row> it;
    private final Progress progress;
    long count;

    Counted(Iterator<Row> it, Progress progress) {
      this.it = it;
      this.progress = progress;
    }

    @Override
    public boolean hasNext() {
      return it.hasNext();
    }

    @Override
    public Row next() {
      Row r = it.next();
      if ((++count & 1023) == 0) {
        progress.update(count);
      }
      return r;
    }
  }
}
