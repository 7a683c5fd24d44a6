package io.datashard.internal.commit;

import io.datashard.DataFile;
import io.datashard.Snapshot;
import io.datashard.internal.manifest.ManifestIO;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one place snapshot summaries are computed (the spec's optional summary fields, and
 * DataShard's own keys). Keys come in this order: {@code operation}, the change's own keys, the
 * counts of added and removed data files, {@code changed-partition-count}, and the table totals.
 */
public final class SnapshotSummary {
  /** Summary key (the spec's): data files the snapshot added. */
  public static final String ADDED_DATA_FILES = "added-data-files";

  /** Summary key (the spec's): live data files of the table at the snapshot. */
  public static final String TOTAL_DATA_FILES = "total-data-files";

  /** Summary key: rows a delete, overwrite or upsert removed. */
  public static final String ROWS_REMOVED = "datashard.rows-removed";

  /**
   * Unchanged rows a copy-on-write change copied into new files (the rest of the files it rewrote):
   * its cost, not a change to the user's rows.
   */
  public static final String ROWS_REWRITTEN = "datashard.rows-rewritten";

  /** Rows a change added that replace no row (for an upsert: records with a new key). */
  public static final String ROWS_INSERTED = "datashard.rows-inserted";

  /** Keys an upsert replaced: existing rows with these keys gave way to the new records. */
  public static final String ROWS_REPLACED = "datashard.rows-replaced";

  /** Summary key: ids of the append requests a group commit carried, comma-separated. */
  public static final String GROUP_REQUESTS = "datashard.group-requests";

  /** Summary key: the id of the snapshot whose data a rollback restores. */
  public static final String ROLLBACK_TO = "datashard.rollback-to";

  /** Summary key: the filter of a delete or overwrite. */
  public static final String FILTER = "datashard.filter";

  /** Summary key: the key columns of an upsert. */
  public static final String UPSERT_KEY = "datashard.upsert-key";

  /** Summary key: how many input files an import read. */
  public static final String IMPORT_FILES = "datashard.import-files";

  /** Summary key: the writer (process) that made a commit, where the caller names it. */
  public static final String WRITER = "datashard.writer";

  private SnapshotSummary() {}

  /** Starts the summary of a snapshot of this operation ({@code append}, {@code replace}, ...). */
  public static Builder builder(String operation) {
    return new Builder(operation);
  }

  /** The operation of a change that adds and removes these numbers of data files. */
  public static String operationOf(int added, int removed) {
    return removed == 0 ? "append" : added == 0 ? "delete" : "overwrite";
  }

  /** Builds one summary. */
  public static final class Builder {
    private final Map<String, String> own = new LinkedHashMap<>();
    private final String operation;
    private int addedFiles;
    private long addedRecords;
    private long addedBytes;
    private int removedFiles;
    private long removedRecords;
    private long removedBytes;
    private final long[] addedDeletes = new long[5]; // files, position files, eq files, pos, eq
    private final long[] removedDeletes = new long[5];
    private boolean zeroCounts;
    private String changedPartitions;
    private Snapshot totalsParent;
    private boolean totalsFromParent;
    private long[] explicitTotals;

    private Builder(String operation) {
      this.operation = operation;
    }

    /** Puts the change's own keys (after {@code operation}, in their order). */
    public Builder putAll(Map<String, String> values) {
      own.putAll(values);
      return this;
    }

    /** Puts one of the change's own keys. */
    public Builder put(String key, String value) {
      own.put(key, value);
      return this;
    }

    /** Counts data files the snapshot adds. */
    public Builder added(List<DataFile> files) {
      for (DataFile f : files) {
        addedFiles++;
        addedRecords += f.recordCount();
        addedBytes += f.fileSizeInBytes();
      }
      return this;
    }

    /** Counts data files the snapshot removes. */
    public Builder removed(List<DataFile> files) {
      for (DataFile f : files) {
        removedFiles++;
        removedRecords += f.recordCount();
        removedBytes += f.fileSizeInBytes();
      }
      return this;
    }

    /** Counts delete files the snapshot adds. */
    public Builder addedDeletes(List<ManifestIO.DeleteEntry> files) {
      count(addedDeletes, files);
      return this;
    }

    /** Counts delete files the snapshot removes (they no longer apply to any data file). */
    public Builder removedDeletes(List<ManifestIO.DeleteEntry> files) {
      count(removedDeletes, files);
      return this;
    }

    private static void count(long[] counts, List<ManifestIO.DeleteEntry> files) {
      for (ManifestIO.DeleteEntry d : files) {
        boolean position = d.content == ManifestIO.POSITION_DELETES;
        counts[0]++;
        counts[position ? 1 : 2]++;
        counts[position ? 3 : 4] += Math.max(0, d.file.recordCount());
      }
    }

    /**
     * Writes all six counts even where zero (rewrites and rollbacks); by default the added and the
     * removed counts appear only when files were added or removed.
     */
    public Builder withZeroCounts() {
      zeroCounts = true;
      return this;
    }

    /** Sets {@code changed-partition-count}. */
    public Builder changedPartitions(int count) {
      changedPartitions = Integer.toString(count);
      return this;
    }

    /** Sets {@code changed-partition-count} to 1 if the snapshot adds or removes files, else 0. */
    public Builder changedPartitionsByChange() {
      return changedPartitions(addedFiles > 0 || removedFiles > 0 ? 1 : 0);
    }

    /**
     * The table totals: the parent's (zero for a first snapshot) changed by the counts; left out
     * when the parent's summary has no totals.
     */
    public Builder totalsFrom(Snapshot parent) {
      totalsFromParent = true;
      totalsParent = parent;
      return this;
    }

    /** The table totals given outright (no delete files). */
    public Builder totals(long records, long bytes, long files) {
      explicitTotals = new long[] {records, bytes, files};
      return this;
    }

    public Map<String, String> build() {
      Map<String, String> s = new LinkedHashMap<>();
      s.put("operation", operation);
      s.putAll(own);
      if (zeroCounts || addedFiles > 0) {
        s.put(ADDED_DATA_FILES, Integer.toString(addedFiles));
        s.put("added-records", Long.toString(addedRecords));
        s.put("added-files-size", Long.toString(addedBytes));
      }
      if (zeroCounts || removedFiles > 0) {
        s.put("deleted-data-files", Integer.toString(removedFiles));
        s.put("deleted-records", Long.toString(removedRecords));
        s.put("removed-files-size", Long.toString(removedBytes));
      }
      putDeleteCounts(s, "added", addedDeletes);
      putDeleteCounts(s, "removed", removedDeletes);
      if (changedPartitions != null) {
        s.put("changed-partition-count", changedPartitions);
      }
      if (explicitTotals != null) {
        putTotals(s, explicitTotals[0], explicitTotals[1], explicitTotals[2], null);
      } else if (totalsFromParent) {
        Snapshot p = totalsParent;
        long records = p == null ? 0 : p.summaryLong("total-records", -1);
        long files = p == null ? 0 : p.summaryLong(TOTAL_DATA_FILES, -1);
        long size = p == null ? 0 : p.summaryLong("total-files-size", -1);
        if (records >= 0 && files >= 0 && size >= 0) {
          putTotals(
              s,
              records + addedRecords - removedRecords,
              size + addedBytes - removedBytes,
              files + addedFiles - removedFiles,
              p);
        }
      }
      return s;
    }

    /** The delete-file counts of one side ({@code added} or {@code removed}), if any. */
    private static void putDeleteCounts(Map<String, String> s, String side, long[] counts) {
      if (counts[0] > 0) {
        s.put(side + "-delete-files", Long.toString(counts[0]));
        putIfPositive(s, side + "-position-delete-files", counts[1]);
        putIfPositive(s, side + "-equality-delete-files", counts[2]);
        putIfPositive(s, side + "-position-deletes", counts[3]);
        putIfPositive(s, side + "-equality-deletes", counts[4]);
      }
    }

    private static void putIfPositive(Map<String, String> s, String key, long value) {
      if (value > 0) {
        s.put(key, Long.toString(value));
      }
    }

    private void putTotals(
        Map<String, String> s, long records, long bytes, long files, Snapshot parent) {
      s.put("total-records", Long.toString(records));
      s.put("total-files-size", Long.toString(bytes));
      s.put(TOTAL_DATA_FILES, Long.toString(files));
      String[] keys = {"total-delete-files", "total-position-deletes", "total-equality-deletes"};
      long[] change = {
        addedDeletes[0] - removedDeletes[0],
        addedDeletes[3] - removedDeletes[3],
        addedDeletes[4] - removedDeletes[4]
      };
      for (int i = 0; i < keys.length; i++) {
        long before = parent == null ? 0 : parent.summaryLong(keys[i], 0);
        s.put(keys[i], Long.toString(Math.max(0, before + change[i])));
      }
    }
  }
}
