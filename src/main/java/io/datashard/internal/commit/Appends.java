package io.datashard.internal.commit;

import io.datashard.DataFile;
import io.datashard.FileFormat;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.TableProperties;
import io.datashard.Types;
import io.datashard.ValidationException;
import io.datashard.internal.DataFileIO;
import io.datashard.internal.DataFileRegistration;
import io.datashard.internal.NameMapping;
import io.datashard.internal.RecordConverter;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.internal.scan.TableReader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Appends to main: through group commit where they can share a snapshot, else on their own (an
 * {@link AppendCommit}); streamed appends ({@link BulkAppend}); and appends of data files written
 * elsewhere.
 */
public final class Appends {
  /** Rows a streamed append to a partitioned table holds at a time (split per partition). */
  public static final long STREAM_PARTITIONED_CHUNK = 100_000;

  private final TableReader reader;
  private final DataWriter writer;
  private final Committer committer;
  private final GroupCommit group;

  public Appends(TableReader reader, DataWriter writer, Committer committer, GroupCommit group) {
    this.reader = reader;
    this.writer = writer;
    this.committer = committer;
    this.group = group;
  }

  private TableOperations ops() {
    return reader.operations();
  }

  /** Appends records in one atomic commit (see {@link #append(List, List, Map, FileFormat)}). */
  public Snapshot append(List<Object> records, Map<String, String> extraSummary) {
    return append(records, List.of(), extraSummary, null);
  }

  /**
   * Appends records, written in {@code format} (null: the table's {@code write.format.default}),
   * and data files written elsewhere (checked by {@link DataFileRegistration}) in one atomic
   * commit. With group commit on, appends of up to {@link TableProperties#GROUP_COMMIT_MAX_ROWS}
   * records in the table's default format may share one snapshot with concurrent appends from any
   * thread or process; larger ones commit on their own (sharing saves little there, and queueing
   * would copy all their rows once more).
   */
  public Snapshot append(
      List<Object> records,
      List<DataFile> registered,
      Map<String, String> extraSummary,
      FileFormat format) {
    TableMetadata known = ops().current();
    if (registered.isEmpty()
        && (format == null || format == DataFileIO.defaultFormat(known.properties()))
        && group.enabled(known)
        && !known.schema().columns().isEmpty()
        && records.size()
            <= known.propertyLong(
                TableProperties.GROUP_COMMIT_MAX_ROWS,
                TableProperties.GROUP_COMMIT_MAX_ROWS_DEFAULT)) {
      Schema schema = known.schema();
      List<Row> rows = DataWriter.convert(schema, records, false);
      Snapshot s = group.append(schema, rows, extraSummary);
      if (s != null) {
        return s;
      }
      // the schema changed since this table object read it: convert again against the new one
    }
    TableMetadata base = ops().refresh();
    CommitFiles files = CommitFiles.over(ops().storage());
    StagedAppend staged;
    if (registered.isEmpty()) {
      staged = writer.stage(base, records, false, format, files);
    } else {
      staged = stageWithRegistered(base, records, registered, format, files);
    }
    return commit(staged, files, extraSummary);
  }

  private StagedAppend stageWithRegistered(
      TableMetadata base,
      List<Object> records,
      List<DataFile> registered,
      FileFormat format,
      CommitFiles files) {
    if (base.schema().columns().isEmpty()) {
      throw new ValidationException(
          "Cannot add data files to table "
              + ops().root()
              + ": it has no schema yet, so the files cannot be checked against one. Create the "
              + "table with a schema first.");
    }
    List<DataFile> checked = new ArrayList<>();
    boolean byName = false;
    Set<String> seen = new HashSet<>();
    DataFileRegistration r = new DataFileRegistration(reader, base);
    for (DataFile f : registered) {
      if (!seen.add(f.path())) {
        throw new ValidationException(
            "Cannot add data file "
                + f.path()
                + " to table "
                + ops().root()
                + ": it is given twice in one append (its rows would be duplicated). Add each "
                + "file once.");
      }
      checked.add(r.check(f));
      byName |= r.matchedByName();
    }
    StagedAppend staged =
        writer.stageRows(
            base,
            base.schema(),
            false,
            DataWriter.convert(base.schema(), records, true),
            false,
            format,
            checked,
            files);
    if (byName) {
      // files without field ids: tell other Iceberg readers to map their columns by name
      staged.defaultProperty(TableProperties.NAME_MAPPING, NameMapping.json(base.schema()));
    }
    return staged;
  }

