package io.datashard;

import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A data file of a table, as recorded in an Iceberg manifest: where it is, its format, its
 * partition values, how many records it holds, its size, and per-column statistics keyed by field
 * id.
 *
 * <pre>{@code
 * DataFile f = DataFile.builder()
 *     .path("/data/sample.parquet")
 *     .format(FileFormat.PARQUET)
 *     .recordCount(1000)
 *     .fileSizeInBytes(512000)
 *     .build();
 * }</pre>
 *
 * <p>Bounds are in Iceberg's single-value binary serialization.
 */
public final class DataFile {
  private static final Types.StructType EMPTY = Types.struct(List.of());
  private static final Row NO_PARTITION = Row.of(EMPTY);

  private final String path;
  private final FileFormat format;
  private final int specId;
  private final Row partition;
  private final long recordCount;
  private final long fileSizeInBytes;
  private final Map<Integer, Long> columnSizes;
  private final Map<Integer, Long> valueCounts;
  private final Map<Integer, Long> nullValueCounts;
  private final Map<Integer, Long> nanValueCounts;
  private final Map<Integer, ByteBuffer> lowerBounds;
  private final Map<Integer, ByteBuffer> upperBounds;
  private final List<Long> splitOffsets;
  private final Integer sortOrderId;

  private DataFile(Builder b) {
    if (b.path == null || b.path.isEmpty()) {
      throw new ValidationException("A data file needs a path: call DataFile.builder().path(...)");
    }
    if (b.format == null) {
      throw new ValidationException(
          "Data file "
              + b.path
              + " needs a format: call .format(FileFormat.PARQUET) "
              + "(or ORC, AVRO)");
    }
    if (b.recordCount < 0) {
      throw new ValidationException(
          "Data file "
              + b.path
              + " has a negative record count "
              + b.recordCount
              + ": give the number of records it holds");
    }
    if (b.fileSizeInBytes < 0) {
      throw new ValidationException(
          "Data file "
              + b.path
              + " has a negative size "
              + b.fileSizeInBytes
              + ": give its size in bytes");
    }
    this.path = b.path;
    this.format = b.format;
    this.specId = b.specId;
    this.partition = b.partition == null ? NO_PARTITION : b.partition;
    this.recordCount = b.recordCount;
    this.fileSizeInBytes = b.fileSizeInBytes;
    this.columnSizes = copy(b.columnSizes);
    this.valueCounts = copy(b.valueCounts);
    this.nullValueCounts = copy(b.nullValueCounts);
    this.nanValueCounts = copy(b.nanValueCounts);
    this.lowerBounds = copy(b.lowerBounds);
    this.upperBounds = copy(b.upperBounds);
    this.splitOffsets = b.splitOffsets == null ? null : List.copyOf(b.splitOffsets);
    this.sortOrderId = b.sortOrderId;
  }

