package io.datashard.internal.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.CorruptTableException;
import io.datashard.DataFile;
import io.datashard.FileFormat;
import io.datashard.Schema;
import io.datashard.Types;
import io.datashard.internal.Values;
import io.datashard.internal.meta.PartitionSpec;
import io.datashard.storage.LocalStorage;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestIOTest {
  @TempDir Path dir;

  private final LocalStorage storage = new LocalStorage(false);

  static DataFile file(String path, long rows) {
    return DataFile.builder()
        .path(path)
        .format(FileFormat.PARQUET)
        .recordCount(rows)
        .fileSizeInBytes(rows * 10)
        .columnSizes(Map.of(1, 40L))
        .valueCounts(Map.of(1, rows))
        .nullValueCounts(Map.of(1, 0L))
        .lowerBounds(Map.of(1, Values.toBytes(Types.LONG, 1L)))
        .upperBounds(Map.of(1, Values.toBytes(Types.LONG, rows)))
        .splitOffsets(List.of(4L))
        .build();
  }

  /**
   * Copies an Avro file's records and header entries into a new file compressed with {@code codec}.
   */
  private static void recompress(Path from, Path to, CodecFactory codec) throws Exception {
    try (DataFileStream<GenericRecord> in =
            new DataFileStream<>(Files.newInputStream(from), new GenericDatumReader<>());
        DataFileWriter<GenericRecord> out = new DataFileWriter<>(new GenericDatumWriter<>())) {
      out.setCodec(codec);
      for (String key : in.getMetaKeys()) {
        if (!key.startsWith("avro.")) {
          out.setMeta(key, in.getMeta(key));
        }
      }
      out.create(in.getSchema(), Files.newOutputStream(to));
      for (GenericRecord r : in) {
        out.append(r);
      }
    }
  }

  @Test
  void compressedFilesAsIcebergJavaWritesThemReadLikeUncompressedOnes() throws Exception {
    Schema schema = Schema.parse("id long");
    Path m1 = dir.resolve("m1.avro");
    DataFile a = file("/t/data/a.parquet", 3);
    DataFile b = file("/t/data/b.parquet", 5);
    ManifestIO.Manifest manifest =
        ManifestIO.writeAdded(
            storage, m1.toString(), schema, PartitionSpec.unpartitioned(), 42L, List.of(a, b));
    Path list = dir.resolve("snap.avro");
    ManifestIO.writeList(storage, list.toString(), 42L, null, 7L, List.of(manifest));

    Path m1z = dir.resolve("m1-deflate.avro");
    recompress(m1, m1z, CodecFactory.deflateCodec(6));
    Path listz = dir.resolve("snap-deflate.avro");
    recompress(list, listz, CodecFactory.deflateCodec(6));

    ManifestIO.Manifest plain = ManifestIO.readList(storage, list.toString()).get(0);
    ManifestIO.Manifest deflated = ManifestIO.readList(storage, listz.toString()).get(0);
    assertThat(deflated.path).isEqualTo(plain.path);
    assertThat(deflated.sequenceNumber).isEqualTo(plain.sequenceNumber).isEqualTo(7);
    assertThat(deflated.addedRows).isEqualTo(plain.addedRows).isEqualTo(8);
    ManifestIO.Manifest z =
        new ManifestIO.Manifest(
            m1z.toString(),
            Files.size(m1z),
            plain.specId,
            plain.content,
            plain.sequenceNumber,
            plain.minSequenceNumber,
            plain.addedSnapshotId,
            plain.addedFiles,
            plain.existingFiles,
            plain.deletedFiles,
            plain.addedRows,
            plain.existingRows,
            plain.deletedRows,
            plain.partitions,
            plain.keyMetadata);
    assertThat(ManifestIO.liveFiles(storage, z, p -> p))
        .containsExactly(a, b)
        .isEqualTo(ManifestIO.liveFiles(storage, plain, p -> p));
  }

  @Test
  void manifestsAndListsRoundTripWithSequenceNumbersAssignedByTheList() throws Exception {
    Schema schema = Schema.parse("id long");
    String m1 = dir.resolve("m1.avro").toString();
    DataFile a = file("/t/data/a.parquet", 3);
    DataFile b = file("/t/data/b.parquet", 5);
    ManifestIO.Manifest manifest =
        ManifestIO.writeAdded(
            storage, m1, schema, PartitionSpec.unpartitioned(), 42L, List.of(a, b));
    assertThat(manifest.addedFiles).isEqualTo(2);
    assertThat(manifest.addedRows).isEqualTo(8);
    assertThat(manifest.length).isEqualTo(Files.size(Path.of(m1)));
    assertThat(manifest.sequenceNumber).isEqualTo(ManifestIO.UNASSIGNED);

    String list = dir.resolve("snap.avro").toString();
    ManifestIO.writeList(storage, list, 42L, null, 7L, List.of(manifest));
    List<ManifestIO.Manifest> read = ManifestIO.readList(storage, list);
    assertThat(read).hasSize(1);
    assertThat(read.get(0).sequenceNumber).isEqualTo(7);
    assertThat(read.get(0).minSequenceNumber).isEqualTo(7);
    assertThat(read.get(0).addedSnapshotId).isEqualTo(42);
    assertThat(read.get(0).path).isEqualTo(m1);

    List<DataFile> files = ManifestIO.liveFiles(storage, read.get(0), p -> p);
    assertThat(files).containsExactly(a, b);
    assertThat(files.get(1).upperBounds().get(1)).isEqualTo(Values.toBytes(Types.LONG, 5L));
  }

  @Test
  void aDamagedManifestIsAClearError() throws Exception {
    Path bad = dir.resolve("bad.avro");
    Files.write(bad, new byte[] {'O', 'b', 'j', 1, 0, 0});
    assertThatThrownBy(() -> ManifestIO.readList(storage, bad.toString()))
        .isInstanceOf(CorruptTableException.class)
        .hasMessageContaining("bad.avro");
    assertThatThrownBy(() -> ManifestIO.readList(storage, dir.resolve("missing.avro").toString()))
        .isInstanceOf(CorruptTableException.class)
        .hasMessageContaining("missing");
  }

  @Test
  void longBoundsAreLittleEndian() {
    ByteBuffer b = Values.toBytes(Types.LONG, 1L);
    assertThat(b.get(0)).isEqualTo((byte) 1);
    assertThat(b.remaining()).isEqualTo(8);
  }

  @Test
  void truncatedOrReplacedManifestsAreDetected() throws Exception {
    Schema schema = Schema.parse("id long");
    List<DataFile> many = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      many.add(file("/t/data/f" + i + ".parquet", i + 1));
    }
    String m1 = dir.resolve("big.avro").toString();
    ManifestIO.Manifest manifest =
        ManifestIO.writeAdded(storage, m1, schema, PartitionSpec.unpartitioned(), 1L, many);
    String list = dir.resolve("list.avro").toString();
    ManifestIO.writeList(storage, list, 1L, null, 1L, List.of(manifest));
    ManifestIO.Manifest listed = ManifestIO.readList(storage, list).get(0);
    assertThat(ManifestIO.liveFiles(storage, listed, p -> p)).hasSize(2000);
    byte[] bytes = Files.readAllBytes(Path.of(m1));
    // cut at several places: every cut is an error naming the file, never a silently shorter
    // manifest
    for (int cut : new int[] {bytes.length - 1, bytes.length - 17, bytes.length / 2, 200}) {
      Files.write(Path.of(m1), Arrays.copyOf(bytes, cut));
      assertThatThrownBy(() -> ManifestIO.liveFiles(storage, listed, p -> p))
          .as("cut at %d", cut)
          .isInstanceOf(CorruptTableException.class)
          .hasMessageContaining("big.avro");
    }
    // a manifest list has no recorded length: its end marker catches a cut inside the last block
    Files.write(Path.of(m1), bytes);
    byte[] listBytes = Files.readAllBytes(Path.of(list));
    Files.write(Path.of(list), Arrays.copyOf(listBytes, listBytes.length - 5));
    assertThatThrownBy(() -> ManifestIO.readList(storage, list))
        .isInstanceOf(CorruptTableException.class)
        .hasMessageContaining("list.avro");
  }

  @Test
  void listsAreWrittenDeflatedAndADamagedDeflatedBlockIsAClearError() throws Exception {
    Schema schema = Schema.parse("id long");
    List<ManifestIO.Manifest> manifests = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      manifests.add(
          ManifestIO.writeAdded(
              storage,
              dir.resolve("m" + i + ".avro").toString(),
              schema,
              PartitionSpec.unpartitioned(),
              i + 1L,
              List.of(file("/t/data/f" + i + ".parquet", i + 1))));
    }
    String list = dir.resolve("deflated-list.avro").toString();
    ManifestIO.writeList(storage, list, 99L, 98L, 5L, manifests);
    // Avro's own reader (what Iceberg Java and other engines use) reads the same entries
    List<String> avroPaths = new ArrayList<>();
    try (DataFileStream<GenericRecord> in =
        new DataFileStream<>(Files.newInputStream(Path.of(list)), new GenericDatumReader<>())) {
      assertThat(in.getMetaString("avro.codec")).isEqualTo("deflate");
      assertThat(in.getMetaString("snapshot-id")).isEqualTo("99");
      for (GenericRecord r : in) {
        avroPaths.add(r.get("manifest_path").toString());
      }
    }
    List<ManifestIO.Manifest> read = ManifestIO.readList(storage, list);
    assertThat(read).extracting(m -> m.path).containsExactlyElementsOf(avroPaths).hasSize(30);
    assertThat(read.get(29).addedRows).isEqualTo(30);
    assertThat(read).allSatisfy(m -> assertThat(m.sequenceNumber).isEqualTo(5));

    // the first byte of the compressed block made a deflate block of the reserved type 3 (the
    // sync markers stay intact): the header ends with the file's sync marker, its last 16 bytes,
    // and the block's record count and byte size (two varints) follow it
    byte[] damaged = Files.readAllBytes(Path.of(list));
    byte[] sync = Arrays.copyOfRange(damaged, damaged.length - 16, damaged.length);
    int at = 0;
    while (!Arrays.equals(Arrays.copyOfRange(damaged, at, at + 16), sync)) {
      at++;
    }
    at += 16;
    for (int varints = 0; varints < 2; varints++) {
      while ((damaged[at++] & 0x80) != 0) {
        // continuation bytes of a varint
      }
    }
    damaged[at] = (byte) 0xff;
    Files.write(Path.of(list), damaged);
    assertThatThrownBy(() -> ManifestIO.readList(storage, list))
        .isInstanceOf(CorruptTableException.class)
        .hasMessageContaining("deflated-list.avro");
  }
}
