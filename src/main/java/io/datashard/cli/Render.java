package io.datashard.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.datashard.Row;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Turns rows into JSON lines, CSV or an aligned text table. */
final class Render {
  private static final JsonFactory JSON = new JsonFactory();

  private Render() {}

  /** One row as a JSON object on one line. */
  /**
   * Prints up to {@code max} rows in a format: JSON lines, CSV with a header, or an aligned table
   * with a row count after it (which holds the rows in memory to size the columns).
   *
   * @return the number of rows printed
   */
  static long rows(
      PrintWriter out,
      ScanCommand.Format format,
      List<String> names,
      Iterator<Row> rows,
      long max) {
    return rows(out, format, names, rows, max, true);
  }

  /**
   * As {@link #rows(PrintWriter, ScanCommand.Format, List, Iterator, long)}; CSV header optional.
   */
  static long rows(
      PrintWriter out,
      ScanCommand.Format format,
      List<String> names,
      Iterator<Row> rows,
      long max,
      boolean header) {
    long n = 0;
    List<List<String>> tableRows = new ArrayList<>();
    if (format == ScanCommand.Format.csv && header) {
      out.println(csvLine(names));
    }
    while (n < max && rows.hasNext()) {
      Row r = rows.next();
      n++;
      if (format == ScanCommand.Format.jsonl) {
        out.println(jsonLine(names, r));
        continue;
      }
      List<String> cells = new ArrayList<>();
      for (int i = 0; i < r.size(); i++) {
        cells.add(text(r.get(i)));
      }
      if (format == ScanCommand.Format.csv) {
        out.println(csvLine(cells));
      } else {
        tableRows.add(cells);
      }
    }
    if (format == ScanCommand.Format.table) {
      table(names, tableRows).forEach(out::println);
      out.println("(" + n + " row" + (n == 1 ? "" : "s") + ")");
    }
    return n;
  }

