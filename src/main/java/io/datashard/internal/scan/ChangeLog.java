package io.datashard.internal.scan;

import io.datashard.ChangeReport;
import io.datashard.CloseableIterator;
import io.datashard.DataFile;
import io.datashard.Expression;
import io.datashard.Expressions;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Types;
import io.datashard.ValidationException;
import io.datashard.internal.deletes.DeleteIndex;
import io.datashard.internal.expr.Binder;
import io.datashard.internal.expr.BoundExpr;
import io.datashard.internal.expr.FileStats;
import io.datashard.internal.expr.MetricsEvaluator;
import io.datashard.internal.expr.RowFilter;
import io.datashard.internal.manifest.ManifestIO;
import io.datashard.internal.meta.TableMetadata;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The row-level changes between two snapshots of one line of history: for each snapshot after
 * {@code from} up to and including {@code to}, the rows it inserted and deleted.
 *
 * <p>How a snapshot's changes are found, without reading the rest of the table: its own manifests
 * (those it wrote) list the files it added and removed; the rows of the removed data files as its
 * parent saw them are the "before" rows, the rows of the added files as it sees them the "after"
 * rows. Where it added or removed delete files, each data file whose applicable deletes changed is
 * read on both sides too. Rows present on both sides (the untouched rows of a copy-on-write
 * rewrite) cancel as a multiset; what is left of "before" was deleted, what is left of "after" was
 * inserted. This equals a brute-force difference of the two snapshots' rows, because the files it
 * does not read contribute the same rows to both. Snapshots with operation {@code replace}
 * (compaction, which by the spec does not change the table's rows) are skipped, but for the oldest
 * retained one when its parent has expired: all its rows are inserts then.
 *
 * <p>Memory: the rows of the files a snapshot removed (or whose deletes changed) are held while its
 * changes are computed; the rows of pure appends are streamed.
 */
public final class ChangeLog {
  /** Field ids of the change columns, those Apache Iceberg reserves for its changelog. */
  public static final int CHANGE_TYPE_ID = Integer.MAX_VALUE - 104;

  public static final int CHANGE_ORDINAL_ID = Integer.MAX_VALUE - 105;
  public static final int COMMIT_SNAPSHOT_ID = Integer.MAX_VALUE - 106;

  public static final String CHANGE_TYPE = "_change_type";
  public static final String CHANGE_ORDINAL = "_change_ordinal";
  public static final String COMMIT_SNAPSHOT = "_commit_snapshot_id";

  public static final String INSERT = "INSERT";
  public static final String DELETE = "DELETE";
  public static final String UPDATE_BEFORE = "UPDATE_BEFORE";
  public static final String UPDATE_AFTER = "UPDATE_AFTER";

  private final TableReader reader;
  private final List<Snapshot> chain;
  private final Snapshot from;
  private final Snapshot to;
  private final Schema readSchema;
  private final Schema output;
  private final int[] outputPositions;
  private final int[] keyPositions;
  private final BoundExpr filter;
  private final RowFilter rowFilter;
  private final boolean prune;
  private final TableMetadata meta;

  // figures
  private long snapshotsRead;
  private long snapshotsSkipped;
  private long filesTouched;
  private long filesPruned;
  private long filesRead;
  private long bytesRead;
  private long rowsRead;
  private long changes;

  /**
   * Plans the changes of the snapshots after {@code from} (null: from an empty table, before the
   * oldest retained snapshot) up to {@code to}.
   *
   * @throws ValidationException if {@code from} is not an ancestor of {@code to}, a key or selected
   *     column does not exist, or the filter does not fit the schema
   */
  public ChangeLog(
      TableReader reader,
      Snapshot from,
      Snapshot to,
      List<String> columns,
      List<String> key,
      Expression filter) {
    this.reader = reader;
    this.from = from;
    this.to = to;
    this.meta = reader.operations().current();
    this.chain = chain(meta, from, to);
    this.readSchema = reader.projection(to, null);
    Schema selected = reader.projection(to, columns);
    List<Types.NestedField> out = new ArrayList<>(selected.columns());
    for (Types.NestedField f : selected.columns()) {
      if (f.name().equals(CHANGE_TYPE)
          || f.name().equals(CHANGE_ORDINAL)
          || f.name().equals(COMMIT_SNAPSHOT)) {
        throw new ValidationException(
            "The table has a column named "
                + f.name()
                + ", which the change feed uses for itself; select the other columns, or rename "
                + "it with 'datashard alter DIR --rename-column'.");
      }
    }
    out.add(Types.NestedField.required(CHANGE_TYPE_ID, CHANGE_TYPE, Types.STRING));
    out.add(Types.NestedField.required(CHANGE_ORDINAL_ID, CHANGE_ORDINAL, Types.INT));
    out.add(Types.NestedField.required(COMMIT_SNAPSHOT_ID, COMMIT_SNAPSHOT, Types.LONG));
    this.output = new Schema(readSchema.schemaId(), out);
    this.outputPositions = positions(readSchema, selected.columns());
    List<Types.NestedField> keyFields = new ArrayList<>();
    for (String k : key) {
      Types.NestedField f = readSchema.asStruct().field(k);
      if (f == null) {
        throw new ValidationException(
            "The change key names column '"
                + k
                + "', which table "
                + reader.operations().root()
                + " does not have (its columns: "
                + names(readSchema)
                + "). Pass existing columns to --key.");
      }
      keyFields.add(f);
    }
    this.keyPositions = positions(readSchema, keyFields);
    this.filter = Binder.bind(readSchema, filter == null ? Expressions.alwaysTrue() : filter);
    this.rowFilter =
        this.filter.op() == Expression.Operation.TRUE
            ? null
            : RowFilter.of(this.filter, readSchema.asStruct());
    // pruning by statistics would split an update whose before and after rows sit in files that
    // the filter judges differently, so it is only used without a key
    this.prune = rowFilter != null && keyPositions.length == 0;
  }

  private static String names(Schema s) {
    List<String> n = new ArrayList<>();
    s.columns().forEach(f -> n.add(f.name()));
    return String.join(", ", n);
  }

  private static int[] positions(Schema schema, List<Types.NestedField> fields) {
    int[] out = new int[fields.size()];
    List<Types.NestedField> all = schema.columns();
    for (int i = 0; i < fields.size(); i++) {
      out[i] = -1;
      for (int j = 0; j < all.size(); j++) {
        if (all.get(j).id() == fields.get(i).id()) {
          out[i] = j;
        }
      }
    }
    return out;
  }

  /**
   * The snapshots after {@code from} up to {@code to}, oldest first, following parent links from
   * {@code to}; with a null {@code from}, back to the oldest retained ancestor.
   */
  public static List<Snapshot> chain(TableMetadata meta, Snapshot from, Snapshot to) {
    List<Snapshot> out = new ArrayList<>();
    if (to == null) {
      if (from != null) {
        throw new ValidationException(
            "The table has no snapshot to read changes up to; --from "
                + from.snapshotId()
                + " cannot be before it.");
      }
      return out;
    }
    Snapshot s = to;
    while (s != null && (from == null || s.snapshotId() != from.snapshotId())) {
      out.add(s);
      Long parent = s.parentId();
      Snapshot p = parent == null ? null : meta.snapshot(parent);
      if (p == null && from != null) {
        // ran out of history without meeting from
        if (isAncestor(meta, to, from)) {
          throw new ValidationException(
              "--from "
                  + from.snapshotId()
                  + " is after --to "
                  + to.snapshotId()
                  + ": changes run forward from an older snapshot to a newer one. Swap them.");
        }
        throw new ValidationException(
            "Snapshot "
                + from.snapshotId()
                + " is not an ancestor of snapshot "
                + to.snapshotId()
                + " (they are on different branches, or history between them has expired), so "
                + "there is no line of commits between them. Read changes along one branch.");
      }
      s = p;
    }
    Collections.reverse(out);
    return out;
  }

  /** True if {@code ancestor} is {@code s} or one of its retained ancestors. */
  private static boolean isAncestor(TableMetadata meta, Snapshot ancestor, Snapshot s) {
    for (Snapshot x = s; x != null; x = x.parentId() == null ? null : meta.snapshot(x.parentId())) {
      if (x.snapshotId() == ancestor.snapshotId()) {
        return true;
      }
    }
    return false;
  }

  /** The schema of the change rows: the selected columns, then the three change columns. */
  public Schema schema() {
    return output;
  }

  /** The snapshots whose changes are read (oldest first; compaction snapshots included). */
  public List<Snapshot> snapshots() {
    return List.copyOf(chain);
  }

  /** The figures so far. */
  public ChangeReport report() {
    return new ChangeReport(
        from == null ? null : from.snapshotId(),
        to == null ? null : to.snapshotId(),
        snapshotsRead,
        snapshotsSkipped,
        filesTouched,
        filesPruned,
        filesRead,
        bytesRead,
        rowsRead,
        changes,
        to == null ? 0 : to.summaryLong("total-data-files", -1));
  }

  /** The change rows, snapshot after snapshot; {@code onEnd} gets the report when they end. */
  public CloseableIterator<Row> rows(Consumer<ChangeReport> onEnd) {
    Iterator<Snapshot> snapshots = chain.iterator();
    return new CloseableIterator<>() {
      private CloseableIterator<Row> current;
      private int ordinal;
      private boolean ended;

      @Override
      public boolean hasNext() {
        while (current == null || !current.hasNext()) {
          if (current != null) {
            current.close();
            current = null;
          }
          if (!snapshots.hasNext()) {
            end();
            return false;
          }
          Snapshot s = snapshots.next();
          if ("replace".equals(s.operation())
              && (s.parentId() == null || meta.snapshot(s.parentId()) != null)) {
            // (a compaction whose parent expired is where a reader from the start begins: its
            // rows are all new to that reader, so it is read like any snapshot without a parent)
            snapshotsSkipped++;
            continue;
          }
          snapshotsRead++;
          int n = ordinal;
          current =
              ExpiredReads.guard(
                  reader.operations(),
                  s,
                  ExpiredReads.guard(reader.operations(), s, () -> step(s, n)));
          ordinal++;
        }
        return true;
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        changes++;
        return current.next();
      }

      private void end() {
        if (!ended) {
          ended = true;
          onEnd.accept(report());
        }
      }

      @Override
      public void close() {
        if (current != null) {
          current.close();
          current = null;
        }
        end();
      }
    };
  }

  /** What one snapshot changed, as change rows. */
  private CloseableIterator<Row> step(Snapshot s, int ordinal) {
    Snapshot parent = s.parentId() == null ? null : meta.snapshot(s.parentId());
    List<DataFile> before = new ArrayList<>();
    List<DataFile> after = new ArrayList<>();
    DeleteIndex beforeDeletes = DeleteIndex.empty();
    DeleteIndex afterDeletes = DeleteIndex.empty();
    if (parent == null && s.parentId() != null) {
      // the parent expired: everything the snapshot holds is new to a reader starting here
      after.addAll(reader.files(s));
      afterDeletes = reader.deletes(s);
    } else {
      List<DataFile> added = new ArrayList<>();
      List<DataFile> removed = new ArrayList<>();
      boolean deleteFilesChanged = false;
      for (ManifestIO.Manifest m :
          ManifestIO.readList(
              reader.operations().storage(), reader.operations().resolvePath(s.manifestList()))) {
        if (m.addedSnapshotId != s.snapshotId()) {
          continue; // a manifest carried over from an older snapshot lists none of its changes
        }
        for (ManifestIO.Change c :
            ManifestIO.changes(
                reader.operations().storage(),
                m,
                reader.operations()::resolvePath,
                s.snapshotId())) {
          if (c.content() != 0) {
            deleteFilesChanged = true;
          } else if (c.added()) {
            added.add(c.file());
          } else {
            removed.add(c.file());
          }
        }
      }
      boolean parentHasDeletes = parent != null && parent.summaryLong("total-delete-files", 1) != 0;
      if (s.summary().containsKey("datashard.rollback-to")
          || !addsUp(parent, s, added.size() - removed.size())) {
        // Some files came from manifests of older snapshots (a rollback reuses its target's) or
        // the summary cannot tell: compare the two snapshots' files instead.
        Set<String> parentPaths = new HashSet<>();
        List<DataFile> parentFiles = parent == null ? List.of() : reader.files(parent);
        parentFiles.forEach(f -> parentPaths.add(f.path()));
        Set<String> paths = new HashSet<>();
        added.clear();
        removed.clear();
        for (DataFile f : reader.files(s)) {
          paths.add(f.path());
          if (!parentPaths.contains(f.path())) {
            added.add(f);
          }
        }
        for (DataFile f : parentFiles) {
          if (!paths.contains(f.path())) {
            removed.add(f);
          }
        }
        deleteFilesChanged = parentHasDeletes || s.summaryLong("total-delete-files", 1) != 0;
      }
      if (parentHasDeletes || deleteFilesChanged) {
        beforeDeletes = parent == null ? DeleteIndex.empty() : reader.deletes(parent);
        afterDeletes = reader.deletes(s);
      }
      before.addAll(removed);
      after.addAll(added);
      if (deleteFilesChanged) {
        Set<String> addedPaths = new HashSet<>();
        added.forEach(f -> addedPaths.add(f.path()));
        for (DataFile f : reader.files(s)) {
          if (!addedPaths.contains(f.path())
              && !sameDeletes(beforeDeletes.forFile(f), afterDeletes.forFile(f))) {
            before.add(f);
            after.add(f);
          }
        }
      }
    }
    filesTouched += before.size() + after.size();
    before = pruned(before);
    after = pruned(after);
    long snapshotId = s.snapshotId();
    if (before.isEmpty()) {
      // a pure append: its rows stream through
      CloseableIterator<Row> rows = reader.readFiles(counted(after), readSchema, afterDeletes);
      return filtered(rows, INSERT, ordinal, snapshotId);
    }
    Map<RowKey, Integer> gone = new LinkedHashMap<>();
    try (CloseableIterator<Row> rows =
        reader.readFiles(counted(before), readSchema, beforeDeletes)) {
      while (rows.hasNext()) {
        rowsRead++;
        gone.merge(new RowKey(rows.next()), 1, Integer::sum);
      }
    }
    List<Row> inserted = new ArrayList<>();
    try (CloseableIterator<Row> rows = reader.readFiles(counted(after), readSchema, afterDeletes)) {
      while (rows.hasNext()) {
        rowsRead++;
        Row r = rows.next();
        RowKey k = new RowKey(r);
        Integer n = gone.get(k);
        if (n == null) {
          inserted.add(r);
        } else if (n == 1) {
          gone.remove(k);
        } else {
          gone.put(k, n - 1);
        }
      }
    }
    List<Row> deleted = new ArrayList<>();
    for (Map.Entry<RowKey, Integer> e : gone.entrySet()) {
      for (int i = 0; i < e.getValue(); i++) {
        deleted.add(e.getKey().row);
      }
    }
    // with a key, a deleted and an inserted row of the same key are one update
    List<Row[]> updates = new ArrayList<>();
    if (keyPositions.length > 0) {
      Map<List<Object>, Deque<Row>> deletedByKey = new LinkedHashMap<>();
      for (Row r : deleted) {
        deletedByKey.computeIfAbsent(key(r), k -> new ArrayDeque<>()).add(r);
      }
      List<Row> unpaired = new ArrayList<>();
      for (Row r : inserted) {
        Deque<Row> d = deletedByKey.get(key(r));
        if (d != null && !d.isEmpty()) {
          updates.add(new Row[] {d.poll(), r});
        } else {
          unpaired.add(r);
        }
      }
      inserted = unpaired;
      deleted = new ArrayList<>();
      deletedByKey.values().forEach(deleted::addAll);
    }
    List<Row> result = new ArrayList<>();
    for (Row r : deleted) {
      add(result, r, DELETE, ordinal, snapshotId);
    }
    for (Row[] u : updates) {
      add(result, u[0], UPDATE_BEFORE, ordinal, snapshotId);
      add(result, u[1], UPDATE_AFTER, ordinal, snapshotId);
    }
    for (Row r : inserted) {
      add(result, r, INSERT, ordinal, snapshotId);
    }
    return CloseableIterator.of(result.iterator());
  }

  private List<DataFile> counted(List<DataFile> files) {
    for (DataFile f : files) {
      filesRead++;
      bytesRead += f.fileSizeInBytes();
    }
    return files;
  }

  private List<DataFile> pruned(List<DataFile> files) {
    if (!prune) {
      return files;
    }
    List<DataFile> kept = new ArrayList<>();
    for (DataFile f : files) {
      if (PartitionPruning.mightMatch(filter, f, meta, readSchema)
          && MetricsEvaluator.mightMatch(filter, new FileStats(f, readSchema))) {
        kept.add(f);
      } else {
        filesPruned++;
      }
    }
    return kept;
  }

  private List<Object> key(Row r) {
    List<Object> k = new ArrayList<>(keyPositions.length);
    for (int p : keyPositions) {
      k.add(RowKey.comparable(r.get(p)));
    }
    return k;
  }

  private void add(List<Row> out, Row r, String type, int ordinal, long snapshotId) {
    if (rowFilter != null && !rowFilter.matches(r)) {
      return;
    }
    out.add(changeRow(r, type, ordinal, snapshotId));
  }

  private Row changeRow(Row r, String type, int ordinal, long snapshotId) {
    Object[] values = new Object[outputPositions.length + 3];
    for (int i = 0; i < outputPositions.length; i++) {
      values[i] = r.get(outputPositions[i]);
    }
    values[outputPositions.length] = type;
    values[outputPositions.length + 1] = ordinal;
    values[outputPositions.length + 2] = snapshotId;
    return Row.of(output.asStruct(), values);
  }

  private CloseableIterator<Row> filtered(
      CloseableIterator<Row> rows, String type, int ordinal, long snapshotId) {
    return new CloseableIterator<>() {
      private Row next;

      @Override
      public boolean hasNext() {
        while (next == null && rows.hasNext()) {
          Row r = rows.next();
          rowsRead++;
          if (rowFilter == null || rowFilter.matches(r)) {
            next = changeRow(r, type, ordinal, snapshotId);
          }
        }
        return next != null;
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Row r = next;
        next = null;
        return r;
      }

      @Override
      public void close() {
        rows.close();
      }
    };
  }

  /**
   * True if the parent's data file count plus what the snapshot's own manifests added and removed
   * is the snapshot's count: then those manifests list all of its changes.
   */
  private static boolean addsUp(Snapshot parent, Snapshot s, long net) {
    long before = parent == null ? 0 : parent.summaryLong("total-data-files", -1);
    long after = s.summaryLong("total-data-files", -1);
    return before >= 0 && after >= 0 && before + net == after;
  }

  /** True if the same delete files apply on both sides. */
  private static boolean sameDeletes(DeleteIndex.FileDeletes a, DeleteIndex.FileDeletes b) {
    return paths(a).equals(paths(b));
  }

  private static Set<String> paths(DeleteIndex.FileDeletes d) {
    Set<String> out = new HashSet<>();
    if (d != null) {
      d.positions().forEach(x -> out.add(x.file.path()));
      d.equalities().forEach(x -> out.add(x.file.path()));
    }
    return out;
  }

  /** A row compared by its values' contents (binary values included). */
  private static final class RowKey {
    final Row row;
    private final Object[] values;
    private final int hash;

    RowKey(Row row) {
      this.row = row;
      this.values = new Object[row.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = comparable(row.get(i));
      }
      this.hash = Arrays.deepHashCode(values);
    }

    static Object comparable(Object v) {
      // binary values compare by content: a ByteBuffer does, a byte[] does not
      return v instanceof byte[] b ? ByteBuffer.wrap(b) : v;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof RowKey k && hash == k.hash && Arrays.deepEquals(values, k.values);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
