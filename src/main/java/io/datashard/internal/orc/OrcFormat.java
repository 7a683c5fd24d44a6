package io.datashard.internal.orc;

import io.datashard.CloseableIterator;
import io.datashard.CorruptTableException;
import io.datashard.DataFile;
import io.datashard.DataShardException;
import io.datashard.FileFormat;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.ValidationException;
import io.datashard.internal.FormatHandler;
import io.datashard.internal.RowMetrics;
import io.datashard.internal.avro.AvroFormat;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.orc.CompressionKind;
import org.apache.orc.OrcFile;
import org.apache.orc.Reader;
import org.apache.orc.RecordReader;
import org.apache.orc.TypeDescription;
import org.apache.orc.Writer;
import org.apache.orc.storage.common.type.HiveDecimal;
import org.apache.orc.storage.ql.exec.vector.BytesColumnVector;
import org.apache.orc.storage.ql.exec.vector.ColumnVector;
import org.apache.orc.storage.ql.exec.vector.DecimalColumnVector;
import org.apache.orc.storage.ql.exec.vector.DoubleColumnVector;
import org.apache.orc.storage.ql.exec.vector.ListColumnVector;
import org.apache.orc.storage.ql.exec.vector.LongColumnVector;
import org.apache.orc.storage.ql.exec.vector.MapColumnVector;
import org.apache.orc.storage.ql.exec.vector.StructColumnVector;
import org.apache.orc.storage.ql.exec.vector.TimestampColumnVector;
import org.apache.orc.storage.ql.exec.vector.VectorizedRowBatch;

/**
 * The ORC {@link FormatHandler} (loaded only when ORC is used, see {@code DataFileIO}): zstd
 * compressed ORC files whose types carry Iceberg's id attributes (see {@link OrcSchemas}),
 * timestamps in UTC. Files are written and read through {@link StorageFileSystem}, never through a
 * Hadoop local filesystem. Metrics for the manifest are computed from the rows while writing.
 */
public final class OrcFormat implements FormatHandler {
  private static final int BATCH = 1024;
  private static final LocalDateTime EPOCH = LocalDateTime.of(1970, 1, 1, 0, 0);
  private static final OffsetDateTime EPOCH_TZ = EPOCH.atOffset(ZoneOffset.UTC);

  /** One configuration for all files: Hadoop parses its defaults once, not per file. */
  private static final Configuration CONF = new Configuration(false);

  @Override
  public DataFile write(Storage storage, String location, Schema schema, Iterator<Row> rows)
      throws IOException {
    TypeDescription type = OrcSchemas.toOrc(schema);
    RowMetrics metrics = new RowMetrics(schema);
    long length;
    try (Storage.PendingFile pending = storage.create(location)) {
      OrcFile.WriterOptions options =
          OrcFile.writerOptions(CONF)
              .setSchema(type)
              .fileSystem(new StorageFileSystem(storage, pending, CONF))
              .compress(CompressionKind.ZSTD)
              .useUTCTimestamp(true)
              .overwrite(false);
      Writer writer = OrcFile.createWriter(new Path(location), options);
      try {
        VectorizedRowBatch batch = type.createRowBatch(BATCH);
        List<Types.NestedField> fields = schema.columns();
        long index = 0;
        while (rows.hasNext()) {
          Row row = rows.next();
          int r = batch.size++;
          for (int i = 0; i < fields.size(); i++) {
            Types.NestedField f = fields.get(i);
            Object v = row.get(i);
            if (v == null && f.isRequired()) {
              throw new ValidationException(
                  "Missing value in row "
                      + index
                      + ", column '"
                      + f.name()
                      + "': the column is required (not null). Give a value, or make the column optional.");
            }
            set(f.type(), batch.cols[i], r, v, index, f.name());
          }
          metrics.add(row);
          index++;
          if (batch.size == batch.getMaxSize()) {
            writer.addRowBatch(batch);
            batch.reset();
          }
        }
        if (batch.size > 0) {
          writer.addRowBatch(batch);
        }
      } finally {
        writer.close();
      }
      length = pending.publish();
    }
    return metrics.toDataFile(location, FileFormat.ORC, length).build();
  }

