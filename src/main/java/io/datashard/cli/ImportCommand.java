package io.datashard.cli;

import io.datashard.DataFile;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.StreamingAppend;
import io.datashard.Table;
import io.datashard.TableOptions;
import io.datashard.ValidationException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code datashard import}: many files into one atomic commit, streamed. */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = {
      "Import JSON-lines (*.jsonl, *.ndjson, *.json), CSV (*.csv, with a header row) and Parquet (*.parquet) "
          + "files into a table in ONE commit: every row of every file becomes visible at once, or none does.",
      "Rows are streamed into data files of at most --rows-per-file rows, so memory stays bounded however large "
          + "the input. Columns are matched by name and values read as the table's column types; a table "
          + "without a schema takes a Parquet file's schema, or one inferred from the first "
          + ImportCommand.SAMPLE
          + " records. A bad line stops the import, naming the file and line, and nothing is committed.",
      "Prints the new snapshot id; a summary and progress go to standard error."
    },
    footer = {
      "",
      "Exit codes: 0 imported, 1 bad input or table error (nothing committed), 2 bad command line."
    })
final class ImportCommand implements Callable<Integer> {
  static final int SAMPLE = 1000;

  /** Rows held in memory at a time when importing into a partitioned table. */
  static final long PARTITIONED_CHUNK = 100_000;

