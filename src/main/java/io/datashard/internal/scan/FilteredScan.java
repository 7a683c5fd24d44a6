package io.datashard.internal.scan;

import io.datashard.CloseableIterator;
import io.datashard.DataFile;
import io.datashard.Expression;
import io.datashard.Expressions;
import io.datashard.Row;
import io.datashard.ScanReport;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Types;
import io.datashard.internal.DataFileIO;
import io.datashard.internal.Rows;
import io.datashard.internal.deletes.DeleteIndex;
import io.datashard.internal.deletes.DeleteReader;
import io.datashard.internal.expr.Binder;
import io.datashard.internal.expr.BoundExpr;
import io.datashard.internal.expr.FileStats;
import io.datashard.internal.expr.MetricsEvaluator;
import io.datashard.internal.expr.RowFilter;
import io.datashard.internal.expr.StrictMetricsEvaluator;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.internal.parquet.RowGroupFilter;
import io.datashard.internal.parquet.RowGroupStats;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A scan with a filter: data files are pruned by their manifest statistics before any is opened,
 * Parquet row groups by their footer statistics, and rows are tested exactly. Columns the filter
 * needs but the scan does not return are read and dropped after the test. Figures go to a {@link
 * ScanReport}.
 */
public final class FilteredScan {
  private final Snapshot snapshot;
  private final TableReader reader;
  private final Schema tableSchema;
  private final Schema output;
  private final Schema read;
  private final BoundExpr filter;
  private final List<DataFile> considered;
  private final DeleteIndex deletes;
  private final DeleteReader deleteReader;
  private final List<DataFile> kept = new ArrayList<>();
  private long bytesConsidered;
  private long filesPruned;
  private long bytesPruned;
  private long filesRead;
  private long bytesRead;
  private long groupsRead;
  private long groupsSkipped;
  private long rowsRead;
  private long rowsMatched;
  private long filesAllMatch;
  private long bytesAllMatch;

  /** Plans the scan: binds the filter and prunes files (reads manifests, opens no data file). */
  public FilteredScan(
      TableReader reader, Snapshot snapshot, List<String> columns, Expression filter) {
    this.reader = reader;
    this.snapshot = snapshot;
    this.tableSchema = reader.projection(snapshot, null);
    this.output = reader.projection(snapshot, columns);
    this.filter = Binder.bind(tableSchema, filter == null ? Expressions.alwaysTrue() : filter);
    this.read = readSchema(tableSchema, output, this.filter);
    this.considered = reader.files(snapshot); // explains a lost file itself
    // equality deletes whose deleted values cannot match the filter cannot remove a row it returns
    this.deletes =
        this.filter.op() == Expression.Operation.TRUE
            ? reader.deletes(snapshot)
            : reader
                .deletes(snapshot)
                .withoutEqualityDeletes(
                    d ->
                        !MetricsEvaluator.mightMatch(
                            this.filter, new FileStats(d.file, tableSchema)));
    this.deleteReader = reader.deleteReader();
    TableMetadata meta = reader.operations().current();
    for (DataFile f : considered) {
      bytesConsidered += f.fileSizeInBytes();
      if (PartitionPruning.mightMatch(this.filter, f, meta, tableSchema)
          && MetricsEvaluator.mightMatch(this.filter, new FileStats(f, tableSchema))) {
        kept.add(f);
      } else {
        filesPruned++;
        bytesPruned += f.fileSizeInBytes();
      }
    }
  }

  /** The output columns, then any other top-level columns the filter reads. */
  private static Schema readSchema(Schema table, Schema output, BoundExpr filter) {
    List<Types.NestedField> fields = new ArrayList<>(output.columns());
    Set<Integer> need = filter.topLevelIds();
    for (Types.NestedField f : table.columns()) {
      if (need.contains(f.id()) && output.asStruct().fieldById(f.id()) == null) {
        fields.add(f);
      }
    }
    return fields.size() == output.columns().size() ? output : new Schema(table.schemaId(), fields);
  }

  /** The files left after pruning. */
  public List<DataFile> files() {
    return List.copyOf(kept);
  }

