package io.datashard.cli;

import com.github.luben.zstd.Zstd;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.function.LongFunction;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.DataShardReadOptions;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * The benchmark baseline: rows of (long, string, double, timestamp, list&lt;float&gt;) written and
 * read with parquet-java's own API directly (a hand-written write support and record converter over
 * plain arrays, no table, no manifests, no type conversion), with the same codec, row group and
 * page sizes as DataShard's data files. Used only by {@code bench io}.
 */
final class RawParquet {
  private RawParquet() {}

  /** The Parquet schema of the benchmark rows. */
  public static final MessageType SCHEMA =
      MessageTypeParser.parseMessageType(
          "message bench { required int64 id; optional binary name (STRING); optional double score; "
              + "optional int64 ts (TIMESTAMP(MICROS,true)); optional group emb (LIST) { repeated group list { "
              + "optional float element; } } }");

  /** One benchmark row as plain values. */
  public static final class Rec {
    public long id;
    public String name;
    public double score;
    public long tsMicros;
    public float[] emb;
  }

  /** Writes {@code count} rows made by {@code make} to a new file; returns its size in bytes. */
  public static long write(Path file, long count, LongFunction<Rec> make) throws IOException {
    ZstdOnly codecs = new ZstdOnly();
    try (ParquetWriter<Rec> writer =
        new Builder(new LocalOutputFile(file))
            .withConf(new PlainParquetConfiguration())
            .withCodecFactory(codecs)
            .withCompressionCodec(CompressionCodecName.ZSTD)
            .withWriteMode(ParquetFileWriter.Mode.CREATE)
            .withRowGroupSize(128L * 1024 * 1024)
            .withPageSize(1024 * 1024)
            .withDictionaryEncoding(true)
            .withWriterVersion(ParquetProperties.WriterVersion.PARQUET_1_0)
            .withSizeStatisticsEnabled(
                false) // as DataShard writes, so that bench io compares like with like
            .build()) {
      for (long i = 0; i < count; i++) {
        writer.write(make.apply(i));
      }
    } finally {
      codecs.release();
    }
    return Files.size(file);
  }

  /**
   * Reads every row of a file into a reused record and returns a checksum of the values (so the
   * work cannot be skipped), with the row count in {@code rows[0]}.
   */
  public static double read(Path file, long[] rows) throws IOException {
    ZstdOnly codecs = new ZstdOnly();
    Sink sink = new Sink();
    try (ParquetFileReader reader =
        new ParquetFileReader(new LocalInputFile(file), DataShardReadOptions.create(codecs))) {
      MessageType fileSchema = reader.getFooter().getFileMetaData().getSchema();
      MessageColumnIO io = new ColumnIOFactory().getColumnIO(fileSchema);
      PageReadStore group;
      while ((group = reader.readNextRowGroup()) != null) {
        RecordReader<Rec> records = io.getRecordReader(group, sink);
        for (long i = 0; i < group.getRowCount(); i++) {
          Rec r = records.read();
          sink.sum += r.id + r.score + r.tsMicros + (r.name == null ? 0 : r.name.length());
          rows[0]++;
        }
      }
    } finally {
      codecs.release();
    }
    return sink.sum;
  }

  private static final class Builder extends ParquetWriter.Builder<Rec, Builder> {
    Builder(OutputFile file) {
      super(file);
    }

    @Override
    protected Builder self() {
      return this;
    }

    @Override
    protected WriteSupport<Rec> getWriteSupport(Configuration conf) {
      return new Support();
    }

    @Override
    protected WriteSupport<Rec> getWriteSupport(ParquetConfiguration conf) {
      return new Support();
    }
  }

  private static final class Support extends WriteSupport<Rec> {
    private RecordConsumer out;

    @Override
    public WriteContext init(Configuration configuration) {
      return new WriteContext(SCHEMA, new HashMap<>());
    }

    @Override
    public WriteContext init(ParquetConfiguration configuration) {
      return new WriteContext(SCHEMA, new HashMap<>());
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
      this.out = recordConsumer;
    }

