package io.datashard;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link DataShard#verify} found in a table directory: one {@link Problem} per damaged,
 * missing, inconsistent or unreferenced file, and how many files of each kind were checked.
 *
 * <p>Problems are errors or warnings ({@link Kind#isError()}). Errors mean the table, or a retained
 * snapshot of it, cannot be read as recorded. Warnings (orphaned files, temporary files, a stale
 * version hint) are what an interrupted writer legitimately leaves behind; they waste space but
 * lose nothing.
 */
public final class VerifyReport {
  /** The kinds of problem, each an error or a warning. */
  public enum Kind {
    /** A file the table references is not there. */
    MISSING(true, "missing"),
    /** A file's length differs from the length the table recorded for it. */
    WRONG_LENGTH(true, "wrong-length"),
    /** A file holds a different number of records (or files) than the table recorded. */
    WRONG_RECORD_COUNT(true, "wrong-record-count"),
    /** A file is there but cannot be parsed. */
    UNREADABLE(true, "unreadable"),
    /**
     * The metadata contradicts itself or the directory (a ref to an unknown snapshot, a hint ahead
     * of the table).
     */
    INCONSISTENT(true, "inconsistent"),
    /** A file in data/ or metadata/ that no retained snapshot and no metadata file references. */
    ORPHAN(false, "orphan"),
    /** A temporary file ({@code .NAME.RANDOM.tmp}) of a write that never finished. */
    TEMPORARY_FILE(false, "temporary-file"),
    /**
     * {@code metadata/version-hint.text} is missing or names an older version (readers probe past
     * it).
     */
    STALE_HINT(false, "stale-hint"),
    /**
     * A position delete file that names a data file the snapshot does not have: it deletes nothing
     * (another engine's rewrite left it behind); a compaction or rewrite of the table drops it.
     */
    DANGLING_DELETES(false, "dangling-deletes"),
    /**
     * Part of the check could not be done (for example, orphans were not listed); the message says
     * why.
     */
    INCOMPLETE(false, "incomplete");

    private final boolean error;
    private final String label;

    Kind(boolean error, String label) {
      this.error = error;
      this.label = label;
    }

    /** True for errors, false for warnings. */
    public boolean isError() {
      return error;
    }

    /** A short lower-case name, as the command line prints it. */
    public String label() {
      return label;
    }
  }

  /** One problem with one file. */
  public static final class Problem {
    private final Kind kind;
    private final String file;
    private final String message;

    /**
     * @param kind what is wrong
     * @param file the file concerned (absolute path)
     * @param message a sentence saying what is wrong and, where known, what references the file
     */
    public Problem(Kind kind, String file, String message) {
      this.kind = Objects.requireNonNull(kind);
      this.file = Objects.requireNonNull(file);
      this.message = Objects.requireNonNull(message);
    }

    /** What is wrong. */
    public Kind kind() {
      return kind;
    }

    /** The file concerned (absolute path). */
    public String file() {
      return file;
    }

    /** A sentence saying what is wrong. */
    public String message() {
      return message;
    }

    @Override
    public String toString() {
      return (kind.isError() ? "ERROR " : "WARNING ") + kind.label() + " " + file + ": " + message;
    }
  }

  private final String location;
  private final boolean deep;
  private final List<Problem> problems;
  private final Map<String, Long> checked;

  /**
   * @param location the table directory
   * @param deep whether every retained snapshot was checked, or only the current one
   * @param problems the problems found
   * @param checked how many files of each kind ("metadata files", "manifests", ...) were checked
   */
  public VerifyReport(
      String location, boolean deep, List<Problem> problems, Map<String, Long> checked) {
    this.location = location;
    this.deep = deep;
    this.problems = Collections.unmodifiableList(new ArrayList<>(problems));
    this.checked = Collections.unmodifiableMap(new LinkedHashMap<>(checked));
  }

  /** The table directory. */
  public String location() {
    return location;
  }

  /** True if every retained snapshot was checked, false if only the current one. */
  public boolean deep() {
    return deep;
  }

  /** Every problem, errors first. */
  public List<Problem> problems() {
    return problems;
  }

  /** The problems that are errors. */
  public List<Problem> errors() {
    return problems.stream().filter(p -> p.kind().isError()).toList();
  }

  /** The problems that are warnings. */
  public List<Problem> warnings() {
    return problems.stream().filter(p -> !p.kind().isError()).toList();
  }

  /** True if there are no errors (warnings such as orphaned files may remain). */
  public boolean isClean() {
    return problems.stream().noneMatch(p -> p.kind().isError());
  }

  /** How many problems of this kind were found. */
  public long count(Kind kind) {
    return problems.stream().filter(p -> p.kind() == kind).count();
  }

  /** Problem counts by kind, for kinds that occurred. */
  public Map<Kind, Long> counts() {
    Map<Kind, Long> out = new EnumMap<>(Kind.class);
    problems.forEach(p -> out.merge(p.kind(), 1L, Long::sum));
    return out;
  }

  /** How many files of each kind were checked, e.g. {@code "data files" -> 12}. */
  public Map<String, Long> checked() {
    return checked;
  }

  @Override
  public String toString() {
    return "VerifyReport("
        + location
        + ", "
        + errors().size()
        + " errors, "
        + warnings().size()
        + " warnings)";
  }
}
