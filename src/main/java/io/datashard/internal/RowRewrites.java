package io.datashard.internal;

import io.datashard.CloseableIterator;
import io.datashard.CommitConflictException;
import io.datashard.CommitStateUnknownException;
import io.datashard.DataFile;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.ValidationException;
import io.datashard.internal.meta.TableMetadata;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Copy-on-write changes of rows: the data files holding rows that match are rewritten without them
 * (and, for an overwrite or upsert, new rows are added), in one atomic snapshot.
 *
 * <p>Serializable against concurrent commits: the change is decided on one snapshot; when it
 * commits on a newer one, every data file added since is checked, and if one holds a row that
 * matches (a row the change would have replaced), or a file the change rewrites was removed, the
 * attempt is refused and the whole change is re-run on the newest snapshot, up to a limit. A
 * concurrent append of rows that do not match is kept, never lost.
 */
public final class RowRewrites {
  private RowRewrites() {}

  /** Which rows a change replaces. */
  public interface Matcher {
    /**
     * False only if no row of the file can match (from its partition values or column statistics).
     */
    boolean mayMatch(DataFile file, Schema schema);

    /** True if the row (read under {@code schema}) is replaced. */
    boolean matches(Row row);

    /** True only if every row of the file matches (then it is removed without being read). */
    default boolean allMatch(DataFile file, Schema schema) {
      return false;
    }
  }

  /** Rows for which a filter expression is true (unknown, as for nulls, is not a match). */
  public static Matcher matching(TableCore core, Schema schema, io.datashard.Expression filter) {
    io.datashard.internal.expr.BoundExpr bound =
        io.datashard.internal.expr.Binder.bind(schema, filter);
    io.datashard.internal.expr.RowFilter rows =
        io.datashard.internal.expr.RowFilter.of(bound, schema.asStruct());
    return new Matcher() {
      @Override
      public boolean mayMatch(DataFile file, Schema s) {
        return PartitionPruning.mightMatch(bound, file, core.metadata(), s)
            && io.datashard.internal.expr.MetricsEvaluator.mightMatch(
                bound, new io.datashard.internal.expr.FileStats(file, s));
      }

      @Override
      public boolean matches(Row row) {
        return rows.matches(row);
      }

      @Override
      public boolean allMatch(DataFile file, Schema s) {
        return io.datashard.internal.expr.StrictMetricsEvaluator.allMatch(
            bound, new io.datashard.internal.expr.FileStats(file, s));
      }
    };
  }

