package io.datashard.internal.parquet;

import io.datashard.CloseableIterator;
import io.datashard.CorruptTableException;
import io.datashard.DataFile;
import io.datashard.DataShardException;
import io.datashard.FileFormat;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.internal.Values;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveComparator;

/**
 * Writes and reads Parquet data files of Iceberg tables, without Hadoop.
 *
 * <p>Files carry Iceberg field ids on every schema node; reading matches columns by field id, so
 * files written by any Iceberg writer, and files from older schema versions, read correctly.
 */
public final class ParquetFiles {
  private ParquetFiles() {}

  /**
   * Bounds of strings and binary values are truncated to this many characters or bytes, as Iceberg
   * does.
   */
  static final int TRUNCATE_LENGTH = 16;

  /**
   * Writes rows into a new Parquet file at {@code location} and publishes it.
   *
   * @return the data file with its size, record count and column metrics
   */
  public static DataFile write(
      Storage storage,
      String location,
      Schema schema,
      Iterator<Row> rows,
      CompressionCodecName codec)
      throws IOException {
    return write(storage, location, schema, rows, codec, 128L * 1024 * 1024);
  }

  /**
   * Like {@link #write(Storage, String, Schema, Iterator, CompressionCodecName)}, with a row group
   * size in bytes.
   */
  static DataFile write(
      Storage storage,
      String location,
      Schema schema,
      Iterator<Row> rows,
      CompressionCodecName codec,
      long rowGroupSize)
      throws IOException {
    RowWriteSupport support = new RowWriteSupport(schema);
    long count = 0;
    ParquetMetadata footer;
    long length;
    try (Storage.PendingFile pending = storage.create(location)) {
      Codecs codecs = new Codecs();
      try (ParquetWriter<Row> writer =
          new Builder(StorageFiles.output(pending), support)
              .withConf(new PlainParquetConfiguration())
              .withCodecFactory(codecs)
              .withCompressionCodec(codec)
              .withWriteMode(ParquetFileWriter.Mode.CREATE)
              .withRowGroupSize(rowGroupSize)
              .withPageSize(1024 * 1024)
              .withDictionaryEncoding(true)
              .withWriterVersion(ParquetProperties.WriterVersion.PARQUET_1_0)
              // size statistics (byte sizes, level histograms) are optional; nothing DataShard or
              // Iceberg
              // reads uses them, and collecting them costs time per value and bytes per footer
              .withSizeStatisticsEnabled(false)
              .build()) {
        while (rows.hasNext()) {
          writer.write(rows.next());
          count++;
        }
        writer.close();
        footer = writer.getFooter();
      } finally {
        codecs.release();
      }
      length = pending.publish();
    }
    return metrics(location, schema, support, footer, count, length);
  }

  private static DataFile metrics(
      String location,
      Schema schema,
      RowWriteSupport support,
      ParquetMetadata footer,
      long count,
      long length) {
    Map<Integer, Long> columnSizes = new LinkedHashMap<>();
    Map<Integer, Long> valueCounts = new LinkedHashMap<>();
    Map<Integer, Long> nullCounts = new LinkedHashMap<>();
    Map<Integer, Long> nanCounts = new LinkedHashMap<>();
    Map<Integer, ByteBuffer> lower = new LinkedHashMap<>();
    Map<Integer, ByteBuffer> upper = new LinkedHashMap<>();
    List<Long> splitOffsets = new ArrayList<>();
    MessageType fileSchema = footer.getFileMetaData().getSchema();
    Map<Integer, Object> footerMin = new HashMap<>();
    Map<Integer, Object> footerMax = new HashMap<>();
    for (BlockMetaData block : footer.getBlocks()) {
      splitOffsets.add(block.getStartingPos());
      for (ColumnChunkMetaData chunk : block.getColumns()) {
        org.apache.parquet.schema.Type leaf = fileSchema.getType(chunk.getPath().toArray());
        if (leaf.getId() == null) {
          continue;
        }
        int id = leaf.getId().intValue();
        columnSizes.merge(id, chunk.getTotalSize(), Long::sum);
        valueCounts.merge(id, chunk.getValueCount(), Long::sum);
        Statistics<?> stats = chunk.getStatistics();
        if (stats != null && stats.isNumNullsSet()) {
          nullCounts.merge(id, stats.getNumNulls(), Long::sum);
        }
        if (support.footerBounded().contains(id)) {
          footerBounds(id, stats, chunk.getValueCount(), footerMin, footerMax);
        }
      }
    }
    for (Map.Entry<Integer, Object> e : footerMin.entrySet()) {
      int id = e.getKey();
      Object max = footerMax.get(id);
      if (e.getValue() == NO_BOUNDS || max == null) {
        continue;
      }
      Type type = schema.findField(id).type();
      ByteBuffer lo = footerBound(type, e.getValue(), true);
      ByteBuffer hi = footerBound(type, max, false);
      if (lo != null) {
        lower.put(id, lo);
      }
      if (hi != null) {
        upper.put(id, hi);
      }
    }
    for (Map.Entry<Integer, RowWriteSupport.Bounds> e : support.bounds().entrySet()) {
      int id = e.getKey();
      Type type = schema.findField(id).type();
      RowWriteSupport.Bounds b = e.getValue();
      if (type.typeId() == Type.TypeId.FLOAT || type.typeId() == Type.TypeId.DOUBLE) {
        nanCounts.put(id, b.nanCount);
      }
      if (b.min != null) {
        ByteBuffer lo = lowerBound(type, b.min);
        ByteBuffer hi = upperBound(type, b.max);
        if (lo != null) {
          lower.put(id, lo);
        }
        if (hi != null) {
          upper.put(id, hi);
        }
      }
    }
    zeroNanCounts(schema.asStruct(), nanCounts);
    return DataFile.builder()
        .path(location)
        .format(FileFormat.PARQUET)
        .recordCount(count)
        .fileSizeInBytes(length)
        .columnSizes(columnSizes)
        .valueCounts(valueCounts)
        .nullValueCounts(nullCounts)
        .nanValueCounts(nanCounts)
        .lowerBounds(lower)
        .upperBounds(upper)
        .splitOffsets(splitOffsets)
        .build();
  }

