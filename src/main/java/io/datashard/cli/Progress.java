package io.datashard.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress of a long operation, on standard error. On a terminal it is one line redrawn in place (a
 * bar, the percentage, the rate and the time left); otherwise (a log file, CI) it prints a plain
 * line every {@link #PLAIN_INTERVAL_NANOS} at most, and a last line when the operation took long
 * enough to have printed any. A total of zero or less means unknown: no bar, percentage or ETA.
 */
final class Progress implements AutoCloseable {
  /** How often plain (non-terminal) lines are printed at most. */
  static final long PLAIN_INTERVAL_NANOS = 2_000_000_000L;

  private static final long REDRAW_NANOS = 100_000_000L;
  private static final int BAR = 24;

  /** What is counted: bytes are shown in KB, MB...; anything else as a number and its name. */
  enum Unit {
    BYTES(""),
    ROWS("rows"),
    FILES("files"),
    SNAPSHOTS("snapshots"),
    KILLS("kills"),
    OPS("ops");

    final String name;

    Unit(String name) {
      this.name = name;
    }
  }

  private final String label;
  private long total;
  private final Unit unit;
  private final PrintWriter err;
  private final boolean terminal;
  private final boolean enabled;
  private final LongSupplier clock;
  private final long start;
  private long lastPrint;
  private long done;
  private boolean printedAny;
  private boolean closed;
  private int lastWidth;

  Progress(
      String label,
      long total,
      Unit unit,
      PrintWriter err,
      boolean terminal,
      boolean enabled,
      LongSupplier nanoClock) {
    this.label = label;
    this.total = total;
    this.unit = unit;
    this.err = err;
    this.terminal = terminal;
    this.enabled = enabled;
    this.clock = nanoClock;
    this.start = nanoClock.getAsLong();
    this.lastPrint = start;
  }

  /** Progress on the real clock, drawn as a bar when standard error is a terminal. */
  static Progress start(String label, long total, Unit unit, PrintWriter err, boolean quiet) {
    return new Progress(
        label, total, unit, err, System.console() != null, !quiet, System::nanoTime);
  }

  /** Sets how much is done (absolute). */
  void update(long value) {
    done = value;
    if (!enabled || closed) {
      return;
    }
    long now = clock.getAsLong();
    if (now - lastPrint >= (terminal ? REDRAW_NANOS : PLAIN_INTERVAL_NANOS)) {
      lastPrint = now;
      print(now, false);
    }
  }

  /** Sets how much is done of a total learnt on the way. */
  void update(long value, long newTotal) {
    total = newTotal;
    update(value);
  }

  /** Adds to how much is done. */
  void add(long delta) {
    update(done + delta);
  }

  long done() {
    return done;
  }

  /** Ends the progress display: clears the bar, or prints a last plain line if any was printed. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (!enabled) {
      return;
    }
    if (terminal) {
      if (printedAny) {
        err.print("\r" + " ".repeat(lastWidth) + "\r");
        err.flush();
      }
    } else if (printedAny) {
      print(clock.getAsLong(), true);
    }
  }

  private void print(long now, boolean last) {
    double seconds = Math.max(1e-9, (now - start) / 1e9);
    double rate = done / seconds;
    StringBuilder sb = new StringBuilder(label).append(": ");
    if (terminal) {
      if (total > 0) {
        int fill = (int) Math.min(BAR, BAR * done / total);
        sb.append('[').append("#".repeat(fill)).append(".".repeat(BAR - fill)).append("] ");
        sb.append(percent()).append("  ");
      }
      sb.append(amount(done));
      sb.append("  ").append(rate(rate));
      if (total > 0 && rate > 0 && done < total) {
        sb.append("  ETA ").append(duration((long) ((total - done) / rate)));
      }
      String line = sb.toString();
      int pad = Math.max(0, lastWidth - line.length());
      lastWidth = line.length();
      err.print("\r" + line + " ".repeat(pad));
    } else {
      if (last) {
        sb.append("done, ").append(amount(done));
      } else {
        if (total > 0) {
          sb.append(
                  unit == Unit.BYTES
                      ? amount(done) + " of " + amount(total)
                      : count(done) + " of " + amount(total))
              .append(" (")
              .append(percent())
              .append(')');
        } else {
          sb.append(amount(done));
        }
      }
      sb.append(", ").append(rate(rate));
      if (last) {
        sb.append(", in ").append(duration((long) seconds));
      } else if (total > 0 && rate > 0 && done < total) {
        sb.append(", ETA ").append(duration((long) ((total - done) / rate)));
      }
      err.println(sb);
    }
    err.flush();
    printedAny = true;
  }

  private String percent() {
    return String.format(Locale.ROOT, "%d%%", Math.min(100, 100 * done / Math.max(1, total)));
  }

  String amount(long n) {
    return unit == Unit.BYTES ? bytes(n) : count(n) + " " + unit.name;
  }

  /** A rate per second: bytes in KB, MB...; counts below 10 with one decimal. */
  String rate(double perSecond) {
    if (unit != Unit.BYTES && perSecond < 10) {
      return String.format(Locale.ROOT, "%.1f %s/s", perSecond, unit.name);
    }
    return amount((long) perSecond) + "/s";
  }

  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KB", "MB", "GB", "TB"};
    double v = n;
    int i = -1;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[i]);
  }

  static String duration(long seconds) {
    if (seconds < 60) {
      return seconds + "s";
    }
    if (seconds < 3600) {
      return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
    }
    return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, (seconds % 3600) / 60);
  }
}
