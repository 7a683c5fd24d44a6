package io.datashard.internal.commit;

import io.datashard.CloseableIterator;
import io.datashard.CommitConflictException;
import io.datashard.DataFile;
import io.datashard.Expression;
import io.datashard.FileFormat;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.TableProperties;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.ValidationException;
import io.datashard.internal.DataFileIO;
import io.datashard.internal.FileNames;
import io.datashard.internal.LongSet;
import io.datashard.internal.Values;
import io.datashard.internal.deletes.DeleteIndex;
import io.datashard.internal.deletes.DeleteReader;
import io.datashard.internal.deletes.PositionDeleteFiles;
import io.datashard.internal.expr.Binder;
import io.datashard.internal.expr.BoundExpr;
import io.datashard.internal.expr.FileStats;
import io.datashard.internal.expr.MetricsEvaluator;
import io.datashard.internal.expr.RowFilter;
import io.datashard.internal.expr.StrictMetricsEvaluator;
import io.datashard.internal.manifest.ManifestIO;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.internal.parquet.LongColumnScan;
import io.datashard.internal.scan.PartitionPruning;
import io.datashard.internal.scan.TableReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Copy-on-write changes of rows (delete, overwrite, upsert): the data files holding rows that match
 * are rewritten without them (and, for an overwrite or upsert, new rows are added), in one atomic
 * snapshot.
 *
 * <p>Serializable against concurrent commits: the change is planned on one snapshot; when it
 * commits on a newer one, every data file added since is checked, and if one holds a row that
 * matches (a row the change would have replaced), or a file the change rewrites was removed, the
 * change is planned again on the newer snapshot, up to a limit. A concurrent append of rows that do
 * not match is kept, never lost.
 */
public final class RowRewrites extends PendingCommit<Snapshot> {
  /** Which rows a change replaces. */
  public interface Matcher {
    /**
     * False only if no row of the file can match (from its partition values or column statistics).
     */
    boolean mayMatch(DataFile file, Schema schema);

    /** True if the row (read under {@code schema}) is replaced. */
    boolean matches(Row row);

    /**
     * The key of a matching row, for changes that replace rows by key (an upsert): the replaced
     * keys are counted. Null for other changes.
     */
    default Object keyOf(Row row) {
      return null;
    }

    /**
     * The top-level column ids {@link #matches} and {@link #keyOf} read, or null for all of them (a
     * merge-on-read change reads only these).
     */
    default Set<Integer> columnIds() {
      return null;
    }

    /**
     * The match as a test of one integer column's values, where it is one (an id IN list, an upsert
     * by one integer key): merge-on-read then reads only that column's values, not rows. Null
     * otherwise.
     */
    default LongMatch longMatch() {
      return null;
    }

    /** This matcher for rows read with only {@code projection}'s columns. */
    default Matcher narrowedTo(Schema projection) {
      return this;
    }

    /** True only if every row of the file matches (then it is removed without being read). */
    default boolean allMatch(DataFile file, Schema schema) {
      return false;
    }
  }

  /**
   * A match on one top-level integer column: the rows whose value {@code test} accepts, with the
   * key of each (as {@link Matcher#keyOf} gives it) where the change counts keys, else null.
   */
  public record LongMatch(
      int fieldId, LongSet values, java.util.function.LongFunction<Object> keyOf) {}

  private static boolean integer(Type type) {
    return type.typeId() == Type.TypeId.LONG || type.typeId() == Type.TypeId.INTEGER;
  }

  /** Rows for which a filter expression is true (unknown, as for nulls, is not a match). */
  public static Matcher matching(TableReader reader, Schema schema, Expression filter) {
    BoundExpr bound = Binder.bind(schema, filter);
    return matching(reader, bound, schema);
  }