  @Parameters(
      index = "0",
      paramLabel = "DIR",
      description = "The table directory, or an s3://bucket/prefix location.")
  Path dir;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "FILE", description = "Input files.")
  List<Path> files;

  @Option(
      names = "--rows-per-file",
      defaultValue = "1000000",
      paramLabel = "N",
      description = "Rows per data file written (default: ${DEFAULT-VALUE}).")
  long rowsPerFile;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress or summary on standard error.")
  boolean quiet;

  @Mixin Common common;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    if (rowsPerFile < 1) {
      throw new CliException("--rows-per-file must be at least 1");
    }
    long totalBytes = 0;
    for (Path f : files) {
      if (!Files.isRegularFile(f)) {
        throw new ValidationException(
            "Input file "
                + f
                + " does not exist or is not a file: check the path. "
                + "Nothing was committed.");
      }
      RecordSource.Format.of(f);
      totalBytes += Files.size(f);
    }
    Table table =
        Common.table(dir).options(TableOptions.defaults().withDurable(!common.noFsync)).open();
    PrintWriter err = spec.commandLine().getErr();
    long started = System.nanoTime();
    Snapshot s;
    long rows;
    int dataFiles;
    long bytes = 0;
    try (Progress progress = Progress.start("import", totalBytes, Progress.Unit.BYTES, err, quiet);
        Inputs inputs = new Inputs(files, progress);
        StreamingAppend bulk = table.newStreamingAppend()) {
      if (bulk.needsSchema()) {
        List<Object> sample = new ArrayList<>();
        List<String> where = new ArrayList<>();
        while (sample.size() < SAMPLE && inputs.hasNext()) {
          sample.add(inputs.next());
          where.add(inputs.where());
        }
        if (sample.isEmpty()) {
          throw new ValidationException("No records in " + files + ", so nothing was committed");
        }
        try {
          bulk.schema(inputs.firstSchema != null ? inputs.firstSchema : Schema.infer(sample));
        } catch (ValidationException e) {
          throw new ValidationException(
              e.getMessage()
                  + " (The schema was inferred from the first "
                  + sample.size()
                  + " records, up to "
                  + where.get(where.size() - 1)
                  + ".) Nothing was committed.",
              e);
        }
        inputs.pushBack(sample, where);
      }
      inputs.schema = bulk.schema();
      rows = 0;
      // a partitioned table's chunks are held in memory to split them by partition: keep them
      // smaller
      long chunkRows = bulk.partitioned() ? Math.min(rowsPerFile, PARTITIONED_CHUNK) : rowsPerFile;
      while (inputs.hasNext()) {
        Chunk chunk = new Chunk(inputs, bulk.schema(), chunkRows);
        bulk.writeFile(chunk);
        rows += chunk.count;
      }
      if (rows == 0) {
        throw new ValidationException(
            "No records in "
                + (files.size() == 1 ? files.get(0) : files)
                + ", so nothing was committed");
      }
      dataFiles = bulk.files().size();
      for (DataFile f : bulk.files()) {
        bytes += f.fileSizeInBytes();
      }
      s = bulk.summary("datashard.import-files", Integer.toString(files.size())).commit();
    }
    spec.commandLine().getOut().println(s.snapshotId());
    if (!quiet) {
      double seconds = (System.nanoTime() - started) / 1e9;
      err.printf(
          "Imported %s rows from %d file%s into %d data file%s (%s) in one commit, in %.1f s%n",
          Progress.count(rows),
          files.size(),
          files.size() == 1 ? "" : "s",
          dataFiles,
          dataFiles == 1 ? "" : "s",
          Progress.bytes(bytes),
          seconds);
      err.flush();
    }
    return 0;
  }

  /** The records of all input files one after the other, each with where it came from. */
  static final class Inputs implements AutoCloseable {
    private final Iterator<Path> paths;
    private final Progress progress;
    private final Deque<Object> pushed = new ArrayDeque<>();
    private final Deque<String> pushedWhere = new ArrayDeque<>();
    private RecordSource current;
    private long closedBytes;
    private Object next;
    private String nextWhere;
    private String where;
    private long n;
    Schema schema;

    /**
     * The schema the first input file defines, if its format defines one (CSV without a table
     * schema).
     */
    Schema firstSchema;

    private boolean first = true;

    Inputs(List<Path> files, Progress progress) {
      this.paths = files.iterator();
      this.progress = progress;
    }

    void pushBack(List<Object> records, List<String> wheres) {
      for (int i = records.size() - 1; i >= 0; i--) {
        pushed.addFirst(records.get(i));
        pushedWhere.addFirst(wheres.get(i));
      }
    }

    boolean hasNext() {
      if (next != null || !pushed.isEmpty()) {
        return true;
      }
      try {
        while (true) {
          if (current == null) {
            if (!paths.hasNext()) {
              return false;
            }
            current = RecordSource.open(paths.next(), schema);
            if (first) {
              first = false;
              if (schema == null && current.schema() != null) {
                // the table has no schema and the first file defines one: read the other files in
                // it too
                firstSchema = current.schema();
                schema = firstSchema;
              }
            }
          }
          Object r = current.next();
          if (r != null) {
            next = r;
            nextWhere = current.where();
            if ((++n & 255) == 0) {
              progress.update(closedBytes + current.bytesRead());
            }
            return true;
          }
          closedBytes += current.bytesRead();
          current.close();
          current = null;
          progress.update(closedBytes);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(
            "Reading the input failed: " + e + ". Nothing was committed.", e);
      }
    }

    Object next() {
      if (!pushed.isEmpty()) {
        where = pushedWhere.removeFirst();
        return pushed.removeFirst();
      }
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Object r = next;
      where = nextWhere;
      next = null;
      return r;
    }

    /** Where the record last returned by {@link #next()} came from. */
    String where() {
      return where;
    }

    @Override
    public void close() throws IOException {
      if (current != null) {
        current.close();
        current = null;
      }
    }
  }

  private static final Pattern RECORD = Pattern.compile("\\b[Rr]ecord \\d+\\b");

  /** Up to {@code max} rows converted to the table schema: the rows of one data file. */
  static final class Chunk implements Iterator<Row> {
    private final Inputs inputs;
    private final Schema schema;
    private final long max;
    long count;

    Chunk(Inputs inputs, Schema schema, long max) {
      this.inputs = inputs;
      this.schema = schema;
      this.max = max;
    }

    @Override
    public boolean hasNext() {
      return count < max && inputs.hasNext();
    }

    @Override
    public Row next() {
      Object r = inputs.next();
      try {
        Row row = schema.toRow(r);
        count++;
        return row;
      } catch (ValidationException e) {
        Matcher m = RECORD.matcher(e.getMessage());
        String msg =
            m.find()
                ? e.getMessage().substring(0, m.start())
                    + inputs.where()
                    + e.getMessage().substring(m.end())
                : inputs.where() + ": " + e.getMessage();
        throw new ValidationException(msg + " Nothing was committed.", e);
      }
    }
  }
}
