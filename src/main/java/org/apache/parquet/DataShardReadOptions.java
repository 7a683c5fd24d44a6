package org.apache.parquet;

import java.util.Map;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.format.converter.ParquetMetadataConverter;

/**
 * Builds {@link ParquetReadOptions} without touching any Hadoop class.
 *
 * <p>Why this class lives in parquet-java's package: in parquet-java 1.17 every public way to build
 * read options ({@code ParquetReadOptions.builder(...)}, {@code HadoopReadOptions}) loads Hadoop's
 * mapreduce classes, which DataShard keeps off its runtime classpath. The options class itself has
 * a plain package-private constructor that only stores its arguments; this class calls it. It is a
 * split package (fine on the class path, not in a named module) and the constructor is not a stable
 * API, so the parquet-java version is pinned in pom.xml and {@code NoHadoopAtRuntimeTest} fails if
 * a version change breaks it. Nothing else of DataShard lives in this package.
 */
public final class DataShardReadOptions {
  private static final int MAX_ALLOCATION_SIZE = 8 * 1024 * 1024;

  private DataShardReadOptions() {}

  /**
   * Read options with no filtering, heap buffers, page checksum verification, and the given codecs.
   */
  public static ParquetReadOptions create(CompressionCodecFactory codecs) {
    return new ParquetReadOptions(
        false, // useSignedStringMinMax
        false, // useStatsFilter
        false, // useDictionaryFilter
        false, // useRecordFilter
        false, // useColumnIndexFilter
        true, // usePageChecksumVerification
        false, // useBloomFilter
        false, // useOffHeapDecryptBuffer
        false, // useHadoopVectoredIo
        FilterCompat.NOOP,
        ParquetMetadataConverter.NO_FILTER,
        codecs,
        new HeapByteBufferAllocator(),
        MAX_ALLOCATION_SIZE,
        Map.of(),
        null, // no decryption
        null, // no metrics callback
        new PlainParquetConfiguration());
  }
}
