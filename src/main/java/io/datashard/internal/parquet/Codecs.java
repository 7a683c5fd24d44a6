package io.datashard.internal.parquet;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.xerial.snappy.Snappy;

/**
 * Parquet page compression without Hadoop: zstd (zstd-jni), snappy (snappy-java), gzip
 * (java.util.zip) and uncompressed. One factory per file writer or reader; each codec keeps one
 * native context for the whole file, not one per column chunk. Not thread-safe.
 */
final class Codecs implements CompressionCodecFactory {
  static final int ZSTD_LEVEL = 3;

  private final Map<CompressionCodecName, Compressor> compressors =
      new EnumMap<>(CompressionCodecName.class);
  private final Map<CompressionCodecName, Decompressor> decompressors =
      new EnumMap<>(CompressionCodecName.class);

  @Override
  public BytesInputCompressor getCompressor(CompressionCodecName codec) {
    return compressors.computeIfAbsent(codec, Compressor::new);
  }

  @Override
  public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
    return decompressors.computeIfAbsent(codec, Decompressor::new);
  }

  @Override
  public void release() {
    compressors.values().forEach(Compressor::release);
    decompressors.values().forEach(Decompressor::release);
    compressors.clear();
    decompressors.clear();
  }

  private static UnsupportedOperationException unsupported(CompressionCodecName codec) {
    return new UnsupportedOperationException(
        "Parquet compression codec "
            + codec
            + " is not supported: DataShard "
            + "reads and writes uncompressed, snappy, gzip and zstd pages");
  }

  private static final class Compressor implements BytesInputCompressor {
    private final CompressionCodecName codec;
    private ZstdCompressCtx zstd;

    Compressor(CompressionCodecName codec) {
      this.codec = codec;
      switch (codec) {
        case UNCOMPRESSED:
        case SNAPPY:
        case GZIP:
          break;
        case ZSTD:
          zstd = new ZstdCompressCtx();
          zstd.setLevel(ZSTD_LEVEL);
          break;
        default:
          throw unsupported(codec);
      }
    }

    @Override
    public BytesInput compress(BytesInput bytes) throws IOException {
      switch (codec) {
        case UNCOMPRESSED:
          return bytes;
        case ZSTD:
          return BytesInput.from(zstd.compress(bytes.toByteArray()));
        case SNAPPY:
          return BytesInput.from(Snappy.compress(bytes.toByteArray()));
        case GZIP:
          {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
              bytes.writeAllTo(gz);
            }
            return BytesInput.from(out.toByteArray());
          }
        default:
          throw unsupported(codec);
      }
    }

    @Override
    public CompressionCodecName getCodecName() {
      return codec;
    }

    @Override
    public void release() {
      if (zstd != null) {
        zstd.close();
        zstd = null;
      }
    }
  }

  private static final class Decompressor implements BytesInputDecompressor {
    private final CompressionCodecName codec;
    private ZstdDecompressCtx zstd;

    Decompressor(CompressionCodecName codec) {
      this.codec = codec;
      switch (codec) {
        case UNCOMPRESSED:
        case SNAPPY:
        case GZIP:
          break;
        case ZSTD:
          zstd = new ZstdDecompressCtx();
          break;
        default:
          throw unsupported(codec);
      }
    }

    @Override
    public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
      byte[] in = bytes.toByteArray();
      switch (codec) {
        case UNCOMPRESSED:
          return BytesInput.from(in);
        case ZSTD:
          return BytesInput.from(zstd.decompress(in, uncompressedSize));
        case SNAPPY:
          {
            byte[] out = new byte[uncompressedSize];
            int n = Snappy.uncompress(in, 0, in.length, out, 0);
            if (n != uncompressedSize) {
              throw new IOException(
                  "Snappy page decompressed to " + n + " bytes, expected " + uncompressedSize);
            }
            return BytesInput.from(out);
          }
        case GZIP:
          {
            byte[] out = new byte[uncompressedSize];
            try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(in))) {
              int off = 0;
              while (off < out.length) {
                int n = gz.read(out, off, out.length - off);
                if (n < 0) {
                  throw new IOException(
                      "Gzip page ended after " + off + " of " + uncompressedSize + " bytes");
                }
                off += n;
              }
            }
            return BytesInput.from(out);
          }
        default:
          throw unsupported(codec);
      }
    }

    @Override
    public void decompress(
        ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
        throws IOException {
      byte[] in = new byte[compressedSize];
      input.duplicate().get(in);
      byte[] out = decompress(BytesInput.from(in), uncompressedSize).toByteArray();
      output.put(out);
    }

    @Override
    public void release() {
      if (zstd != null) {
        zstd.close();
        zstd = null;
      }
    }
  }
}
