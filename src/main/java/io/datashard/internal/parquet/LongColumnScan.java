package io.datashard.internal.parquet;

import io.datashard.DataShardException;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.apache.parquet.DataShardReadOptions;
import org.apache.parquet.bytes.ByteBufferInputStream;
import org.apache.parquet.bytes.BytesUtils;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ValuesType;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.column.values.ValuesReader;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridDecoder;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Reads one top-level integer column of a Parquet file as primitive values, with each row's
 * position, and nothing else: no rows are built. What a merge-on-read delete by id needs (the
 * positions of the rows whose id is in a set) costs a loop over the column's values.
 */
public final class LongColumnScan {
  private LongColumnScan() {}

  /**
   * Row groups decoded from their pages' bytes (not through Parquet's column reader), for tests.
   */
  static final java.util.concurrent.atomic.AtomicLong DECODED_GROUPS =
      new java.util.concurrent.atomic.AtomicLong();

  /** Receives the position (from 0 in the file) and the value of each non-null value. */
  public interface Visitor {
    void accept(long position, long value);
  }

  /**
   * Visits the values of the column with Iceberg field id {@code fieldId}.
   *
   * @return false, having visited nothing, if the file has no such column or it is not a plain 32-
   *     or 64-bit integer column (the caller then reads rows the general way)
   */
  public static boolean scan(Storage storage, String location, int fieldId, Visitor visitor) {
    Codecs codecs = new Codecs();
    try (Storage.InputFile input = storage.open(location);
        ParquetFileReader reader =
            new ParquetFileReader(StorageFiles.input(input), DataShardReadOptions.create(codecs))) {
      MessageType fileSchema = reader.getFooter().getFileMetaData().getSchema();
      PrimitiveType column = null;
      for (Type t : fileSchema.getFields()) {
        if (t.getId() != null && t.getId().intValue() == fieldId) {
          column = t.isPrimitive() ? t.asPrimitiveType() : null;
          break;
        }
      }
      if (column == null || !plainInteger(column)) {
        return false;
      }
      MessageType requested = new MessageType(fileSchema.getName(), List.of(column));
      reader.setRequestedSchema(requested);
      ColumnDescriptor descriptor = requested.getColumns().get(0);
      boolean int64 = column.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.INT64;
      int maxDef = descriptor.getMaxDefinitionLevel();
      String createdBy = reader.getFooter().getFileMetaData().getCreatedBy();
      RowMaterializer.Passthrough root =
          new RowMaterializer.Passthrough(new Converter[] {new PrimitiveConverter() {}});
      long position = 0;
      List<BlockMetaData> blocks = reader.getRowGroups();
      PageReadStore group;
      for (int g = 0; (group = reader.readNextRowGroup()) != null; g++) {
        long rows = group.getRowCount();
        if (g < blocks.size() && decodable(blocks.get(g), descriptor, maxDef)) {
          long end =
              decodePages(
                  group.getPageReader(descriptor), descriptor, int64, maxDef, position, visitor);
          if (end != position + rows) {
            throw new IOException(
                "a row group of " + rows + " rows holds " + (end - position) + " values");
          }
          position = end;
          DECODED_GROUPS.incrementAndGet();
          continue;
        }
        ColumnReader values =
            new ColumnReadStoreImpl(group, root, requested, createdBy).getColumnReader(descriptor);
        for (long i = 0; i < rows; i++, position++) {
          if (values.getCurrentDefinitionLevel() == maxDef) {
            visitor.accept(position, int64 ? values.getLong() : values.getInteger());
          }
          values.consume();
        }
      }
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + location + ": " + e, e);
    } catch (DataShardException e) {
      throw e;
    } finally {
      codecs.release();
    }
  }

  private static final Set<Encoding> DECODED =
      EnumSet.of(Encoding.PLAIN, Encoding.PLAIN_DICTIONARY, Encoding.RLE_DICTIONARY, Encoding.RLE);

  /**
   * * True if the column chunk uses only encodings decoded here: plain or dictionary values; levels
   * are read by Parquet's own level readers.
   */
  private static boolean decodable(BlockMetaData block, ColumnDescriptor column, int maxDef) {
    for (ColumnChunkMetaData c : block.getColumns()) {
      if (Arrays.equals(c.getPath().toArray(), column.getPath())) {
        for (Encoding e : c.getEncodings()) {
          if (!DECODED.contains(e) && e != Encoding.BIT_PACKED) {
            return false;
          }
        }
        return true;
      }
    }
    return false;
  }

  /**
   * Decodes a column chunk's pages straight from their bytes (plain or dictionary values); returns
   * the position after its last row.
   */
  /** The definition levels of a page, one per value. */
  private interface Levels {
    int next() throws IOException;
  }

  private static long decodePages(
      PageReader pages,
      ColumnDescriptor descriptor,
      boolean int64,
      int maxDef,
      long position,
      Visitor visitor)
      throws IOException {
    long[] dictionary = null;
    DictionaryPage dp = pages.readDictionaryPage();
    if (dp != null) {
      ByteBuffer b = dp.getBytes().toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      dictionary = new long[dp.getDictionarySize()];
      for (int i = 0; i < dictionary.length; i++) {
        dictionary[i] = int64 ? b.getLong() : b.getInt();
      }
    }
    int levelWidth = BytesUtils.getWidthFromMaxInt(maxDef);
    DataPage page;
    while ((page = pages.readPage()) != null) {
      int count = page.getValueCount();
      ByteBuffer levels = null;
      ByteBuffer values;
      Encoding encoding;
      ValuesReader v1Levels = null;
      if (page instanceof DataPageV1 v1) {
        // levels as Parquet reads them (RLE with its length, or the old bit-packed encoding)
        ByteBufferInputStream in = v1.getBytes().toInputStream();
        v1.getRlEncoding()
            .getValuesReader(descriptor, ValuesType.REPETITION_LEVEL)
            .initFromPage(count, in);
        v1Levels = v1.getDlEncoding().getValuesReader(descriptor, ValuesType.DEFINITION_LEVEL);
        v1Levels.initFromPage(count, in);
        values = in.slice(in.available()).order(ByteOrder.LITTLE_ENDIAN);
        encoding = v1.getValueEncoding();
      } else {
        DataPageV2 v2 = (DataPageV2) page;
        if (maxDef > 0) {
          levels = v2.getDefinitionLevels().toByteBuffer();
        }
        values = v2.getData().toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        encoding = v2.getDataEncoding();
      }
      RunLengthBitPackingHybridDecoder v2Levels =
          levels == null
              ? null
              : new RunLengthBitPackingHybridDecoder(
                  levelWidth, ByteBufferInputStream.wrap(levels));
      ValuesReader v1Defined = v1Levels;
      Levels defined =
          v1Defined != null
              ? v1Defined::readInteger
              : v2Levels != null ? v2Levels::readInt : () -> maxDef;
      if (encoding == Encoding.PLAIN && maxDef == 0 && int64) {
        // a required long column (an id): every value present, read as a block
        java.nio.LongBuffer longs = values.asLongBuffer();
        for (int i = 0; i < count; i++, position++) {
          visitor.accept(position, longs.get(i));
        }
      } else if (encoding == Encoding.PLAIN) {
        for (int i = 0; i < count; i++, position++) {
          if (defined.next() == maxDef) {
            visitor.accept(position, int64 ? values.getLong() : values.getInt());
          }
        }
      } else if (encoding == Encoding.PLAIN_DICTIONARY || encoding == Encoding.RLE_DICTIONARY) {
        if (dictionary == null) {
          throw new IOException("a dictionary-encoded page without a dictionary");
        }
        int width = values.get() & 0xff;
        RunLengthBitPackingHybridDecoder ids =
            new RunLengthBitPackingHybridDecoder(width, ByteBufferInputStream.wrap(values.slice()));
        for (int i = 0; i < count; i++, position++) {
          if (defined.next() == maxDef) {
            visitor.accept(position, dictionary[ids.readInt()]);
          }
        }
      } else {
        throw new IOException("values encoded as " + encoding + ", not plain or dictionary");
      }
    }
    return position;
  }

  /** INT32 or INT64 without an annotation, or annotated as a signed integer. */
  private static boolean plainInteger(PrimitiveType t) {
    PrimitiveType.PrimitiveTypeName name = t.getPrimitiveTypeName();
    if (name != PrimitiveType.PrimitiveTypeName.INT32
        && name != PrimitiveType.PrimitiveTypeName.INT64) {
      return false;
    }
    if (t.isRepetition(Type.Repetition.REPEATED)) {
      return false;
    }
    LogicalTypeAnnotation a = t.getLogicalTypeAnnotation();
    return a == null
        || (a instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation i && i.isSigned());
  }
}