  /** The figures so far. */
  public ScanReport report() {
    return ScanReport.builder()
        .filter(filter.toString())
        .considered(considered.size(), bytesConsidered)
        .pruned(filesPruned, bytesPruned)
        .read(filesRead, bytesRead)
        .rowGroups(groupsRead, groupsSkipped)
        .rows(rowsRead, rowsMatched)
        .allMatching(filesAllMatch, bytesAllMatch)
        .build();
  }

  /**
   * The number of matching rows, exactly. Files whose statistics prove that every row matches
   * (always so without a filter) are counted from their record counts without being opened; the
   * others are read.
   */
  public long count() {
    return ExpiredReads.guard(reader.operations(), snapshot, this::countRows);
  }

  private long countRows() {
    long n = 0;
    List<DataFile> toRead = new ArrayList<>();
    for (DataFile f : kept) {
      DeleteIndex.FileDeletes d = deletes.forFile(f);
      if ((d == null || d.positionsOnly())
          && StrictMetricsEvaluator.allMatch(filter, new FileStats(f, tableSchema))) {
        long live =
            d == null
                ? f.recordCount()
                : deleteReader.liveCount(
                    f,
                    d,
                    schema ->
                        DataFileIO.read(
                            reader.operations().storage(),
                            reader.operations().resolvePath(f.path()),
                            f.format(),
                            schema));
        n += live;
        rowsMatched += live;
        filesAllMatch++;
        bytesAllMatch += f.fileSizeInBytes();
      } else {
        toRead.add(f);
      }
    }
    try (CloseableIterator<Row> rows = rows(toRead)) {
      while (rows.hasNext()) {
        rows.next();
        n++;
      }
    }
    return n;
  }

  /**
   * The matching rows, one file open at a time; calls {@code onDone} with the report when exhausted
   * or closed.
   */
  public CloseableIterator<Row> rows(Consumer<ScanReport> onDone) {
    return ExpiredReads.guard(reader.operations(), snapshot, rowsReporting(onDone));
  }

  private CloseableIterator<Row> rowsReporting(Consumer<ScanReport> onDone) {
    CloseableIterator<Row> inner = rows();
    return new CloseableIterator<Row>() {
      private boolean reported;

      @Override
      public boolean hasNext() {
        boolean more = inner.hasNext();
        if (!more) {
          close();
        }
        return more;
      }

      @Override
      public Row next() {
        return inner.next();
      }

      @Override
      public void close() {
        inner.close();
        if (!reported) {
          reported = true;
          onDone.accept(report());
        }
      }
    };
  }

  /** The matching rows, one file open at a time. */
  public CloseableIterator<Row> rows() {
    return ExpiredReads.guard(reader.operations(), snapshot, filteredRows());
  }

  private CloseableIterator<Row> filteredRows() {
    return rows(kept);
  }

  private CloseableIterator<Row> rows(List<DataFile> dataFiles) {
    Iterator<DataFile> files = dataFiles.iterator();
    RowFilter rowFilter =
        filter.op() == Expression.Operation.TRUE ? null : RowFilter.of(filter, read.asStruct());
    boolean narrow = read != output;
    Types.StructType outType = output.asStruct();
    RowGroupFilter groups =
        filter.op() == Expression.Operation.TRUE
            ? (schema, block) -> {
              groupsRead++;
              return true;
            }
            : (schema, block) -> {
              if (MetricsEvaluator.mightMatch(
                  filter, new RowGroupStats(schema, block, tableSchema))) {
                groupsRead++;
                return true;
              }
              groupsSkipped++;
              return false;
            };
    return new CloseableIterator<Row>() {
      private CloseableIterator<Row> current;
      private Row next;

      @Override
      public boolean hasNext() {
        while (next == null) {
          if (current != null && current.hasNext()) {
            Row r = current.next();
            rowsRead++;
            if (rowFilter == null || rowFilter.matches(r)) {
              rowsMatched++;
              next = narrow ? Rows.leading(outType, r) : r;
            }
            continue;
          }
          if (current != null) {
            current.close();
            current = null;
          }
          if (!files.hasNext()) {
            return false;
          }
          DataFile f = files.next();
          filesRead++;
          bytesRead += f.fileSizeInBytes();
          // Parquet row groups are skipped by their footer statistics; other formats are read whole
          current = reader.open(f, read, deletes, deleteReader, groups);
        }
        return true;
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
        if (current != null) {
          current.close();
          current = null;
        }
      }
    };
  }
}