  /**
   * Marks a column whose footer statistics are missing for a chunk with values: it gets no bounds.
   */
  private static final Object NO_BOUNDS = new Object();

  /**
   * Merges one column chunk's statistics into the file's minimum and maximum of a column (values in
   * Parquet's physical form: Integer, Long, Boolean or Binary, whose comparators are the chunk's).
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void footerBounds(
      int id,
      Statistics<?> stats,
      long valueCount,
      Map<Integer, Object> min,
      Map<Integer, Object> max) {
    if (min.get(id) == NO_BOUNDS) {
      return;
    }
    if (stats == null || !stats.hasNonNullValue()) {
      if (stats == null || !stats.isNumNullsSet() || stats.getNumNulls() < valueCount) {
        min.put(id, NO_BOUNDS); // values whose range the footer does not give
      }
      return;
    }
    Comparable lo = (Comparable) stats.genericGetMin();
    Comparable hi = (Comparable) stats.genericGetMax();
    PrimitiveComparator cmp = stats.comparator();
    Object curLo = min.get(id);
    if (curLo == null || cmp.compare(lo, curLo) < 0) {
      min.put(id, lo);
    }
    Object curHi = max.get(id);
    if (curHi == null || cmp.compare(hi, curHi) > 0) {
      max.put(id, hi);
    }
  }

  /** An Iceberg bound from a footer minimum or maximum in Parquet's physical form. */
  private static ByteBuffer footerBound(Type type, Object v, boolean lowerBound) {
    switch (type.typeId()) {
      case STRING:
        {
          String s = ((Binary) v).toStringUsingUTF8();
          return lowerBound ? lowerBound(type, s) : upperBound(type, s);
        }
      case BOOLEAN:
        return ByteBuffer.wrap(new byte[] {(byte) (((Boolean) v) ? 1 : 0)});
      case INTEGER:
      case DATE:
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, (Integer) v);
      default: // long, time, timestamps: 64-bit microseconds or values
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, (Long) v);
    }
  }

  /**
   * Records a NaN count of 0 for every float and double column (at any struct depth, not inside a
   * list or map) that has none yet, as Iceberg Java does for columns whose values were all null.
   */
  private static void zeroNanCounts(Types.StructType struct, Map<Integer, Long> nanCounts) {
    for (Types.NestedField f : struct.fields()) {
      Type.TypeId t = f.type().typeId();
      if (t == Type.TypeId.FLOAT || t == Type.TypeId.DOUBLE) {
        nanCounts.putIfAbsent(f.id(), 0L);
      } else if (t == Type.TypeId.STRUCT) {
        zeroNanCounts(f.type().asStruct(), nanCounts);
      }
    }
  }

  /**
   * The lower bound, truncated for strings and binary (a prefix is never greater). Fixed values are
   * not truncated: like Iceberg Java, bounds of fixed[L] columns always have L bytes.
   */
  public static ByteBuffer lowerBound(Type type, Object min) {
    switch (type.typeId()) {
      case STRING:
        {
          String s = (String) min;
          return Values.toBytes(type, truncate(s, TRUNCATE_LENGTH));
        }
      case BINARY:
        {
          ByteBuffer b = ((ByteBuffer) min).duplicate();
          if (b.remaining() > TRUNCATE_LENGTH) {
            b.limit(b.position() + TRUNCATE_LENGTH);
          }
          return copy(b);
        }
      case FIXED:
        return copy(((ByteBuffer) min).duplicate());
      default:
        return Values.toBytes(type, min);
    }
  }

  /**
   * The upper bound; for long strings and binary, a truncated value that is still at least the
   * maximum (last code point or byte incremented), or none when no such value exists.
   */
  public static ByteBuffer upperBound(Type type, Object max) {
    switch (type.typeId()) {
      case STRING:
        {
          String s = (String) max;
          if (s.codePointCount(0, s.length()) <= TRUNCATE_LENGTH) {
            return Values.toBytes(type, s);
          }
          int[] cps = truncate(s, TRUNCATE_LENGTH).codePoints().toArray();
          for (int i = cps.length - 1; i >= 0; i--) {
            int next = cps[i] + 1;
            if (next == 0xD800) {
              next = 0xE000; // skip surrogates
            }
            if (next <= Character.MAX_CODE_POINT) {
              cps[i] = next;
              return Values.toBytes(type, new String(cps, 0, i + 1));
            }
          }
          return null;
        }
      case BINARY:
        {
          ByteBuffer b = ((ByteBuffer) max).duplicate();
          if (b.remaining() <= TRUNCATE_LENGTH) {
            return copy(b);
          }
          byte[] bytes = new byte[TRUNCATE_LENGTH];
          b.get(bytes);
          for (int i = bytes.length - 1; i >= 0; i--) {
            if ((bytes[i] & 0xff) != 0xff) {
              bytes[i]++;
              return ByteBuffer.wrap(Arrays.copyOf(bytes, i + 1));
            }
          }
          return null;
        }
      case FIXED:
        return copy(((ByteBuffer) max).duplicate());
      default:
        return Values.toBytes(type, max);
    }
  }

  private static String truncate(String s, int codePoints) {
    if (s.codePointCount(0, s.length()) <= codePoints) {
      return s;
    }
    return s.substring(0, s.offsetByCodePoints(0, codePoints));
  }

  private static ByteBuffer copy(ByteBuffer b) {
    ByteBuffer c = ByteBuffer.allocate(b.remaining());
    c.put(b.duplicate()).flip();
    return c;
  }

  /** True if the string is valid Unicode (no lone surrogates), so it can be stored as UTF-8. */
  static boolean isValidUnicode(String s) {
    CharsetEncoder enc = StandardCharsets.UTF_8.newEncoder();
    try {
      enc.encode(CharBuffer.wrap(s));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  /**
   * Reads the rows of a Parquet file in the shape of {@code projection}, matching columns by field
   * id; columns the file lacks read as null.
   *
   * @throws CorruptTableException if the file is missing or not a readable Parquet file
   */
  public static CloseableIterator<Row> read(Storage storage, String location, Schema projection) {
    return read(storage, location, projection, RowGroupFilter.ALL);
  }

  /**
   * Like {@link #read(Storage, String, Schema)}, skipping the row groups {@code groups} rules out
   * from their footer statistics (their pages are never read).
   */
  public static CloseableIterator<Row> read(
      Storage storage, String location, Schema projection, RowGroupFilter groups) {
    try {
      return new RowReader(storage.open(location), location, projection, groups);
    } catch (NoSuchFileException e) {
      throw new CorruptTableException(
          "Data file "
              + location
              + " is missing: the table references it, but it is "
              + "not there. It was deleted outside DataShard, or the table was copied incompletely.",
          e);
    } catch (IOException | RuntimeException e) {
      if (e instanceof DataShardException) {
        throw (DataShardException) e;
      }
      throw new CorruptTableException(
          "Cannot read data file "
              + location
              + " as Parquet: "
              + e.getMessage()
              + ". The file is damaged, truncated, or not a Parquet file.",
          e);
    }
  }

  private static final class Builder extends ParquetWriter.Builder<Row, Builder> {
    private final WriteSupport<Row> support;

    Builder(OutputFile file, WriteSupport<Row> support) {
      super(file);
      this.support = support;
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    protected WriteSupport<Row> getWriteSupport(Configuration conf) {
      return support;
    }

    @Override
    protected WriteSupport<Row> getWriteSupport(ParquetConfiguration conf) {
      return support;
    }
  }
}
