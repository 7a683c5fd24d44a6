package io.datashard;

import io.datashard.internal.TableCore;
import io.datashard.internal.TableHistory;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * An append of records, committed atomically by {@link #commit()}: either all of them become
 * visible in one new snapshot, or none does.
 *
 * <p>Records may be {@code Map<String, Object>} (column name to value), Java {@code record}
 * instances (component name to value) or {@link Row}s. Values are checked against the table schema
 * and converted where nothing is lost (see {@link Row} for the Java types of each column type). An
 * append is "blind": it does not depend on what the table holds, so if another process commits
 * first, the append is rebased onto the new version and retried; it never fails for that reason
 * unless the retry limit of {@link TableOptions} is reached.
 */
public final class Append {
  private final TableCore core;
  private final List<Object> records = new ArrayList<>();
  private final List<Iterator<?>> streams = new ArrayList<>();
  private final Map<String, String> summary = new LinkedHashMap<>();
  private final List<DataFile> files = new ArrayList<>();
  private FileFormat format;
  private String branch;

  Append(TableCore core) {
    this.core = core;
  }

  /** Adds one record. */
  public Append add(Object record) {
    records.add(record);
    return this;
  }

  /** Adds records. */
  public Append addAll(Iterable<?> more) {
    for (Object r : more) {
      records.add(r);
    }
    return this;
  }

  /**
   * Adds the records an iterator yields, read when {@link #commit()} runs rather than now, for
   * appends too large to hold in memory. An append of records to {@code main} in a table with a
   * schema whose files are Parquet (the default) streams them: each record is converted and written
   * into a data file as it is read (files of at most 1,000,000 rows, or the table property {@code
   * datashard.append.stream.rows-per-file}; a partitioned table holds 100,000 rows at a time to
   * split them), so memory does not grow with the number of records, and all the files commit in
   * one snapshot. Other appends (to a branch, with data files added, in another format, or to a
   * table without a schema) read the records into memory first. If a record does not fit the
   * schema, nothing is committed and the files written are removed.
   *
   * <pre>{@code
   * table.newAppend().addAll(rows.iterator()).commit(); // rows: any Iterable or Stream of records
   * }</pre>
   */
  public Append addAll(Iterator<?> more) {
    if (more == null) {
      throw new ValidationException("addAll needs an iterator of records, got null");
    }
    streams.add(more);
    return this;
  }

  /**
   * Writes this append's records in {@code fileFormat} instead of the table's default (the table
   * property {@code write.format.default}: parquet, orc or avro). ORC needs the optional ORC jars
   * on the classpath. An append with a format other than the default commits on its own (it does
   * not share a snapshot with concurrent appends).
   */
  public Append format(FileFormat fileFormat) {
    this.format = fileFormat;
    return this;
  }

  /**
   * Adds a data file written elsewhere, in the same commit as any records. When committing, the
   * file is checked: it must be under the table directory (or a directory listed in the table
   * property {@code datashard.data-files.allowed-roots}), also after resolving symbolic links;
   * exist with the stated size; be of the stated format; have columns that fit the table schema (by
   * Iceberg field id, or by name if the file has none); and hold the stated number of records. Its
   * column metrics are read from it for the manifest. The file is referenced where it is, not
   * copied, and is never deleted by a failed commit.
   *
   * <pre>{@code
   * table.newAppend().appendFile(DataFile.builder().path(dir + "/data/ext.parquet")
   *     .format(FileFormat.PARQUET).recordCount(1000).fileSizeInBytes(512000).build()).commit();
   * }</pre>
   */
  public Append appendFile(DataFile file) {
    if (file == null) {
      throw new ValidationException("appendFile needs a DataFile, got null");
    }
    files.add(file);
    return this;
  }

  /**
   * Commits to this branch instead of {@code main}: the new snapshot's parent is the branch head
   * and only the branch moves. The branch must exist (see {@link Table#branch(String)}).
   */
  public Append toBranch(String name) {
    this.branch = name;
    return this;
  }

  /** Records a custom key in the snapshot summary (for example a writer id). */
  public Append summary(String key, String value) {
    if (key.equals("operation")) {
      throw new ValidationException("The summary key 'operation' is reserved: choose another key");
    }
    summary.put(key, value);
    return this;
  }

  /**
   * Writes the records and commits them.
   *
   * @return the new snapshot
   * @throws ValidationException if a record does not fit the schema, or an added file fails its
   *     checks; nothing is committed
   * @throws CommitConflictException if retries ran out; nothing is committed
   * @throws CommitStateUnknownException if it is unknown whether the commit happened
   */
  public Snapshot commit() {
    if (!streams.isEmpty()) {
      if (branch == null && files.isEmpty() && format == null) {
        List<Iterator<?>> sources = new ArrayList<>();
        sources.add(records.iterator());
        sources.addAll(streams);
        return core.appends().appendStream(concat(sources), summary);
      }
      for (Iterator<?> it : streams) {
        it.forEachRemaining(records::add);
      }
      streams.clear();
    }
    if (branch != null) {
      if (!files.isEmpty() || format != null) {
        throw new ValidationException(
            "An append to branch '"
                + branch
                + "' cannot yet add existing data files "
                + "or choose a file format: append to main for that, or append records to the branch.");
      }
      return new TableHistory(core).appendToBranch(branch, records, summary);
    }
    return core.appends().append(records, files, summary, format);
  }

  /** The elements of each iterator in turn, read lazily. */
  private static Iterator<Object> concat(List<Iterator<?>> sources) {
    return new Iterator<>() {
      int at;

      @Override
      public boolean hasNext() {
        while (at < sources.size()) {
          if (sources.get(at).hasNext()) {
            return true;
          }
          at++;
        }
        return false;
      }

      @Override
      public Object next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return sources.get(at).next();
      }
    };
  }
}
