package io.datashard.internal.manifest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.Deflater;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * Writes an Avro object container file (the layout of the Avro specification: magic, a metadata map
 * with the schema, a sync marker, then blocks of records), as manifests and manifest lists are
 * written: uncompressed, or with the {@code deflate} codec, which the Avro specification requires
 * every reader to support. Unlike Avro's {@code DataFileWriter}, which prints the schema to JSON
 * for every file, the schema text is made once per schema; records are encoded by Avro's own datum
 * writer.
 */
public final class AvroContainerWriter {
  private static final byte[] MAGIC = {'O', 'b', 'j', 1};

  /** Schema texts by schema (few per process: manifest lists, and entries per partition type). */
  private static final Map<Schema, byte[]> SCHEMA_TEXT =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Schema, byte[]> eldest) {
          return size() > 64;
        }
      };

  private final OutputStream out;
  private final GenericDatumWriter<GenericRecord> datumWriter;
  private final byte[] sync = new byte[16];
  private final ByteArrayOutputStream block = new ByteArrayOutputStream(1024);
  private final BinaryEncoder blockEncoder;
  private final BinaryEncoder headerEncoder;
  private long blockCount;
  private final boolean deflate;

  /** Writes the header of an uncompressed file: the schema, the null codec and {@code meta}. */
  AvroContainerWriter(OutputStream out, Schema schema, Map<String, String> meta)
      throws IOException {
    this(out, schema, meta, false);
  }

  /**
   * Writes the header: the schema, the codec ({@code deflate} if {@code deflate}, else {@code
   * null}) and {@code meta}, in that order.
   */
  AvroContainerWriter(OutputStream out, Schema schema, Map<String, String> meta, boolean deflate)
      throws IOException {
    this.out = out;
    this.deflate = deflate;
    this.datumWriter = new GenericDatumWriter<>(schema);
    this.blockEncoder = EncoderFactory.get().directBinaryEncoder(block, null);
    this.headerEncoder = EncoderFactory.get().directBinaryEncoder(out, null);
    ThreadLocalRandom.current().nextBytes(sync);
    out.write(MAGIC);
    headerEncoder.writeMapStart();
    headerEncoder.setItemCount(2 + meta.size());
    entry("avro.schema", schemaText(schema));
    entry("avro.codec", (deflate ? "deflate" : "null").getBytes(StandardCharsets.UTF_8));
    for (Map.Entry<String, String> e : meta.entrySet()) {
      entry(e.getKey(), e.getValue().getBytes(StandardCharsets.UTF_8));
    }
    headerEncoder.writeMapEnd();
    headerEncoder.flush();
    out.write(sync);
  }

  private void entry(String key, byte[] value) throws IOException {
    headerEncoder.startItem();
    headerEncoder.writeString(key);
    headerEncoder.writeBytes(value);
  }

  private static byte[] schemaText(Schema schema) {
    synchronized (SCHEMA_TEXT) {
      return SCHEMA_TEXT.computeIfAbsent(
          schema, s -> s.toString().getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Adds a record to the current block. */
  void append(GenericRecord record) throws IOException {
    datumWriter.write(record, blockEncoder);
    blockCount++;
  }

  /** Writes the current block, if it holds records, to the stream. */
  void flush() throws IOException {
    if (blockCount == 0) {
      return;
    }
    blockEncoder.flush();
    headerEncoder.writeLong(blockCount);
    if (deflate) {
      byte[] packed = deflated(block.toByteArray());
      headerEncoder.writeLong(packed.length);
      headerEncoder.flush();
      out.write(packed);
    } else {
      headerEncoder.writeLong(block.size());
      headerEncoder.flush();
      block.writeTo(out);
    }
    out.write(sync);
    out.flush();
    block.reset();
    blockCount = 0;
  }

  /**
   * Raw deflate (RFC 1951, no zlib header), as the Avro specification defines the codec; the
   * fastest level, since a manifest list is written inside every commit.
   */
  private static byte[] deflated(byte[] raw) {
    Deflater d = DEFLATER.get(); // one per thread: making one allocates and fills zlib's tables
    try {
      d.setInput(raw);
      d.finish();
      ByteArrayOutputStream packed = new ByteArrayOutputStream(raw.length / 2 + 64);
      byte[] buf = new byte[8192];
      while (!d.finished()) {
        packed.write(buf, 0, d.deflate(buf));
      }
      return packed.toByteArray();
    } finally {
      d.reset();
    }
  }

  private static final ThreadLocal<Deflater> DEFLATER =
      ThreadLocal.withInitial(() -> new Deflater(Deflater.BEST_SPEED, true));
}
