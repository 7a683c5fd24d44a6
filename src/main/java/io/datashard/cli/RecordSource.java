package io.datashard.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.datashard.CloseableIterator;
import io.datashard.CorruptTableException;
import io.datashard.ParquetFile;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.ValidationException;
import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The records of one input file of {@code datashard import}, read one at a time (never the whole
 * file). Each input format is one implementation, chosen by the file name's extension in {@link
 * #open}; a new format is one more case there.
 */
interface RecordSource extends AutoCloseable {
  /**
   * The next record (a {@code Map} of column name to value, or a {@link Row}), or null at the end.
   */
  Object next() throws IOException;

  /** Where the record last returned by {@link #next()} is, for errors: "line 7 of a.csv". */
  String where();

  /**
   * The schema the file itself defines (CSV typed from its first rows), or null: then it is
   * inferred from records.
   */
  default Schema schema() {
    return null;
  }

  /**
   * How many bytes of the file were consumed so far (an estimate for binary formats), for progress.
   */
  long bytesRead();

  @Override
  void close() throws IOException;

  /** Input formats by file name extension. */
  enum Format {
    JSONL,
    CSV,
    PARQUET;

    static Format of(Path file) {
      String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
      if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) {
        return JSONL;
      }
      if (name.endsWith(".csv")) {
        return CSV;
      }
      if (name.endsWith(".parquet")) {
        return PARQUET;
      }
      throw new ValidationException(
          "Cannot tell the format of "
              + file
              + " from its name: name JSON-lines files "
              + "*.jsonl (or *.ndjson, *.json), CSV files *.csv (with a header row) and Parquet files *.parquet.");
    }
  }

  /**
   * Opens one input file. {@code schema} is the table's schema, or null when the table has none yet
   * (then values keep the types the file gives them, and CSV cells are typed by looking at the
   * first rows).
   */
  static RecordSource open(Path file, Schema schema) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new ValidationException(
          "Input file "
              + file
              + " does not exist or is not a file: check the path. Nothing "
              + "was committed.");
    }
    switch (Format.of(file)) {
      case JSONL:
        return new JsonLines(file);
      case CSV:
        return new Csv(file, schema);
      default:
        return new Parquet(file);
    }
  }

  /** An input stream that counts the bytes read through it. */
  final class Counting extends FilterInputStream {
    long count;

    Counting(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }
  }

  /** A strict UTF-8 reader over a counting stream. */
  static BufferedReader reader(Counting in) {
    return new BufferedReader(
        new InputStreamReader(
            in,
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)),
        1 << 16);
  }

  /** JSON lines: one object per line; blank lines are skipped. */
  final class JsonLines implements RecordSource {
    private final Path file;
    private final Counting counting;
    private final BufferedReader in;
    private int line;

    JsonLines(Path file) throws IOException {
      this.file = file;
      this.counting = new Counting(Files.newInputStream(file));
      this.in = reader(counting);
    }

    @Override
    public Object next() throws IOException {
      String text;
      do {
        text = readLine(in, file, line + 1);
        if (text == null) {
          return null;
        }
        line++;
      } while (text.isBlank());
      Object v;
      try {
        v = AppendCommand.JSON.readValue(text, Object.class);
      } catch (JsonProcessingException e) {
        throw new ValidationException(
            "Line "
                + line
                + " of "
                + file
                + " is not valid JSON ("
                + e.getOriginalMessage()
                + "). Nothing was committed; fix the line and run the import again.");
      }
      if (!(v instanceof Map)) {
        throw new ValidationException(
            "Line "
                + line
                + " of "
                + file
                + " is not a JSON object: each line must be "
                + "one record like {\"id\": 1}. Nothing was committed.");
      }
      return v;
    }

    @Override
    public String where() {
      return "line " + line + " of " + file;
    }

    @Override
    public long bytesRead() {
      return counting.count;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  static String readLine(BufferedReader in, Path file, int lineNumber) throws IOException {
    try {
      return in.readLine();
    } catch (CharacterCodingException e) {
      throw new ValidationException(
          "Line "
              + lineNumber
              + " of "
              + file
              + " is not valid UTF-8 text. Nothing was "
              + "committed; convert the file to UTF-8.");
    }
  }

  /**
   * CSV (RFC 4180): a header row naming the columns, then one record per row; fields may be quoted
   * with {@code "} (doubled inside), and quoted fields may span lines. An empty field is null. With
   * a table schema, each cell is read as its column's type (nested types as JSON, binary as base64,
   * as {@code datashard export} writes them); without one, a column whose cells in the first
   * {@value #SAMPLE} rows all read as integers is long, as numbers double, as true/false boolean,
   * and string otherwise.
   */
  final class Csv implements RecordSource {
    static final int SAMPLE = 1000;
    private final Path file;
    private final Counting counting;
    private final BufferedReader in;
    private final List<String> header;
    private final Type[] types;
    private final List<List<String>> buffered = new ArrayList<>();
    private final List<Integer> bufferedLines = new ArrayList<>();
    private int physicalLine;
    private int recordLine;

    Csv(Path file, Schema schema) throws IOException {
      this.file = file;
      this.counting = new Counting(Files.newInputStream(file));
      this.in = reader(counting);
      List<String> h = readRecord();
      if (h == null) {
        in.close();
        throw new ValidationException(
            "CSV file "
                + file
                + " is empty: it needs a header row naming the columns. "
                + "Nothing was committed.");
      }
      if (!h.isEmpty() && h.get(0).startsWith("\uFEFF")) {
        h.set(0, h.get(0).substring(1)); // a byte order mark, as spreadsheet programs write
      }
      this.header = h;
      this.types = new Type[h.size()];
      for (int i = 0; i < h.size(); i++) {
        String name = h.get(i).strip();
        h.set(i, name);
        if (name.isEmpty()) {
          in.close();
          throw new ValidationException(
              "Column "
                  + (i + 1)
                  + " of the header row of "
                  + file
                  + " has no name. "
                  + "Nothing was committed; name every column.");
        }
        if (schema != null) {
          Types.NestedField f = schema.asStruct().field(name);
          if (f == null) {
            in.close();
            throw new ValidationException(
                "Unknown column '"
                    + name
                    + "' in the header row of "
                    + file
                    + ": the table has columns "
                    + names(schema)
                    + ". Rename or remove that column. Nothing was "
                    + "committed.");
          }
          types[i] = f.type();
        }
      }
      if (schema == null) {
        inferTypes();
      }
    }

    private static List<String> names(Schema schema) {
      List<String> n = new ArrayList<>();
      schema.columns().forEach(f -> n.add(f.name()));
      return n;
    }

    private Schema inferred;

    @Override
    public Schema schema() {
      return inferred;
    }

    private void inferTypes() throws IOException {
      boolean[] notLong = new boolean[header.size()];
      boolean[] notDouble = new boolean[header.size()];
      boolean[] notBoolean = new boolean[header.size()];
      boolean[] seen = new boolean[header.size()];
      while (buffered.size() < SAMPLE) {
        List<String> r = readRecord();
        if (r == null) {
          break;
        }
        buffered.add(r);
        bufferedLines.add(recordLine);
        for (int i = 0; i < Math.min(r.size(), header.size()); i++) {
          String c = r.get(i);
          if (c.isEmpty()) {
            continue;
          }
          seen[i] = true;
          notLong[i] |= !c.matches("[+-]?\\d{1,18}");
          notDouble[i] |= !isDouble(c);
          notBoolean[i] |= !(c.equalsIgnoreCase("true") || c.equalsIgnoreCase("false"));
        }
      }
      for (int i = 0; i < types.length; i++) {
        types[i] =
            !seen[i]
                ? Types.STRING
                : !notLong[i]
                    ? Types.LONG
                    : !notDouble[i] ? Types.DOUBLE : !notBoolean[i] ? Types.BOOLEAN : Types.STRING;
      }
      Schema.Builder b = Schema.builder();
      for (int i = 0; i < types.length; i++) {
        b.optional(header.get(i), types[i]);
      }
      inferred = b.build();
    }

    private static boolean isDouble(String s) {
      return s.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    }

    /** One CSV record (fields), or null at the end; sets {@link #recordLine}. */
    private List<String> readRecord() throws IOException {
      String text = readLine(in, file, physicalLine + 1);
      if (text == null) {
        return null;
      }
      physicalLine++;
      recordLine = physicalLine;
      List<String> fields = new ArrayList<>();
      StringBuilder cell = new StringBuilder();
      boolean quoted = false;
      boolean wasQuoted = false;
      int i = 0;
      while (true) {
        if (i >= text.length()) {
          if (quoted) {
            String more = readLine(in, file, physicalLine + 1);
            if (more == null) {
              throw new ValidationException(
                  "Line "
                      + recordLine
                      + " of "
                      + file
                      + " opens a quoted field that "
                      + "never closes. Nothing was committed; close the quote.");
            }
            physicalLine++;
            cell.append('\n');
            text = more;
            i = 0;
            continue;
          }
          break;
        }
        char c = text.charAt(i++);
        if (quoted) {
          if (c == '"') {
            if (i < text.length() && text.charAt(i) == '"') {
              cell.append('"');
              i++;
            } else {
              quoted = false;
            }
          } else {
            cell.append(c);
          }
        } else if (c == ',') {
          fields.add(wasQuoted || cell.length() > 0 ? cell.toString() : "");
          cell.setLength(0);
          wasQuoted = false;
        } else if (c == '"' && cell.length() == 0 && !wasQuoted) {
          quoted = true;
          wasQuoted = true;
        } else if (c == '\r' && i == text.length()) {
          // a CRLF line end
        } else {
          cell.append(c);
        }
      }
      fields.add(cell.toString());
      return fields;
    }

    @Override
    public Object next() throws IOException {
      List<String> r;
      if (!buffered.isEmpty()) {
        r = buffered.remove(0);
        recordLine = bufferedLines.remove(0);
      } else {
        do {
          r = readRecord();
          if (r == null) {
            return null;
          }
        } while (r.size() == 1 && r.get(0).isEmpty());
      }
      if (r.size() != header.size()) {
        throw new ValidationException(
            "Line "
                + recordLine
                + " of "
                + file
                + " has "
                + r.size()
                + " field"
                + (r.size() == 1 ? "" : "s")
                + " but the header row names "
                + header.size()
                + ". Nothing was "
                + "committed; fix the line (quote fields that hold commas).");
      }
      Map<String, Object> m = new LinkedHashMap<>();
      for (int i = 0; i < r.size(); i++) {
        String c = r.get(i);
        m.put(header.get(i), c.isEmpty() ? null : cell(types[i], c, header.get(i)));
      }
      return m;
    }

    private Object cell(Type type, String c, String column) {
      try {
        switch (type.typeId()) {
          case BOOLEAN:
            if (c.equalsIgnoreCase("true") || c.equalsIgnoreCase("false")) {
              return Boolean.parseBoolean(c);
            }
            throw new IllegalArgumentException("write true or false");
          case INTEGER:
          case LONG:
            return Long.parseLong(c.strip());
          case FLOAT:
          case DOUBLE:
            return Double.parseDouble(c.strip());
          case DECIMAL:
            return new BigDecimal(c.strip());
          case BINARY:
          case FIXED:
            return Base64.getDecoder().decode(c.strip());
          case LIST:
          case MAP:
          case STRUCT:
            return AppendCommand.JSON.readValue(c, Object.class);
          default:
            return c;
        }
      } catch (IllegalArgumentException | JsonProcessingException e) {
        String why =
            e instanceof JsonProcessingException
                ? ((JsonProcessingException) e).getOriginalMessage()
                : e.getMessage();
        throw new ValidationException(
            "Line "
                + recordLine
                + " of "
                + file
                + ", column '"
                + column
                + "': cannot "
                + "read '"
                + abbreviate(c)
                + "' as "
                + type
                + " ("
                + why
                + "). Nothing was committed; fix the value.");
      }
    }

    private static String abbreviate(String s) {
      return s.length() > 40 ? s.substring(0, 39) + "…" : s;
    }

    @Override
    public String where() {
      return "line " + recordLine + " of " + file;
    }

    @Override
    public long bytesRead() {
      return counting.count;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  /**
   * A Parquet file (written by anything: pandas, Spark, DuckDB, this table's export), read row by
   * row in its own schema; its columns are then matched to the table's by name, like the fields of
   * a JSON object. A table without a schema takes the file's.
   */
  final class Parquet implements RecordSource {
    private final Path file;
    private final long size;
    private final long rows;
    private final Schema schema;
    private final CloseableIterator<Row> it;
    private long row;

    Parquet(Path file) throws IOException {
      this.file = file;
      this.size = Files.size(file);
      Schema fileSchema;
      try {
        this.rows = ParquetFile.rowCount(file);
        fileSchema = ParquetFile.schema(file);
      } catch (ValidationException e) {
        throw e;
      } catch (IOException | RuntimeException e) {
        throw new ValidationException(
            "Cannot read "
                + file
                + " as Parquet: "
                + e.getMessage()
                + ". Nothing was "
                + "committed.",
            e);
      }
      Schema.Builder b = Schema.builder();
      for (Types.NestedField f : fileSchema.columns()) {
        b.column(f.name(), f.isRequired(), f.type(), f.doc());
      }
      this.schema = b.build();
      try {
        this.it = ParquetFile.read(file, fileSchema);
      } catch (RuntimeException e) {
        throw new ValidationException(
            "Cannot import " + file + ": " + e.getMessage() + " Nothing was committed.", e);
      }
    }

    @Override
    public Schema schema() {
      return schema;
    }

    @Override
    public Object next() {
      try {
        if (!it.hasNext()) {
          return null;
        }
        row++;
        return it.next();
      } catch (UncheckedIOException | CorruptTableException e) {
        throw new ValidationException(
            "Cannot read row "
                + (row + 1)
                + " of "
                + file
                + ": "
                + e.getMessage()
                + " Nothing was committed.",
            e);
      }
    }

    @Override
    public String where() {
      return "row " + row + " of " + file;
    }

    @Override
    public long bytesRead() {
      return rows == 0 ? size : (long) (size * (double) row / rows);
    }

    @Override
    public void close() {
      it.close();
    }
  }
}