  private static void set(Type type, ColumnVector cv, int r, Object v, long index, String name) {
    if (v == null) {
      cv.noNulls = false;
      cv.isNull[r] = true;
      return;
    }
    cv.isNull[r] = false;
    switch (type.typeId()) {
      case STRUCT:
        {
          StructColumnVector s = (StructColumnVector) cv;
          Row row = (Row) v;
          List<Types.NestedField> fields = type.asStruct().fields();
          for (int i = 0; i < fields.size(); i++) {
            Object x = row.get(i);
            if (x == null && fields.get(i).isRequired()) {
              throw new ValidationException(
                  "Missing value in row "
                      + index
                      + ", column '"
                      + name
                      + "."
                      + fields.get(i).name()
                      + "': the field is required (not null).");
            }
            set(fields.get(i).type(), s.fields[i], r, x, index, name + "." + fields.get(i).name());
          }
          return;
        }
      case LIST:
        {
          ListColumnVector l = (ListColumnVector) cv;
          Types.ListType lt = type.asList();
          List<?> list = (List<?>) v;
          int start = l.childCount;
          l.offsets[r] = start;
          l.lengths[r] = list.size();
          l.childCount += list.size();
          l.child.ensureSize(l.childCount, true);
          for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == null && lt.isElementRequired()) {
              throw new ValidationException(
                  "Null list element in row "
                      + index
                      + ", column '"
                      + name
                      + "': the list's elements are required (not null). Remove the null, or make the elements optional.");
            }
            set(lt.elementType(), l.child, start + i, list.get(i), index, name);
          }
          return;
        }
      case MAP:
        {
          MapColumnVector m = (MapColumnVector) cv;
          Types.MapType mt = type.asMap();
          Map<?, ?> map = (Map<?, ?>) v;
          int start = m.childCount;
          m.offsets[r] = start;
          m.lengths[r] = map.size();
          m.childCount += map.size();
          m.keys.ensureSize(m.childCount, true);
          m.values.ensureSize(m.childCount, true);
          int i = start;
          for (Map.Entry<?, ?> e : map.entrySet()) {
            if (e.getKey() == null || e.getValue() == null && mt.isValueRequired()) {
              throw new ValidationException(
                  "Null map "
                      + (e.getKey() == null ? "key" : "value")
                      + " in row "
                      + index
                      + ", column '"
                      + name
                      + "': map keys (and required values) must not be null.");
            }
            set(mt.keyType(), m.keys, i, e.getKey(), index, name);
            set(mt.valueType(), m.values, i, e.getValue(), index, name);
            i++;
          }
          return;
        }
      case BOOLEAN:
        ((LongColumnVector) cv).vector[r] = ((Boolean) v) ? 1 : 0;
        return;
      case INTEGER:
        ((LongColumnVector) cv).vector[r] = (Integer) v;
        return;
      case LONG:
        ((LongColumnVector) cv).vector[r] = (Long) v;
        return;
      case DATE:
        ((LongColumnVector) cv).vector[r] = ((LocalDate) v).toEpochDay();
        return;
      case TIME:
        ((LongColumnVector) cv).vector[r] = ((LocalTime) v).toNanoOfDay() / 1000;
        return;
      case FLOAT:
        ((DoubleColumnVector) cv).vector[r] = (Float) v;
        return;
      case DOUBLE:
        ((DoubleColumnVector) cv).vector[r] = (Double) v;
        return;
      case TIMESTAMP:
        setMicros(
            (TimestampColumnVector) cv, r, ChronoUnit.MICROS.between(EPOCH, (LocalDateTime) v));
        return;
      case TIMESTAMPTZ:
        setMicros(
            (TimestampColumnVector) cv, r, ChronoUnit.MICROS.between(EPOCH_TZ, (OffsetDateTime) v));
        return;
      case STRING:
        ((BytesColumnVector) cv).setVal(r, ((String) v).getBytes(StandardCharsets.UTF_8));
        return;
      case UUID:
        {
          UUID u = (UUID) v;
          ByteBuffer b = ByteBuffer.allocate(16);
          b.putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
          ((BytesColumnVector) cv).setVal(r, b.array());
          return;
        }
      case FIXED:
      case BINARY:
        {
          ByteBuffer b = ((ByteBuffer) v).duplicate();
          byte[] bytes = new byte[b.remaining()];
          b.get(bytes);
          if (type.typeId() == Type.TypeId.FIXED
              && bytes.length != ((Types.FixedType) type).length()) {
            throw new ValidationException(
                "Value of "
                    + bytes.length
                    + " bytes in row "
                    + index
                    + ", column '"
                    + name
                    + "': the column is "
                    + type
                    + ". Give exactly "
                    + ((Types.FixedType) type).length()
                    + " bytes.");
          }
          ((BytesColumnVector) cv).setVal(r, bytes);
          return;
        }
      case DECIMAL:
        {
          BigDecimal d = AvroFormat.fit((Types.DecimalType) type, (BigDecimal) v, index, name);
          ((DecimalColumnVector) cv).vector[r].set(HiveDecimal.create(d, false));
          return;
        }
      default:
        throw new IllegalArgumentException("Cannot write " + type + " to ORC");
    }
  }

  private static void setMicros(TimestampColumnVector cv, int r, long micros) {
    cv.setIsUTC(true);
    cv.time[r] = Math.floorDiv(micros, 1000L);
    cv.nanos[r] = (int) Math.floorMod(micros, 1_000_000L) * 1000;
  }

  @Override
  public CloseableIterator<Row> read(Storage storage, String location, Schema projection) {
    Reader reader = open(storage, location);
    OrcReadPlan plan;
    RecordReader records;
    try {
      plan = OrcReadPlan.of(projection.asStruct(), reader.getSchema());
      records = reader.rows(reader.options().include(plan.include(reader.getSchema())));
    } catch (OrcReadPlan.Mismatch e) {
      closeQuietly(reader);
      throw new CorruptTableException(
          "Data file "
              + location
              + " does not fit the table's schema: "
              + e.getMessage()
              + ". The file does not belong to this table, or the schema was changed outside DataShard.");
    } catch (IOException | RuntimeException e) {
      closeQuietly(reader);
      throw damaged(location, e);
    }
    VectorizedRowBatch batch = reader.getSchema().createRowBatch(BATCH);
    return new CloseableIterator<Row>() {
      private int pos;
      private boolean done;

      @Override
      public boolean hasNext() {
        if (done) {
          return false;
        }
        if (pos < batch.size) {
          return true;
        }
        try {
          while (records.nextBatch(batch)) {
            pos = 0;
            if (batch.size > 0) {
              return true;
            }
          }
        } catch (IOException | RuntimeException e) {
          close();
          throw damaged(location, e);
        }
        close();
        return false;
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        try {
          return plan.row(batch.cols, pos++);
        } catch (RuntimeException e) {
          throw damaged(location, e);
        }
      }

      @Override
      public void close() {
        if (!done) {
          done = true;
          try {
            records.close();
          } catch (IOException ignored) {
            // read-only
          }
          closeQuietly(reader);
        }
      }
    };
  }

  @Override
  public List<FileColumn> columns(Storage storage, String location) throws IOException {
    Reader reader = open(storage, location);
    try {
      TypeDescription s = reader.getSchema();
      List<FileColumn> out = new ArrayList<>();
      for (int i = 0; i < s.getChildren().size(); i++) {
        out.add(new FileColumn(OrcSchemas.id(s.getChildren().get(i)), s.getFieldNames().get(i)));
      }
      return out;
    } finally {
      closeQuietly(reader);
    }
  }

  @Override
  public long recordCount(Storage storage, String location) throws IOException {
    Reader reader = open(storage, location);
    try {
      return reader.getNumberOfRows();
    } finally {
      closeQuietly(reader);
    }
  }

  private static Reader open(Storage storage, String location) {
    try {
      long length = storage.length(location);
      return OrcFile.createReader(
          new Path(location),
          OrcFile.readerOptions(CONF)
              .filesystem(new StorageFileSystem(storage, null, CONF))
              .maxLength(length)
              .useUTCTimestamp(true));
    } catch (NoSuchFileException e) {
      throw new CorruptTableException(
          "Data file "
              + location
              + " is missing: the table references it, but it is "
              + "not there. It was deleted outside DataShard, or the table was copied incompletely.",
          e);
    } catch (IOException | RuntimeException e) {
      throw damaged(location, e);
    }
  }

  private static DataShardException damaged(String location, Exception e) {
    if (e instanceof DataShardException) {
      return (DataShardException) e;
    }
    return new CorruptTableException(
        "Cannot read data file "
            + location
            + " as ORC: "
            + e.getMessage()
            + ". The file is damaged, truncated, or not an ORC file.",
        e);
  }

  private static void closeQuietly(Reader reader) {
    try {
      reader.close();
    } catch (IOException ignored) {
      // read-only
    }
  }
}