  /**
   * Removes the rows that match and adds {@code records} (none: a delete), re-running up to {@code
   * maxAttempts} times if concurrent commits interfere.
   *
   * @param records the new rows, or a function of the table schema that gives them (for upserts,
   *     whose matcher depends on the converted rows)
   * @return the new snapshot, or null if nothing changed
   */
  public static Snapshot rewrite(
      TableCore core,
      String what,
      java.util.function.Function<Schema, Change> plan,
      Map<String, String> summary,
      int maxAttempts) {
    for (int attempt = 1; ; attempt++) {
      try (AutoCloseable lock = core.lockForTransaction()) {
        Snapshot s = attempt(core, what, plan, summary);
        return s;
      } catch (Retry e) {
        if (attempt >= maxAttempts) {
          throw new CommitConflictException(
              "The "
                  + what
                  + " on "
                  + core.location()
                  + " gave up after "
                  + attempt
                  + " attempts: each time, another writer changed rows it replaces ("
                  + e.getMessage()
                  + "). Nothing "
                  + "was committed. Run it again, or raise the attempt limit.");
        }
        core.countConflictRetry();
        TableCore.backoff(attempt - 1);
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** What a change does, planned against one schema: which rows go, which rows come. */
  public static final class Change {
    final Matcher matcher;
    final List<Row> added;

    public Change(Matcher matcher, List<Row> added) {
      this.matcher = matcher;
      this.added = added;
    }
  }

  private static final class Retry extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Retry(String message) {
      super(message, null, false, false);
    }
  }

  private static Snapshot attempt(
      TableCore core,
      String what,
      java.util.function.Function<Schema, Change> plan,
      Map<String, String> summary) {
    TableMetadata read = core.refresh();
    Schema schema = read.schema();
    if (schema.columns().isEmpty()) {
      throw new ValidationException(
          "Table "
              + core.location()
              + " has no schema yet (no data), so the "
              + what
              + " has nothing to match. Append records first.");
    }
    Change change = plan.apply(schema);
    Snapshot current = read.currentSnapshot();
    List<String> written = new ArrayList<>();
    try {
      List<DataFile> replaced = new ArrayList<>();
      List<Row> kept = new ArrayList<>();
      long removedRows = 0;
      // the files of the snapshot read, listed once: scanned for matches, then the baseline for the
      // check of what concurrent commits added
      List<DataFile> readFiles = current == null ? List.of() : core.files(current);
      Set<String> before = new HashSet<>();
      readFiles.forEach(f -> before.add(norm(core, f.path())));
      if (current != null) {
        for (DataFile f : readFiles) {
          if (!change.matcher.mayMatch(f, schema)) {
            continue;
          }
          if (change.matcher.allMatch(f, schema)) {
            replaced.add(f);
            removedRows += f.recordCount();
            continue;
          }
          List<Row> keep = new ArrayList<>();
          long rows = 0;
          try (CloseableIterator<Row> it = core.readFiles(List.of(f), schema)) {
            while (it.hasNext()) {
              Row r = it.next();
              rows++;
              if (!change.matcher.matches(r)) {
                keep.add(r);
              }
            }
          }
          if (keep.size() < rows) {
            replaced.add(f);
            kept.addAll(keep);
            removedRows += rows - keep.size();
          }
        }
      }
      if (replaced.isEmpty() && change.added.isEmpty()) {
        return null;
      }
      Map<String, String> extra = new LinkedHashMap<>(summary);
      extra.put("datashard.rows-removed", Long.toString(removedRows));
      if (current == null || replaced.isEmpty()) {
        // nothing to remove: commit the new rows like a transaction that read the table
        TableCore.Staged staged = core.stageRows(read, schema, false, change.added, false);
        try {
          return core.commitStaged(
              read, staged, extra, readAndCheck(core, read, before, change.matcher), null);
        } catch (TableCore.ReadConflict e) {
          throw new Retry(e.getMessage());
        }
      }
      List<Row> all = new ArrayList<>(kept);
      all.addAll(change.added);
      List<DataFile> added = core.writeDataFiles(read, schema, all, written);
      Set<String> removedPaths = new HashSet<>();
      replaced.forEach(f -> removedPaths.add(norm(core, f.path())));
      String operation = added.isEmpty() ? "delete" : "overwrite";
      try {
        return new TableMaintenance(core)
            .commitRewrite(
                what,
                operation,
                read,
                replaced,
                removedPaths,
                added,
                extra,
                base -> {
                  String conflict = addedMatchingRows(core, base, before, change.matcher, schema);
                  if (conflict != null) {
                    throw new TableMaintenance.Rejected(conflict);
                  }
                });
      } catch (CommitConflictException e) {
        cleanup(core, written);
        written.clear();
        throw new Retry(e.getMessage());
      }
    } catch (IOException e) {
      cleanup(core, written);
      throw new UncheckedIOException(
          "Writing the files of the "
              + what
              + " on "
              + core.location()
              + " failed: "
              + e
              + ". Nothing was committed; check free disk space and permissions.",
          e);
    } catch (CommitStateUnknownException e) {
      throw e;
    } catch (RuntimeException e) {
      cleanup(core, written);
      throw e;
    }
  }

  /**
   * A rebase policy for commits that only add rows: refuse if a newer commit added matching rows.
   */
  private static TableCore.RebasePolicy readAndCheck(
      TableCore core, TableMetadata read, Set<String> before, Matcher matcher) {
    return newBase -> {
      if (newBase.currentSchemaId() != read.currentSchemaId()) {
        throw new TableCore.ReadConflict("the schema changed");
      }
      String conflict = addedMatchingRows(core, newBase, before, matcher, read.schema());
      if (conflict != null) {
        throw new TableCore.ReadConflict(conflict);
      }
    };
  }

  /**
   * A description of the first file added since {@code before} that holds a matching row, or null.
   */
  private static String addedMatchingRows(
      TableCore core, TableMetadata base, Set<String> before, Matcher matcher, Schema schema) {
    if (base.currentSnapshot() == null) {
      return null;
    }
    for (DataFile f : core.files(base.currentSnapshot())) {
      if (before.contains(norm(core, f.path())) || !matcher.mayMatch(f, schema)) {
        continue;
      }
      try (CloseableIterator<Row> it = core.readFiles(List.of(f), schema)) {
        while (it.hasNext()) {
          if (matcher.matches(it.next())) {
            return "a concurrent commit added rows that match, in " + f.path();
          }
        }
      }
    }
    return null;
  }

  private static String norm(TableCore core, String recorded) {
    return Path.of(core.resolvePath(recorded)).toAbsolutePath().normalize().toString();
  }

  private static void cleanup(TableCore core, List<String> written) {
    for (String l : written) {
      try {
        core.operations().storage().delete(l);
      } catch (IOException e) {
        // best effort: an orphan file is removed by gc
      }
    }
  }

  /** Records converted to rows of {@code schema} (none gives none). */
  public static List<Row> rows(Schema schema, List<?> records) {
    return records.isEmpty() ? List.of() : TableCore.convert(schema, records, false);
  }

  // ------------------------------------------------------------------ upsert

  /**
   * The change of an upsert: rows whose key (values of {@code keyColumns}) is among the new rows'
   * keys are replaced by the new rows; the other new rows are inserted.
   */
  public static Change upsert(Schema schema, List<String> keyColumns, List<?> records) {
    if (keyColumns.isEmpty()) {
      throw new ValidationException(
          "An upsert needs at least one key column. Name the columns that identify a row.");
    }
    int[] positions = new int[keyColumns.size()];
    Types.NestedField[] fields = new Types.NestedField[keyColumns.size()];
    for (int i = 0; i < positions.length; i++) {
      positions[i] = schema.asStruct().position(keyColumns.get(i));
      if (positions[i] < 0) {
        throw new ValidationException(
            "Upsert key column '"
                + keyColumns.get(i)
                + "' is not a column of the table ("
                + String.join(", ", schema.columnNames())
                + "). Name top-level columns.");
      }
      fields[i] = schema.columns().get(positions[i]);
      if (!fields[i].type().isPrimitive()) {
        throw new ValidationException(
            "Upsert key column '"
                + keyColumns.get(i)
                + "' is "
                + fields[i].type()
                + "; a key must be made of primitive columns.");
      }
    }
    List<Row> rows = TableCore.convert(schema, records, false);
    Set<List<Object>> keys = new HashSet<>();
    List<List<Object>> byColumn = new ArrayList<>();
    for (int i = 0; i < positions.length; i++) {
      byColumn.add(new ArrayList<>());
    }
    for (int n = 0; n < rows.size(); n++) {
      List<Object> key = key(rows.get(n), positions);
      if (key.contains(null)) {
        throw new ValidationException(
            "Upsert record "
                + (n + 1)
                + " has a null in key "
                + keyColumns
                + ". Give every "
                + "record a value for each key column.");
      }
      if (!keys.add(key)) {
        throw new ValidationException(
            "Upsert records repeat the key "
                + key
                + " (record "
                + (n + 1)
                + "). Give each "
                + "key once, so it is clear which record wins.");
      }
      for (int i = 0; i < positions.length; i++) {
        byColumn.get(i).add(key.get(i));
      }
    }
    Matcher matcher =
        new Matcher() {
          @Override
          public boolean mayMatch(DataFile file, Schema s) {
            for (int i = 0; i < fields.length; i++) {
              ByteBuffer lower = file.lowerBounds().get(fields[i].id());
              ByteBuffer upper = file.upperBounds().get(fields[i].id());
              if (lower == null || upper == null || !boundable(fields[i].type())) {
                continue;
              }
              Object lo = Values.fromBytes(fields[i].type(), lower);
              Object hi = Values.fromBytes(fields[i].type(), upper);
              boolean any = false;
              for (Object v : byColumn.get(i)) {
                if (Values.compare(fields[i].type(), v, lo) >= 0
                    && Values.compare(fields[i].type(), v, hi) <= 0) {
                  any = true;
                  break;
                }
              }
              if (!any) {
                return false;
              }
            }
            return true;
          }

          @Override
          public boolean matches(Row row) {
            return keys.contains(key(row, positions));
          }
        };
    return new Change(matcher, rows);
  }

  /** Types whose manifest bounds are exact (strings and binary bounds may be truncated). */
  private static boolean boundable(Type type) {
    switch (type.typeId()) {
      case INTEGER:
      case LONG:
      case DATE:
      case TIME:
      case TIMESTAMP:
      case TIMESTAMPTZ:
      case DECIMAL:
      case UUID:
        return true;
      default:
        return false;
    }
  }

  private static List<Object> key(Row row, int[] positions) {
    List<Object> key = new ArrayList<>(positions.length);
    for (int p : positions) {
      Object v = row.get(p);
      // the same instant written with another offset is the same key
      key.add(
          v instanceof java.time.OffsetDateTime ? ((java.time.OffsetDateTime) v).toInstant() : v);
    }
    return key;
  }
}
