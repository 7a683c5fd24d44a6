package io.datashard;

import java.util.Objects;

/**
 * What a scan read: how many data files (and bytes) it considered, how many it pruned by the column
 * statistics in the manifests without opening them, how many it opened, how many Parquet row groups
 * it skipped by their footer statistics, and how many rows it decoded and returned.
 *
 * <pre>{@code
 * ScanReport r = table.scan().filter("score > 0.5").explain();
 * System.out.println(r.filesPruned() + " of " + r.filesConsidered() + " files pruned");
 * }</pre>
 */
public final class ScanReport {
  private final String filter;
  private final long filesConsidered;
  private final long bytesConsidered;
  private final long filesPruned;
  private final long bytesPruned;
  private final long filesRead;
  private final long bytesRead;
  private final long rowGroupsRead;
  private final long rowGroupsSkipped;
  private final long rowsRead;
  private final long rowsMatched;
  private final long filesAllMatching;
  private final long bytesAllMatching;

  private ScanReport(Builder b) {
    this.filter = b.filter;
    this.filesConsidered = b.filesConsidered;
    this.bytesConsidered = b.bytesConsidered;
    this.filesPruned = b.filesPruned;
    this.bytesPruned = b.bytesPruned;
    this.filesRead = b.filesRead;
    this.bytesRead = b.bytesRead;
    this.rowGroupsRead = b.rowGroupsRead;
    this.rowGroupsSkipped = b.rowGroupsSkipped;
    this.rowsRead = b.rowsRead;
    this.rowsMatched = b.rowsMatched;
    this.filesAllMatching = b.filesAllMatching;
    this.bytesAllMatching = b.bytesAllMatching;
  }

  /** A new builder (all figures zero). */
  public static Builder builder() {
    return new Builder();
  }

  /** The filter as it was applied (after binding to the schema), or "true" for none. */
  public String filter() {
    return filter;
  }

  /** Live data files of the snapshot. */
  public long filesConsidered() {
    return filesConsidered;
  }

  /** Total size of the live data files. */
  public long bytesConsidered() {
    return bytesConsidered;
  }

  /** Data files ruled out by their partition values or manifest statistics, never opened. */
  public long filesPruned() {
    return filesPruned;
  }

  /** Total size of the pruned data files. */
  public long bytesPruned() {
    return bytesPruned;
  }

  /**
   * Data files opened. Together with {@link #filesPruned()} and {@link #filesAllMatching()} this is
   * {@link #filesConsidered()}, unless the scan was closed early.
   */
  public long filesRead() {
    return filesRead;
  }

  /**
   * Total size of the opened data files (the bytes actually read are fewer when columns or row
   * groups are skipped).
   */
  public long bytesRead() {
    return bytesRead;
  }

  /** Parquet row groups decoded in the opened files. */
  public long rowGroupsRead() {
    return rowGroupsRead;
  }

  /** Parquet row groups skipped by their footer statistics, without reading their pages. */
  public long rowGroupsSkipped() {
    return rowGroupsSkipped;
  }

  /** Rows decoded from the data files. */
  public long rowsRead() {
    return rowsRead;
  }

  /** Rows that matched the filter (those returned, or counted). */
  public long rowsMatched() {
    return rowsMatched;
  }

  /**
   * Data files a count did not open because their statistics prove that every row matches (their
   * record counts were added instead); always zero for scans that return rows.
   */
  public long filesAllMatching() {
    return filesAllMatching;
  }

  /** Total size of the files of {@link #filesAllMatching()}. */
  public long bytesAllMatching() {
    return bytesAllMatching;
  }

  /** One line per figure group, as the command line prints them. */
  public String describe() {
    return "filter: "
        + filter
        + "\n"
        + "data files considered: "
        + filesConsidered
        + " ("
        + bytesConsidered
        + " bytes)\n"
        + "data files pruned by partitions and metrics: "
        + filesPruned
        + " ("
        + bytesPruned
        + " bytes)\n"
        + "data files counted from metrics: "
        + filesAllMatching
        + " ("
        + bytesAllMatching
        + " bytes)\n"
        + "data files read: "
        + filesRead
        + " ("
        + bytesRead
        + " bytes)\n"
        + "row groups read: "
        + rowGroupsRead
        + ", skipped by statistics: "
        + rowGroupsSkipped
        + "\n"
        + "rows read: "
        + rowsRead
        + ", matched: "
        + rowsMatched;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ScanReport)) {
      return false;
    }
    ScanReport r = (ScanReport) o;
    return filter.equals(r.filter)
        && filesConsidered == r.filesConsidered
        && bytesConsidered == r.bytesConsidered
        && filesPruned == r.filesPruned
        && bytesPruned == r.bytesPruned
        && filesRead == r.filesRead
        && bytesRead == r.bytesRead
        && rowGroupsRead == r.rowGroupsRead
        && rowGroupsSkipped == r.rowGroupsSkipped
        && rowsRead == r.rowsRead
        && rowsMatched == r.rowsMatched
        && filesAllMatching == r.filesAllMatching
        && bytesAllMatching == r.bytesAllMatching;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        filter, filesConsidered, filesPruned, filesRead, rowGroupsSkipped, rowsMatched);
  }

  @Override
  public String toString() {
    return "ScanReport{" + describe().replace("\n", "; ") + "}";
  }

  /** Builds a {@link ScanReport}. */
  public static final class Builder {
    private String filter = "true";
    private long filesConsidered;
    private long bytesConsidered;
    private long filesPruned;
    private long bytesPruned;
    private long filesRead;
    private long bytesRead;
    private long rowGroupsRead;
    private long rowGroupsSkipped;
    private long rowsRead;
    private long rowsMatched;
    private long filesAllMatching;
    private long bytesAllMatching;

    private Builder() {}

    /** Sets {@link ScanReport#filter()}. */
    public Builder filter(String value) {
      this.filter = Objects.requireNonNull(value, "filter");
      return this;
    }

    /** Sets {@link ScanReport#filesConsidered()} and {@link ScanReport#bytesConsidered()}. */
    public Builder considered(long files, long bytes) {
      this.filesConsidered = files;
      this.bytesConsidered = bytes;
      return this;
    }

    /** Sets {@link ScanReport#filesPruned()} and {@link ScanReport#bytesPruned()}. */
    public Builder pruned(long files, long bytes) {
      this.filesPruned = files;
      this.bytesPruned = bytes;
      return this;
    }

    /** Sets {@link ScanReport#filesRead()} and {@link ScanReport#bytesRead()}. */
    public Builder read(long files, long bytes) {
      this.filesRead = files;
      this.bytesRead = bytes;
      return this;
    }

    /** Sets {@link ScanReport#rowGroupsRead()} and {@link ScanReport#rowGroupsSkipped()}. */
    public Builder rowGroups(long read, long skipped) {
      this.rowGroupsRead = read;
      this.rowGroupsSkipped = skipped;
      return this;
    }

    /** Sets {@link ScanReport#rowsRead()} and {@link ScanReport#rowsMatched()}. */
    public Builder rows(long read, long matched) {
      this.rowsRead = read;
      this.rowsMatched = matched;
      return this;
    }

    /** Sets {@link ScanReport#filesAllMatching()} and {@link ScanReport#bytesAllMatching()}. */
    public Builder allMatching(long files, long bytes) {
      this.filesAllMatching = files;
      this.bytesAllMatching = bytes;
      return this;
    }

    /** The report. */
    public ScanReport build() {
      return new ScanReport(this);
    }
  }
}
