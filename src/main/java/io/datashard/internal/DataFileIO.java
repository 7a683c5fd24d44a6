package io.datashard.internal;

import io.datashard.CloseableIterator;
import io.datashard.DataFile;
import io.datashard.DataShardException;
import io.datashard.FileFormat;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.TableProperties;
import io.datashard.ValidationException;
import io.datashard.internal.avro.AvroFormat;
import io.datashard.internal.parquet.ParquetFormat;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Chooses the reader and writer for each data file format. ORC support is loaded only when an ORC
 * file is written or read, because it needs jars (ORC and some Hadoop classes) that are optional.
 */
public final class DataFileIO {
  private DataFileIO() {}

  private static final FormatHandler PARQUET = new ParquetFormat();
  private static final FormatHandler AVRO = new AvroFormat();
  private static volatile FormatHandler orc;

  /** The format new data files of a table with these properties are written in. */
  public static FileFormat defaultFormat(Map<String, String> properties) {
    String name = properties.get(TableProperties.DEFAULT_FILE_FORMAT);
    if (name == null || name.isBlank()) {
      return FileFormat.PARQUET;
    }
    try {
      return FileFormat.fromName(name);
    } catch (ValidationException e) {
      throw new ValidationException(
          "The table property "
              + TableProperties.DEFAULT_FILE_FORMAT
              + " is '"
              + name
              + "', which is not a "
              + "data file format: set it to parquet, orc or avro. Nothing was written.",
          e);
    }
  }

  public static DataFile writeParquet(
      Storage storage, String location, Schema schema, Iterator<Row> rows) throws IOException {
    return PARQUET.write(storage, location, schema, rows);
  }

  public static DataFile write(
      Storage storage, String location, FileFormat format, Schema schema, Iterator<Row> rows)
      throws IOException {
    return handler(format).write(storage, location, schema, rows);
  }

  public static CloseableIterator<Row> read(
      Storage storage, String location, FileFormat format, Schema projection) {
    return handler(format).read(storage, location, projection);
  }

  /**
   * The handler of a format; for ORC, fails with what to add when the optional jars are missing.
   */
  public static FormatHandler handler(FileFormat format) {
    switch (format) {
      case PARQUET:
        return PARQUET;
      case AVRO:
        return AVRO;
      case ORC:
        return orc();
      default:
        throw new IllegalArgumentException("Unknown format " + format);
    }
  }

  /** Jars ORC support needs, named for error messages. */
  static final String ORC_JARS =
      "org.apache.orc:orc-core:2.3.1 (classifier nohive), "
          + "org.apache.orc:orc-format:1.1.1 (classifier shaded-protobuf), orc-shims, aircompressor, threeten-extra, "
          + "and the Hadoop classes ORC uses: hadoop-common and hadoop-hdfs-client 3.4.3, hadoop-shaded-guava 1.5.0, "
          + "woodstox-core, stax2-api, commons-collections4";

  private static DataShardException orcMissing(Throwable e) {
    return new DataShardException(
        "ORC data files need optional jars that are not on the classpath (missing: "
            + e.getMessage()
            + "). Add "
            + ORC_JARS
            + " (bin/datashard adds target/lib-orc, which 'mvn package' "
            + "fills), or use Parquet or Avro files instead.",
        e);
  }

  private static FormatHandler orc() {
    FormatHandler h = orc;
    if (h != null) {
      return h;
    }
    synchronized (DataFileIO.class) {
      if (orc == null) {
        ClassLoader loader = DataFileIO.class.getClassLoader();
        try {
          for (String probe :
              new String[] {
                "org.apache.orc.OrcFile",
                "org.apache.orc.OrcProto",
                "org.apache.hadoop.conf.Configuration",
                "org.apache.hadoop.fs.FileSystem",
                "org.apache.hadoop.thirdparty.com.google.common.base.Preconditions"
              }) {
            Class.forName(probe, false, loader);
          }
          orc =
              new Guarded(
                  (FormatHandler)
                      Class.forName("io.datashard.internal.orc.OrcFormat", true, loader)
                          .getDeclaredConstructor()
                          .newInstance());
        } catch (ClassNotFoundException | LinkageError e) {
          throw orcMissing(e);
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException("Cannot load ORC support: " + e, e);
        }
      }
      return orc;
    }
  }

  /** Turns a class ORC needs but cannot find, met while it works, into the same clear error. */
  private static final class Guarded implements FormatHandler {
    private final FormatHandler inner;

    Guarded(FormatHandler inner) {
      this.inner = inner;
    }

    @Override
    public DataFile write(Storage storage, String location, Schema schema, Iterator<Row> rows)
        throws IOException {
      try {
        return inner.write(storage, location, schema, rows);
      } catch (LinkageError e) {
        throw orcMissing(e);
      }
    }

    @Override
    public CloseableIterator<Row> read(Storage storage, String location, Schema projection) {
      CloseableIterator<Row> it;
      try {
        it = inner.read(storage, location, projection);
      } catch (LinkageError e) {
        throw orcMissing(e);
      }
      return new CloseableIterator<Row>() {
        @Override
        public boolean hasNext() {
          try {
            return it.hasNext();
          } catch (LinkageError e) {
            throw orcMissing(e);
          }
        }

        @Override
        public Row next() {
          try {
            return it.next();
          } catch (LinkageError e) {
            throw orcMissing(e);
          }
        }

        @Override
        public void close() {
          it.close();
        }
      };
    }

    @Override
    public List<FileColumn> columns(Storage storage, String location) throws IOException {
      try {
        return inner.columns(storage, location);
      } catch (LinkageError e) {
        throw orcMissing(e);
      }
    }

    @Override
    public long recordCount(Storage storage, String location) throws IOException {
      try {
        return inner.recordCount(storage, location);
      } catch (LinkageError e) {
        throw orcMissing(e);
      }
    }
  }
}