    @Override
    public void write(Rec r) {
      out.startMessage();
      out.startField("id", 0);
      out.addLong(r.id);
      out.endField("id", 0);
      if (r.name != null) {
        out.startField("name", 1);
        out.addBinary(Binary.fromString(r.name));
        out.endField("name", 1);
      }
      out.startField("score", 2);
      out.addDouble(r.score);
      out.endField("score", 2);
      out.startField("ts", 3);
      out.addLong(r.tsMicros);
      out.endField("ts", 3);
      if (r.emb != null) {
        out.startField("emb", 4);
        out.startGroup();
        if (r.emb.length > 0) {
          out.startField("list", 0);
          for (float f : r.emb) {
            out.startGroup();
            out.startField("element", 0);
            out.addFloat(f);
            out.endField("element", 0);
            out.endGroup();
          }
          out.endField("list", 0);
        }
        out.endGroup();
        out.endField("emb", 4);
      }
      out.endMessage();
    }
  }

  /** Materializes rows into one reused record. */
  private static final class Sink extends RecordMaterializer<Rec> {
    private final Rec rec = new Rec();
    private float[] buf = new float[16];
    private int n;
    double sum;

    private final GroupConverter element =
        new GroupConverter() {
          private final PrimitiveConverter value =
              new PrimitiveConverter() {
                @Override
                public void addFloat(float v) {
                  if (n == buf.length) {
                    buf = Arrays.copyOf(buf, n * 2);
                  }
                  buf[n++] = v;
                }
              };

          @Override
          public Converter getConverter(int fieldIndex) {
            return value;
          }

          @Override
          public void start() {}

          @Override
          public void end() {}
        };

    private final GroupConverter list =
        new GroupConverter() {
          @Override
          public Converter getConverter(int fieldIndex) {
            return element;
          }

          @Override
          public void start() {
            n = 0;
          }

          @Override
          public void end() {
            rec.emb = Arrays.copyOf(buf, n);
            for (int i = 0; i < n; i++) {
              sum += buf[i];
            }
          }
        };

    private final Converter[] fields = {
      new PrimitiveConverter() {
        @Override
        public void addLong(long v) {
          rec.id = v;
        }
      },
      new PrimitiveConverter() {
        @Override
        public void addBinary(Binary v) {
          rec.name = v.toStringUsingUTF8();
        }
      },
      new PrimitiveConverter() {
        @Override
        public void addDouble(double v) {
          rec.score = v;
        }
      },
      new PrimitiveConverter() {
        @Override
        public void addLong(long v) {
          rec.tsMicros = v;
        }
      },
      list
    };

    private final GroupConverter root =
        new GroupConverter() {
          @Override
          public Converter getConverter(int fieldIndex) {
            return fields[fieldIndex];
          }

          @Override
          public void start() {
            rec.name = null;
            rec.emb = null;
          }

          @Override
          public void end() {}
        };

    @Override
    public Rec getCurrentRecord() {
      return rec;
    }

    @Override
    public GroupConverter getRootConverter() {
      return root;
    }
  }

  /**
   * The codec factory of the baseline: zstd (level 3, as DataShard writes) through zstd-jni,
   * because parquet-java's own factory needs Hadoop.
   */
  private static final class ZstdOnly implements CompressionCodecFactory {
    @Override
    public BytesInputCompressor getCompressor(CompressionCodecName codec) {
      require(codec);
      return new BytesInputCompressor() {
        @Override
        public BytesInput compress(BytesInput bytes) throws IOException {
          return BytesInput.from(Zstd.compress(bytes.toByteArray(), 3));
        }

        @Override
        public CompressionCodecName getCodecName() {
          return CompressionCodecName.ZSTD;
        }

        @Override
        public void release() {}
      };
    }

    @Override
    public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
      require(codec);
      return new BytesInputDecompressor() {
        @Override
        public BytesInput decompress(BytesInput bytes, int size) throws IOException {
          return BytesInput.from(Zstd.decompress(bytes.toByteArray(), size));
        }

        @Override
        public void decompress(ByteBuffer in, int inSize, ByteBuffer out, int outSize)
            throws IOException {
          byte[] src = new byte[inSize];
          in.duplicate().get(src);
          out.put(Zstd.decompress(src, outSize));
        }

        @Override
        public void release() {}
      };
    }

    private static void require(CompressionCodecName codec) {
      if (codec != CompressionCodecName.ZSTD) {
        throw new UnsupportedOperationException("The raw baseline writes zstd only, not " + codec);
      }
    }

    @Override
    public void release() {}
  }
}