  static String jsonLine(List<String> names, Row row) {
    StringWriter w = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(w)) {
      g.writeStartObject();
      for (int i = 0; i < names.size(); i++) {
        g.writeFieldName(names.get(i));
        writeValue(g, row.get(i));
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }

  /** A value as JSON text. */
  static String json(Object v) {
    StringWriter w = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(w)) {
      writeValue(g, v);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }

  static void writeValue(JsonGenerator g, Object v) throws IOException {
    if (v == null) {
      g.writeNull();
    } else if (v instanceof Boolean) {
      g.writeBoolean((Boolean) v);
    } else if (v instanceof Integer) {
      g.writeNumber((Integer) v);
    } else if (v instanceof Long) {
      g.writeNumber((Long) v);
    } else if (v instanceof Float) {
      float f = (Float) v;
      if (Float.isFinite(f)) {
        g.writeNumber(f);
      } else {
        g.writeString(Float.toString(f));
      }
    } else if (v instanceof Double) {
      double d = (Double) v;
      if (Double.isFinite(d)) {
        g.writeNumber(d);
      } else {
        g.writeString(Double.toString(d));
      }
    } else if (v instanceof BigDecimal) {
      g.writeNumber((BigDecimal) v);
    } else if (v instanceof ByteBuffer) {
      ByteBuffer b = ((ByteBuffer) v).duplicate();
      byte[] bytes = new byte[b.remaining()];
      b.get(bytes);
      g.writeString(Base64.getEncoder().encodeToString(bytes));
    } else if (v instanceof Row) {
      Row r = (Row) v;
      g.writeStartObject();
      for (int i = 0; i < r.size(); i++) {
        g.writeFieldName(r.type().fields().get(i).name());
        writeValue(g, r.get(i));
      }
      g.writeEndObject();
    } else if (v instanceof List) {
      g.writeStartArray();
      for (Object o : (List<?>) v) {
        writeValue(g, o);
      }
      g.writeEndArray();
    } else if (v instanceof Map) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        g.writeFieldName(String.valueOf(e.getKey()));
        writeValue(g, e.getValue());
      }
      g.writeEndObject();
    } else {
      g.writeString(v.toString());
    }
  }

  /** A value as plain text for CSV and tables: nested values as JSON, null as empty. */
  static String text(Object v) {
    if (v == null) {
      return "";
    }
    if (v instanceof Row || v instanceof List || v instanceof Map || v instanceof ByteBuffer) {
      String s = json(v);
      return v instanceof ByteBuffer ? s.substring(1, s.length() - 1) : s;
    }
    return v.toString();
  }

  static String csvField(String s) {
    if (s.indexOf(',') >= 0
        || s.indexOf('"') >= 0
        || s.indexOf('\n') >= 0
        || s.indexOf('\r') >= 0) {
      return '"' + s.replace("\"", "\"\"") + '"';
    }
    return s;
  }

  static String csvLine(List<String> fields) {
    List<String> out = new ArrayList<>(fields.size());
    for (String f : fields) {
      out.add(csvField(f));
    }
    return String.join(",", out);
  }

  /** The width tables are fitted to: the COLUMNS environment variable, else 120. */
  static int terminalWidth() {
    String v = System.getProperty("datashard.columns", System.getenv("COLUMNS"));
    if (v != null) {
      try {
        int w = Integer.parseInt(v.trim());
        if (w >= 20) {
          return w;
        }
      } catch (NumberFormatException e) {
        // fall through to the default
      }
    }
    return 120;
  }

  /** An aligned text table fitted to {@link #terminalWidth()}. */
  static List<String> table(List<String> header, List<List<String>> rows) {
    return table(header, rows, terminalWidth());
  }

  /**
   * An aligned text table no wider than {@code maxWidth} where possible: the widest columns are
   * narrowed first (never below 4 characters, or the header's width if smaller), and cells too long
   * for their column end in "…".
   */
  static List<String> table(List<String> header, List<List<String>> rows, int maxWidth) {
    int[] width = new int[header.size()];
    for (int i = 0; i < header.size(); i++) {
      width[i] = header.get(i).length();
    }
    for (List<String> r : rows) {
      for (int i = 0; i < r.size() && i < width.length; i++) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    }
    int total = 3 * Math.max(0, width.length - 1);
    for (int w : width) {
      total += w;
    }
    while (total > maxWidth) {
      int widest = -1;
      for (int i = 0; i < width.length; i++) {
        int min = Math.min(4, header.get(i).length());
        if (width[i] > Math.max(min, 1) && (widest < 0 || width[i] > width[widest])) {
          widest = i;
        }
      }
      if (widest < 0) {
        break;
      }
      int next = 0;
      for (int i = 0; i < width.length; i++) {
        if (i != widest && width[i] <= width[widest]) {
          next = Math.max(next, width[i]);
        }
      }
      int min = Math.max(Math.min(4, header.get(widest).length()), 1);
      int cut = Math.min(total - maxWidth, width[widest] - Math.max(next, min));
      width[widest] -= Math.max(1, cut);
      total -= Math.max(1, cut);
    }
    List<String> lines = new ArrayList<>();
    lines.add(line(header, width));
    StringBuilder sep = new StringBuilder();
    for (int i = 0; i < width.length; i++) {
      if (i > 0) {
        sep.append("-+-");
      }
      sep.append("-".repeat(width[i]));
    }
    lines.add(sep.toString());
    for (List<String> r : rows) {
      lines.add(line(r, width));
    }
    return lines;
  }

  private static String line(List<String> cells, int[] width) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        sb.append(" | ");
      }
      String c = cells.get(i).replace('\n', ' ').replace('\r', ' ').replace('\t', ' ');
      if (c.length() > width[i]) {
        c = c.substring(0, Math.max(0, width[i] - 1)) + "…";
      }
      sb.append(c).append(" ".repeat(width[i] - c.length()));
    }
    return sb.toString().stripTrailing();
  }
}