  /** Commits staged files as a new snapshot on main (blind: rebased onto newer versions). */
  public Snapshot commit(StagedAppend staged, CommitFiles files, Map<String, String> extraSummary) {
    return committer.commit(new AppendCommit(ops(), staged, extraSummary, null), files).value();
  }

  /** An append whose files are written now and committed later ({@link Prepared#commit()}). */
  public Prepared prepare(TableMetadata base, List<?> records) {
    CommitFiles files = CommitFiles.over(ops().storage());
    return new Prepared(writer.stage(base, records, false, null, files), files);
  }

  /** The files of an append, written; committing them is the caller's next step. */
  public final class Prepared {
    private final StagedAppend staged;
    private final CommitFiles files;

    private Prepared(StagedAppend staged, CommitFiles files) {
      this.staged = staged;
      this.files = files;
    }

    /** Commits the files (on whatever version is newest then). */
    public Snapshot commit() {
      return Appends.this.commit(staged, files, Map.of());
    }
  }

  /** Starts an append too large to hold in memory. */
  public BulkAppend bulk() {
    return new BulkAppend(reader, writer, committer);
  }

  /**
   * Appends the records an iterator yields, converted and written into Parquet data files while
   * they are read (files of at most {@link TableProperties#STREAM_ROWS_PER_FILE} rows), and
   * committed in one snapshot: memory holds one file's writer (and, in a partitioned table, up to
   * {@value #STREAM_PARTITIONED_CHUNK} rows), not all the records. A table without a schema yet, or
   * whose files are not Parquet, takes the records into memory and appends them the ordinary way.
   * If a record does not fit the schema, the files written so far are removed and nothing is
   * committed.
   */
  public Snapshot appendStream(Iterator<?> records, Map<String, String> extraSummary) {
    try (BulkAppend bulk = bulk()) { // reads the newest version once
      TableMetadata known = bulk.base();
      if (bulk.needsSchema()
          || DataFileIO.defaultFormat(known.properties()) != FileFormat.PARQUET) {
        List<Object> all = new ArrayList<>();
        records.forEachRemaining(all::add);
        return append(all, List.of(), extraSummary, null); // (the bulk append wrote nothing)
      }
      Types.StructType type = bulk.schema().asStruct();
      long[] index = {0};
      Iterator<Row> rows =
          new Iterator<>() {
            @Override
            public boolean hasNext() {
              return records.hasNext();
            }

            @Override
            public Row next() {
              return RecordConverter.toRow(type, records.next(), index[0]++);
            }
          };
      long perFile =
          Math.max(
              1,
              known.propertyLong(
                  TableProperties.STREAM_ROWS_PER_FILE,
                  TableProperties.STREAM_ROWS_PER_FILE_DEFAULT));
      if (bulk.partitioned()) {
        perFile = Math.min(perFile, STREAM_PARTITIONED_CHUNK);
      }
      while (rows.hasNext()) {
        bulk.writeFile(limit(rows, perFile));
      }
      if (bulk.files().isEmpty()) {
        throw new ValidationException(
            "Nothing to append: the records' iterator yielded none, so nothing was committed");
      }
      return bulk.commit(extraSummary);
    }
  }

  /** At most {@code n} more elements of {@code it}. */
  private static <T> Iterator<T> limit(Iterator<T> it, long n) {
    return new Iterator<>() {
      long left = n;

      @Override
      public boolean hasNext() {
        return left > 0 && it.hasNext();
      }

      @Override
      public T next() {
        if (left <= 0) {
          throw new NoSuchElementException();
        }
        left--;
        return it.next();
      }
    };
  }
}