  /** The matcher of a bound filter, for rows read with {@code read}'s columns. */
  private static Matcher matching(TableReader reader, BoundExpr bound, Schema read) {
    return new Matcher() {
      // compiled when first needed: a merge-on-read delete by id may never test a row
      private RowFilter rows;

      @Override
      public Set<Integer> columnIds() {
        return bound.topLevelIds();
      }

      @Override
      public Matcher narrowedTo(Schema projection) {
        return matching(reader, bound, projection);
      }

      @Override
      public LongMatch longMatch() {
        boolean in = bound.op() == Expression.Operation.IN;
        if ((!in && bound.op() != Expression.Operation.EQ)
            || bound.idPath() == null
            || bound.idPath().length != 1
            || !integer(bound.type())) {
          return null;
        }
        return new LongMatch(
            bound.fieldId(), new LongSet(in ? bound.set() : List.of(bound.literal())), null);
      }

      @Override
      public boolean mayMatch(DataFile file, Schema s) {
        return PartitionPruning.mightMatch(bound, file, reader.operations().current(), s)
            && MetricsEvaluator.mightMatch(bound, new FileStats(file, s));
      }

      @Override
      public boolean matches(Row row) {
        if (rows == null) {
          rows = RowFilter.of(bound, read.asStruct());
        }
        return rows.matches(row);
      }

      @Override
      public boolean allMatch(DataFile file, Schema s) {
        return StrictMetricsEvaluator.allMatch(bound, new FileStats(file, s));
      }
    };
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

  /** One plan of the change, on the version it read. */
  private static final class Plan {
    TableMetadata read;
    Schema schema;
    Matcher matcher;
    final Set<String> before = new HashSet<>();
    final List<DataFile> replaced = new ArrayList<>();
    final Set<String> removedPaths = new HashSet<>();
    List<DataFile> added;
    StagedAppend staged;
    final List<ManifestIO.DeleteEntry> addedDeletes = new ArrayList<>();
    final Set<String> deleteTargets = new HashSet<>();
    boolean mergeOnRead;
    Map<String, String> extra;
    boolean nothing;
  }

  private final TableReader reader;
  private final DataWriter writer;
  private final String what;
  private final Function<Schema, Change> planner;
  private final Map<String, String> summary;
  private final int maxAttempts;
  private final long snapshotId = Snapshots.newId();
  private Plan plan;
  private int plans;

  /**
   * A change that removes the rows that match and adds new ones (none: a delete), planned again up
   * to {@code maxAttempts} times if concurrent commits interfere.
   *
   * @param planner the change for the table schema (upserts match by the converted new rows)
   */
  public RowRewrites(
      TableReader reader,
      DataWriter writer,
      String what,
      Function<Schema, Change> planner,
      Map<String, String> summary,
      int maxAttempts) {
    this.reader = reader;
    this.writer = writer;
    this.what = what;
    this.planner = planner;
    this.summary = summary;
    this.maxAttempts = maxAttempts;
  }

  private TableOperations ops() {
    return reader.operations();
  }

  @Override
  protected String what() {
    return what;
  }

  @Override
  protected Update<Snapshot> apply(TableMetadata base, CommitFiles files, int attempt)
      throws IOException {
    String reason = null;
    while (true) {
      if (plan == null || (reason = staleness(base)) != null) {
        if (plans >= maxAttempts) {
          throw new CommitConflictException(
              "The "
                  + what
                  + " on "
                  + ops().root()
                  + " gave up after "
                  + plans
                  + " attempts: each time, another writer changed rows it replaces ("
                  + reason
                  + "). Nothing was committed. Run it again, or raise the attempt limit.");
        }
        files.discardPrepared();
        plan = files.prepare(() -> plan(base, files));
        plans++;
      }
      if (plan.nothing) {
        return Update.none(null);
      }
      if (plan.replaced.isEmpty() && plan.addedDeletes.isEmpty()) {
        // nothing to remove: the new rows commit like a transaction that read the table
        return new AppendCommit(ops(), plan.staged, plan.extra, null).apply(base, files, attempt);
      }
      ReplaceFiles.Built built =
          ReplaceFiles.build(
              ops(),
              what,
              plan.read,
              base,
              plan.replaced,
              plan.removedPaths,
              plan.added,
              plan.addedDeletes,
              plan.deleteTargets,
              plan.added.isEmpty() ? "delete" : "overwrite",
              plan.extra,
              snapshotId,
              files,
              attempt);
      if (built.refusal() == null) {
        return built.update();
      }
      reason = built.refusal();
      plan = null; // planned again on this base
    }
  }

  /** A growing list of positions. */
  private static final class PositionList {
    private long[] values = new long[16];
    private int size;

    void add(long v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    int size() {
      return size;
    }

    long[] toArray() {
      return Arrays.copyOf(values, size);
    }
  }

  /** The table property that picks this change's write mode. */
  private String modeProperty() {
    switch (what) {
      case "overwrite":
        return TableProperties.UPDATE_MODE;
      case "upsert":
        return TableProperties.MERGE_MODE;
      default:
        return TableProperties.DELETE_MODE;
    }
  }

  /** True if this change writes delete files rather than rewriting data files. */
  private boolean mergeOnRead(TableMetadata meta) {
    String key = modeProperty();
    String mode = meta.property(key, TableProperties.COPY_ON_WRITE).trim().toLowerCase(Locale.ROOT);
    if (mode.equals(TableProperties.MERGE_ON_READ)) {
      return true;
    }
    if (mode.equals(TableProperties.COPY_ON_WRITE)) {
      return false;
    }
    throw new ValidationException(
        "The table property "
            + key
            + " of "
            + ops().root()
            + " is '"
            + mode
            + "', which is no write mode: set it to "
            + TableProperties.COPY_ON_WRITE
            + " or "
            + TableProperties.MERGE_ON_READ
            + ". Nothing was committed.");
  }

  /** Why the plan cannot move onto {@code base}, or null if it can. */
  private String staleness(TableMetadata base) {
    if (Objects.equals(base.currentSnapshotId(), plan.read.currentSnapshotId())) {
      return null;
    }
    if (base.currentSchemaId() != plan.read.currentSchemaId()) {
      return "the schema changed";
    }
    return addedMatchingRows(base);
  }

  private Plan plan(TableMetadata read, CommitFiles files) throws IOException {
    Schema schema = read.schema();
    if (schema.columns().isEmpty()) {
      throw new ValidationException(
          "Table "
              + ops().root()
              + " has no schema yet (no data), so the "
              + what
              + " has nothing to match. Append records first.");
    }
    Change change = planner.apply(schema);
    Plan p = new Plan();
    p.read = read;
    p.schema = schema;
    p.matcher = change.matcher;
    Snapshot current = read.currentSnapshot();
    List<Row> kept = new ArrayList<>();
    long removedRows = 0;
    Set<Object> replacedKeys = new HashSet<>();
    // the files of the snapshot read, listed once: scanned for matches, then the baseline for the
    // check of what concurrent commits added
    List<DataFile> readFiles = current == null ? List.of() : reader.files(current);
    DeleteIndex deletes = reader.deletes(current);
    DeleteReader deleteReader = reader.deleteReader();
    p.mergeOnRead = mergeOnRead(read);
    Map<DataFile, long[]> deletedPositions = new LinkedHashMap<>();
    Schema narrow = schema;
    Matcher narrowMatcher = change.matcher;
    Set<Integer> needed = change.matcher.columnIds();
    LongMatch fast = p.mergeOnRead ? change.matcher.longMatch() : null; // once: it builds a set
    if (p.mergeOnRead && needed != null) {
      List<Types.NestedField> columns = new ArrayList<>();
      for (Types.NestedField c : schema.columns()) {
        if (needed.contains(c.id())) {
          columns.add(c);
        }
      }
      narrow = new Schema(schema.schemaId(), columns);
      narrowMatcher = change.matcher.narrowedTo(narrow);
    }
    readFiles.forEach(f -> p.before.add(ops().canonicalPath(f.path())));
    for (DataFile f : readFiles) {
      if (!change.matcher.mayMatch(f, schema)) {
        continue;
      }
      if (deletes.forFile(f) == null && change.matcher.allMatch(f, schema)) {
        p.replaced.add(f); // every row goes: the file is dropped unread, in either mode
        removedRows += f.recordCount();
        continue;
      }
      if (p.mergeOnRead) {
        // the positions of the matching rows (those not deleted already) go in a delete file;
        // only the columns the match needs are read
        DeleteIndex.FileDeletes fileDeletes = deletes.forFile(f);
        if (fast != null
            && f.format() == FileFormat.PARQUET
            && (fileDeletes == null || fileDeletes.positionsOnly())) {
          long[] already =
              fileDeletes == null ? new long[0] : deleteReader.deletedPositions(f, fileDeletes);
          PositionList found = new PositionList();
          int[] skip = {0};
          LongSet.Probe probe = fast.values().probe();
          boolean scanned =
              LongColumnScan.scan(
                  ops().storage(),
                  ops().resolvePath(f.path()),
                  fast.fieldId(),
                  (pos, v) -> {
                    if (!probe.contains(v)) {
                      return;
                    }
                    while (skip[0] < already.length && already[skip[0]] < pos) {
                      skip[0]++;
                    }
                    if (skip[0] < already.length && already[skip[0]] == pos) {
                      return; // deleted before
                    }
                    found.add(pos);
                    if (fast.keyOf() != null) {
                      replacedKeys.add(fast.keyOf().apply(v));
                    }
                  });
          if (scanned) {
            if (found.size() > 0) {
              deletedPositions.put(f, found.toArray());
              removedRows += found.size();
            }
            continue;
          }
        }
        long[] positions = new long[16];
        int n = 0;
        try (DeleteReader.PositionedRows it =
            reader.openPositioned(f, narrow, deletes, deleteReader)) {
          while (it.hasNext()) {
            Row r = it.next();
            if (narrowMatcher.matches(r)) {
              if (n == positions.length) {
                positions = Arrays.copyOf(positions, n * 2);
              }
              positions[n++] = it.position();
              Object key = narrowMatcher.keyOf(r);
              if (key != null) {
                replacedKeys.add(key);
              }
            }
          }
        }
        if (n > 0) {
          deletedPositions.put(f, Arrays.copyOf(positions, n));
          removedRows += n;
        }
        continue;
      }
      List<Row> keep = new ArrayList<>();
      long rows = 0;
      try (CloseableIterator<Row> it = reader.readFiles(List.of(f), schema, deletes)) {
        while (it.hasNext()) {
          Row r = it.next();
          rows++;
          if (!change.matcher.matches(r)) {
            keep.add(r);
          } else {
            Object key = change.matcher.keyOf(r);
            if (key != null) {
              replacedKeys.add(key);
            }
          }
        }
      }
      if (keep.size() < rows) {
        p.replaced.add(f);
        kept.addAll(keep);
        removedRows += rows - keep.size();
      }
    }
    if (p.replaced.isEmpty() && deletedPositions.isEmpty() && change.added.isEmpty()) {
      p.nothing = true;
      return p;
    }
    p.extra = new LinkedHashMap<>(summary);
    p.extra.put(SnapshotSummary.ROWS_REMOVED, Long.toString(removedRows));
    p.extra.put(SnapshotSummary.ROWS_REWRITTEN, Long.toString(kept.size()));
    p.extra.put(
        SnapshotSummary.ROWS_INSERTED, Long.toString(change.added.size() - replacedKeys.size()));
    if (!replacedKeys.isEmpty()) {
      p.extra.put(SnapshotSummary.ROWS_REPLACED, Long.toString(replacedKeys.size()));
    }
    FileFormat format = DataFileIO.defaultFormat(read.properties());
    if (p.mergeOnRead && !deletedPositions.isEmpty()) {
      for (Map.Entry<DataFile, long[]> e : deletedPositions.entrySet()) {
        DataFile f = e.getKey();
        String dataLocation = ops().resolvePath(f.path());
        String location =
            files.add(
                dataLocation.substring(0, dataLocation.lastIndexOf('/') + 1)
                    + FileNames.deleteFile(format));
        p.addedDeletes.add(
            PositionDeleteFiles.write(files.storage(), location, format, f, e.getValue()));
        p.deleteTargets.add(ops().canonicalPath(f.path()));
      }
      files.syncDirectoriesNow();
    }
    if (p.replaced.isEmpty() && p.addedDeletes.isEmpty()) {
      p.staged = writer.stageRows(read, schema, false, change.added, false, null, List.of(), files);
      return p;
    }
    if (p.mergeOnRead) {
      p.added = writer.writeDataFiles(read, schema, change.added, format, files);
      p.replaced.forEach(f -> p.removedPaths.add(ops().canonicalPath(f.path())));
      return p;
    }
    List<Row> all = new ArrayList<>(kept);
    all.addAll(change.added);
    p.added = writer.writeDataFiles(read, schema, all, format, files);
    p.replaced.forEach(f -> p.removedPaths.add(ops().canonicalPath(f.path())));
    return p;
  }

  /**
   * A description of the first file added since the plan's read that holds a matching row, or null.
   */
  private String addedMatchingRows(TableMetadata base) {
    if (base.currentSnapshot() == null) {
      return null;
    }
    DeleteIndex deletes = reader.deletes(base.currentSnapshot());
    for (DataFile f : reader.files(base.currentSnapshot())) {
      if (plan.before.contains(ops().canonicalPath(f.path()))
          || !plan.matcher.mayMatch(f, plan.schema)) {
        continue;
      }
      try (CloseableIterator<Row> it = reader.readFiles(List.of(f), plan.schema, deletes)) {
        while (it.hasNext()) {
          if (plan.matcher.matches(it.next())) {
            return "a concurrent commit added rows that match, in " + f.path();
          }
        }
      }
    }
    return null;
  }

  /** Records converted to rows of {@code schema} (none gives none). */
  public static List<Row> rows(Schema schema, List<?> records) {
    return records.isEmpty() ? List.of() : DataWriter.convert(schema, records, false);
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
    List<Row> rows = DataWriter.convert(schema, records, false);
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

          @Override
          public Object keyOf(Row row) {
            return key(row, positions);
          }

          @Override
          public LongMatch longMatch() {
            if (fields.length != 1 || !integer(fields[0].type())) {
              return null;
            }
            boolean isInt = fields[0].type().typeId() == Type.TypeId.INTEGER;
            return new LongMatch(
                fields[0].id(),
                new LongSet(byColumn.get(0)),
                v -> List.of(isInt ? (Object) (int) v : (Object) v));
          }

          @Override
          public Set<Integer> columnIds() {
            Set<Integer> ids = new HashSet<>();
            for (Types.NestedField f : fields) {
              ids.add(f.id());
            }
            return ids;
          }

          @Override
          public Matcher narrowedTo(Schema projection) {
            int[] narrowed = new int[fields.length];
            for (int i = 0; i < fields.length; i++) {
              narrowed[i] = projection.asStruct().position(fields[i].name());
            }
            Matcher outer = this;
            return new Matcher() {
              @Override
              public boolean mayMatch(DataFile file, Schema s) {
                return outer.mayMatch(file, s);
              }

              @Override
              public boolean matches(Row row) {
                return keys.contains(key(row, narrowed));
              }

              @Override
              public Object keyOf(Row row) {
                return key(row, narrowed);
              }
            };
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
      key.add(v instanceof OffsetDateTime ? ((OffsetDateTime) v).toInstant() : v);
    }
    return key;
  }
}