  private static <V> Map<Integer, V> copy(Map<Integer, V> m) {
    return m == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(m));
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this file's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.path = path;
    b.format = format;
    b.specId = specId;
    b.partition = partition;
    b.recordCount = recordCount;
    b.fileSizeInBytes = fileSizeInBytes;
    b.columnSizes = columnSizes;
    b.valueCounts = valueCounts;
    b.nullValueCounts = nullValueCounts;
    b.nanValueCounts = nanValueCounts;
    b.lowerBounds = lowerBounds;
    b.upperBounds = upperBounds;
    b.splitOffsets = splitOffsets;
    b.sortOrderId = sortOrderId;
    return b;
  }

  /** The file's location, as recorded in the manifest. */
  public String path() {
    return path;
  }

  /** The file format (Parquet for files DataShard writes). */
  public FileFormat format() {
    return format;
  }

  /** The id of the partition spec the partition values belong to. */
  public int specId() {
    return specId;
  }

  /** The partition values, as a row of the partition type (empty when unpartitioned). */
  public Row partition() {
    return partition;
  }

  /** The partition values by partition field name. */
  public Map<String, Object> partitionValues() {
    return partition.toMap();
  }

  /** The number of rows in the file. */
  public long recordCount() {
    return recordCount;
  }

  /** The file size in bytes. */
  public long fileSizeInBytes() {
    return fileSizeInBytes;
  }

  /** Bytes on disk per column (field id), or null if unknown. */
  public Map<Integer, Long> columnSizes() {
    return columnSizes;
  }

  /** Values (nulls included) per column (field id), or null if unknown. */
  public Map<Integer, Long> valueCounts() {
    return valueCounts;
  }

  /** Nulls per column (field id), or null if unknown. */
  public Map<Integer, Long> nullValueCounts() {
    return nullValueCounts;
  }

  /** NaNs per float or double column (field id), or null if unknown. */
  public Map<Integer, Long> nanValueCounts() {
    return nanValueCounts;
  }

  /** Lower bounds per column (field id) in Iceberg's binary single-value form, or null. */
  public Map<Integer, ByteBuffer> lowerBounds() {
    return lowerBounds;
  }

  /** Upper bounds per column (field id) in Iceberg's binary single-value form, or null. */
  public Map<Integer, ByteBuffer> upperBounds() {
    return upperBounds;
  }

  /** Offsets where the file may be split (row group starts), or null. */
  public List<Long> splitOffsets() {
    return splitOffsets;
  }

  /** The sort order id, or null. */
  public Integer sortOrderId() {
    return sortOrderId;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof DataFile)) {
      return false;
    }
    DataFile f = (DataFile) o;
    return path.equals(f.path)
        && format == f.format
        && specId == f.specId
        && partition.equals(f.partition)
        && recordCount == f.recordCount
        && fileSizeInBytes == f.fileSizeInBytes
        && Objects.equals(columnSizes, f.columnSizes)
        && Objects.equals(valueCounts, f.valueCounts)
        && Objects.equals(nullValueCounts, f.nullValueCounts)
        && Objects.equals(nanValueCounts, f.nanValueCounts)
        && Objects.equals(lowerBounds, f.lowerBounds)
        && Objects.equals(upperBounds, f.upperBounds)
        && Objects.equals(splitOffsets, f.splitOffsets)
        && Objects.equals(sortOrderId, f.sortOrderId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(path, recordCount, fileSizeInBytes);
  }

  @Override
  public String toString() {
    return "DataFile{"
        + path
        + ", "
        + format
        + ", records="
        + recordCount
        + ", bytes="
        + fileSizeInBytes
        + (partition.size() > 0 ? ", partition=" + partition : "")
        + "}";
  }

  /** Builds a {@link DataFile}. */
  public static final class Builder {
    private String path;
    private FileFormat format;
    private int specId;
    private Row partition;
    private long recordCount = -1;
    private long fileSizeInBytes = -1;
    private Map<Integer, Long> columnSizes;
    private Map<Integer, Long> valueCounts;
    private Map<Integer, Long> nullValueCounts;
    private Map<Integer, Long> nanValueCounts;
    private Map<Integer, ByteBuffer> lowerBounds;
    private Map<Integer, ByteBuffer> upperBounds;
    private List<Long> splitOffsets;
    private Integer sortOrderId;

    private Builder() {}

    /** The file location (required). */
    public Builder path(String value) {
      this.path = value;
      return this;
    }

    /** The file format (default Parquet). */
    public Builder format(FileFormat value) {
      this.format = value;
      return this;
    }

    /** The id of the partition spec the file was written for (default 0). */
    public Builder specId(int value) {
      this.specId = value;
      return this;
    }

    /** The partition values of the file (null when unpartitioned). */
    public Builder partition(Row value) {
      this.partition = value;
      return this;
    }

    /** The number of rows in the file. */
    public Builder recordCount(long value) {
      this.recordCount = value;
      return this;
    }

    /** The file size in bytes. */
    public Builder fileSizeInBytes(long value) {
      this.fileSizeInBytes = value;
      return this;
    }

    /** Bytes per column, by field id. */
    public Builder columnSizes(Map<Integer, Long> value) {
      this.columnSizes = value;
      return this;
    }

    /** Values per column (nulls included), by field id. */
    public Builder valueCounts(Map<Integer, Long> value) {
      this.valueCounts = value;
      return this;
    }

    /** Null values per column, by field id. */
    public Builder nullValueCounts(Map<Integer, Long> value) {
      this.nullValueCounts = value;
      return this;
    }

    /** NaN values per float or double column, by field id. */
    public Builder nanValueCounts(Map<Integer, Long> value) {
      this.nanValueCounts = value;
      return this;
    }

    /** Lower bounds per column, by field id, in Iceberg's single-value binary form. */
    public Builder lowerBounds(Map<Integer, ByteBuffer> value) {
      this.lowerBounds = value;
      return this;
    }

    /** Upper bounds per column, by field id, in Iceberg's single-value binary form. */
    public Builder upperBounds(Map<Integer, ByteBuffer> value) {
      this.upperBounds = value;
      return this;
    }

    /** Offsets where a reader may split the file (row group starts). */
    public Builder splitOffsets(List<Long> value) {
      this.splitOffsets = value;
      return this;
    }

    /** The id of the sort order the file was written in, or null. */
    public Builder sortOrderId(Integer value) {
      this.sortOrderId = value;
      return this;
    }

    /**
     * The data file.
     *
     * @throws ValidationException if the path, format, record count or size is missing or invalid
     */
    public DataFile build() {
      return new DataFile(this);
    }
  }
}
