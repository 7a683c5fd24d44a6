package io.datashard.internal.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** Files of the container writer are read by Avro's own reader: records, blocks and metadata. */
class AvroContainerWriterTest {
  private static final Schema SCHEMA =
      SchemaBuilder.record("r").fields().requiredLong("n").optionalString("s").endRecord();

  private static List<GenericRecord> readAll(byte[] file, Map<String, String> meta)
      throws IOException {
    return readAll(file, meta, "null");
  }

  private static List<GenericRecord> readAll(byte[] file, Map<String, String> meta, String codec)
      throws IOException {
    List<GenericRecord> out = new ArrayList<>();
    try (DataFileStream<GenericRecord> in =
        new DataFileStream<>(new ByteArrayInputStream(file), new GenericDatumReader<>())) {
      assertThat(in.getSchema()).isEqualTo(SCHEMA);
      assertThat(in.getMetaString("avro.codec")).isEqualTo(codec);
      meta.forEach((k, v) -> assertThat(in.getMetaString(k)).as(k).isEqualTo(v));
      while (in.hasNext()) {
        out.add(in.next());
      }
    }
    return out;
  }

  @Test
  void recordsInSeveralBlocksAndTheMetadataReadBack() throws IOException {
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format-version", "2");
    meta.put("schema", "{\"type\":\"struct\",\"fields\":[\"ü\"]}");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    AvroContainerWriter w = new AvroContainerWriter(bytes, SCHEMA, meta);
    for (long n = 0; n < 250; n++) {
      GenericData.Record r = new GenericData.Record(SCHEMA);
      r.put("n", n * 1_000_000_007L);
      r.put("s", n % 3 == 0 ? null : "s" + n);
      w.append(r);
      if (n % 100 == 99) {
        w.flush();
      }
    }
    w.flush();
    w.flush(); // an empty block is not written
    List<GenericRecord> read = readAll(bytes.toByteArray(), meta);
    assertThat(read).hasSize(250);
    for (int n = 0; n < 250; n++) {
      assertThat(read.get(n).get("n")).isEqualTo(n * 1_000_000_007L);
      assertThat(read.get(n).get("s") == null ? null : read.get(n).get("s").toString())
          .isEqualTo(n % 3 == 0 ? null : "s" + n);
    }
  }

  @Test
  void deflatedBlocksReadBackThroughAvrosOwnReaderAndAreSmaller() throws IOException {
    Map<String, String> meta = Map.of("format-version", "2");
    ByteArrayOutputStream plain = new ByteArrayOutputStream();
    ByteArrayOutputStream packed = new ByteArrayOutputStream();
    AvroContainerWriter p = new AvroContainerWriter(plain, SCHEMA, meta, false);
    AvroContainerWriter d = new AvroContainerWriter(packed, SCHEMA, meta, true);
    for (long n = 0; n < 250; n++) {
      GenericData.Record r = new GenericData.Record(SCHEMA);
      r.put("n", n);
      r.put("s", "/warehouse/db/table/metadata/manifest-" + n + ".avro");
      p.append(r);
      d.append(r);
      if (n % 100 == 99) {
        p.flush();
        d.flush();
      }
    }
    p.flush();
    d.flush();
    List<GenericRecord> read = readAll(packed.toByteArray(), meta, "deflate");
    assertThat(read).isEqualTo(readAll(plain.toByteArray(), meta, "null")).hasSize(250);
    assertThat(read.get(249).get("s").toString())
        .isEqualTo("/warehouse/db/table/metadata/manifest-249.avro");
    assertThat(packed.size()).isLessThan(plain.size() / 2);
  }

  @Test
  void aFileWithoutRecordsIsAValidEmptyContainer() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    new AvroContainerWriter(bytes, SCHEMA, Map.of("content", "data")).flush();
    assertThat(readAll(bytes.toByteArray(), Map.of("content", "data"))).isEmpty();
  }

  @Test
  void twoFilesHaveDifferentSyncMarkers() throws IOException {
    ByteArrayOutputStream a = new ByteArrayOutputStream();
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    new AvroContainerWriter(a, SCHEMA, Map.of());
    new AvroContainerWriter(b, SCHEMA, Map.of());
    byte[] x = a.toByteArray();
    byte[] y = b.toByteArray();
    assertThat(x).hasSameSizeAs(y);
    assertThat(Arrays.copyOfRange(x, x.length - 16, x.length))
        .isNotEqualTo(Arrays.copyOfRange(y, y.length - 16, y.length));
  }
}
