package io.datashard.internal.avro;

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
import io.datashard.internal.AvroValues;
import io.datashard.internal.FormatHandler;
import io.datashard.internal.PositionedInput;
import io.datashard.internal.RowMetrics;
import io.datashard.internal.meta.TableMetadataParser;
import io.datashard.storage.Storage;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;

/**
 * The Avro {@link FormatHandler}: Avro object container files (zstd blocks) whose schema is the
 * table schema mapped as the Iceberg spec says (see {@link AvroSchemas}). Avro files carry no
 * column statistics, so the metrics recorded in manifests are computed from the rows while writing.
 */
public final class AvroFormat implements FormatHandler {

  @Override
  public DataFile write(Storage storage, String location, Schema schema, Iterator<Row> rows)
      throws IOException {
    org.apache.avro.Schema avro = AvroSchemas.toAvro(schema);
    RowMetrics metrics = new RowMetrics(schema);
    long length;
    try (Storage.PendingFile pending = storage.create(location)) {
      try (DataFileWriter<Object> writer = new DataFileWriter<>(new GenericDatumWriter<>(avro))) {
        writer.setCodec(CodecFactory.zstandardCodec(3));
        writer.setMeta("iceberg.schema", TableMetadataParser.schemaToJson(schema));
        writer.create(
            avro,
            new FilterOutputStream(pending.stream()) {
              @Override
              public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
              }

              @Override
              public void close() throws IOException {
                out.flush(); // the pending file is published (or aborted) by its owner
              }
            });
        long index = 0;
        while (rows.hasNext()) {
          Row row = rows.next();
          writer.append(record(schema.asStruct(), avro, row, index));
          metrics.add(row);
          index++;
        }
      }
      length = pending.publish();
    }
    return metrics.toDataFile(location, FileFormat.AVRO, length).build();
  }

  private static GenericRecord record(
      Types.StructType struct, org.apache.avro.Schema avro, Row row, long index) {
    GenericData.Record r = new GenericData.Record(avro);
    List<Types.NestedField> fields = struct.fields();
    for (int i = 0; i < fields.size(); i++) {
      Types.NestedField f = fields.get(i);
      Object v = row.get(i);
      if (v == null) {
        if (f.isRequired()) {
          throw new ValidationException(
              "Missing value in row "
                  + index
                  + ", column '"
                  + f.name()
                  + "': the column is required (not null). Give a value, or make the column optional.");
        }
        continue;
      }
      r.put(
          i,
          toAvro(
              f.type(), AvroSchemas.nonNull(avro.getFields().get(i).schema()), v, index, f.name()));
    }
    return r;
  }

  private static Object toAvro(
      Type type, org.apache.avro.Schema avro, Object v, long index, String name) {
    if (v == null) {
      return null;
    }
    switch (type.typeId()) {
      case STRUCT:
        return record(type.asStruct(), avro, (Row) v, index);
      case LIST:
        {
          Types.ListType l = type.asList();
          org.apache.avro.Schema element = AvroSchemas.nonNull(avro.getElementType());
          List<Object> out = new ArrayList<>();
          for (Object e : (List<?>) v) {
            if (e == null && l.isElementRequired()) {
              throw new ValidationException(
                  "Null list element in row "
                      + index
                      + ", column '"
                      + name
                      + "': the list's elements are required (not null). Remove the null, or make the elements optional.");
            }
            out.add(toAvro(l.elementType(), element, e, index, name));
          }
          return new GenericData.Array<>(avro, out);
        }
      case MAP:
        {
          Types.MapType m = type.asMap();
          Map<?, ?> in = (Map<?, ?>) v;
          for (Map.Entry<?, ?> e : in.entrySet()) {
            if (e.getKey() == null || e.getValue() == null && m.isValueRequired()) {
              throw new ValidationException(
                  "Null map "
                      + (e.getKey() == null ? "key" : "value")
                      + " in row "
                      + index
                      + ", column '"
                      + name
                      + "': map keys (and required values) must not be null.");
            }
          }
          if (avro.getType() == org.apache.avro.Schema.Type.MAP) {
            org.apache.avro.Schema value = AvroSchemas.nonNull(avro.getValueType());
            Map<String, Object> out = new HashMap<>();
            in.forEach((k, x) -> out.put((String) k, toAvro(m.valueType(), value, x, index, name)));
            return out;
          }
          org.apache.avro.Schema entry = avro.getElementType();
          org.apache.avro.Schema key = AvroSchemas.nonNull(entry.getFields().get(0).schema());
          org.apache.avro.Schema value = AvroSchemas.nonNull(entry.getFields().get(1).schema());
          List<Object> out = new ArrayList<>();
          for (Map.Entry<?, ?> e : in.entrySet()) {
            GenericData.Record kv = new GenericData.Record(entry);
            kv.put(0, toAvro(m.keyType(), key, e.getKey(), index, name));
            kv.put(1, toAvro(m.valueType(), value, e.getValue(), index, name));
            out.add(kv);
          }
          return new GenericData.Array<>(avro, out);
        }
      case FIXED:
        {
          int size = ((ByteBuffer) v).remaining();
          if (size != avro.getFixedSize()) {
            throw new ValidationException(
                "Value of "
                    + size
                    + " bytes in row "
                    + index
                    + ", column '"
                    + name
                    + "': the column is "
                    + type
                    + ". Give exactly "
                    + avro.getFixedSize()
                    + " bytes.");
          }
          return AvroValues.toAvro(type, avro, v);
        }
      case DECIMAL:
        return AvroValues.toAvro(
            type, avro, fit((Types.DecimalType) type, (BigDecimal) v, index, name));
      default:
        return AvroValues.toAvro(type, avro, v);
    }
  }

  /**
   * The decimal with the column's scale; fails if that needs rounding or more digits than the
   * column holds.
   */
  public static BigDecimal fit(Types.DecimalType type, BigDecimal v, long index, String name) {
    BigDecimal d;
    try {
      d = v.setScale(type.scale());
    } catch (ArithmeticException e) {
      throw new ValidationException(
          "Decimal "
              + v.toPlainString()
              + " in row "
              + index
              + ", column '"
              + name
              + "' has too many fraction digits: the column is "
              + type
              + ". Round the value to "
              + type.scale()
              + " fraction digits.");
    }
    if (d.precision() > type.precision()) {
      throw new ValidationException(
          "Decimal "
              + v.toPlainString()
              + " in row "
              + index
              + ", column '"
              + name
              + "' is too large: it needs "
              + d.precision()
              + " digits, and the column is "
              + type
              + ".");
    }
    return d;
  }

  @Override
  public CloseableIterator<Row> read(Storage storage, String location, Schema projection) {
    GenericDatumReader<Object> datum = new GenericDatumReader<>();
    DataFileReader<Object> reader = open(storage, location, datum);
    AvroReadPlan plan;
    try {
      AvroReadPlan.of(
          projection.asStruct(), reader.getSchema()); // checks every matched column's type
      org.apache.avro.Schema pruned = AvroReadPlan.prune(projection.asStruct(), reader.getSchema());
      datum.setExpected(pruned);
      plan = AvroReadPlan.of(projection.asStruct(), pruned);
    } catch (AvroReadPlan.Mismatch e) {
      closeQuietly(reader);
      throw new CorruptTableException(
          "Data file "
              + location
              + " does not fit the table's schema: "
              + e.getMessage()
              + ". The file does not belong to this table, or the schema was changed outside DataShard.");
    }
    return new CloseableIterator<Row>() {
      private boolean closed;

      @Override
      public boolean hasNext() {
        if (closed) {
          return false;
        }
        try {
          return reader.hasNext();
        } catch (RuntimeException e) {
          throw damaged(location, e);
        }
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        try {
          return plan.row((GenericRecord) reader.next());
        } catch (RuntimeException e) {
          throw damaged(location, e);
        }
      }

      @Override
      public void close() {
        closed = true;
        closeQuietly(reader);
      }
    };
  }

  @Override
  public List<FileColumn> columns(Storage storage, String location) throws IOException {
    DataFileReader<Object> reader = open(storage, location, new GenericDatumReader<>());
    try {
      org.apache.avro.Schema s = reader.getSchema();
      if (s.getType() != org.apache.avro.Schema.Type.RECORD) {
        throw new IOException("the file's schema is " + s.getType().getName() + ", not a record");
      }
      List<FileColumn> out = new ArrayList<>();
      for (org.apache.avro.Schema.Field f : s.getFields()) {
        out.add(
            new FileColumn(AvroSchemas.intProp(f.getObjectProp(AvroSchemas.FIELD_ID)), f.name()));
      }
      return out;
    } finally {
      closeQuietly(reader);
    }
  }

  private static DataShardException damaged(String location, RuntimeException e) {
    if (e instanceof DataShardException) {
      return (DataShardException) e;
    }
    return new CorruptTableException(
        "Cannot read data file "
            + location
            + " as Avro: "
            + e.getMessage()
            + ". The file is damaged, truncated, or not an Avro file.",
        e);
  }

  private static DataFileReader<Object> open(
      Storage storage, String location, GenericDatumReader<Object> datum) {
    Storage.InputFile in = null;
    try {
      in = storage.open(location);
      return new DataFileReader<>(new PositionedInput(in, true), datum);
    } catch (NoSuchFileException e) {
      throw new CorruptTableException(
          "Data file "
              + location
              + " is missing: the table references it, but it is "
              + "not there. It was deleted outside DataShard, or the table was copied incompletely.",
          e);
    } catch (IOException | RuntimeException e) {
      if (in != null) {
        try {
          in.close();
        } catch (IOException ignored) {
          // already failing
        }
      }
      throw new CorruptTableException(
          "Cannot read data file "
              + location
              + " as Avro: "
              + e.getMessage()
              + ". The file is damaged, truncated, or not an Avro file.",
          e);
    }
  }

  private static void closeQuietly(DataFileReader<?> reader) {
    try {
      reader.close();
    } catch (IOException ignored) {
      // read-only
    }
  }
}
