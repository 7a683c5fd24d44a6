package io.datashard.internal.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.CorruptTableException;
import io.datashard.DataFile;
import io.datashard.FileFormat;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.internal.Values;
import io.datashard.storage.ForwardingStorage;
import io.datashard.storage.LocalStorage;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Round trips, projection by field id, metrics and errors of the Parquet layer on its own. */
class ParquetRoundTripTest {
  @TempDir Path dir;

  private final LocalStorage storage = new LocalStorage(false);
  private static final Schema ALL = ParquetTestData.ALL;

  private DataFile write(Path file, Schema schema, List<Row> rows, CompressionCodecName codec)
      throws IOException {
    return ParquetFiles.write(storage, file.toString(), schema, rows.iterator(), codec);
  }

  @Test
  void everyTypeWithNullsNestingAndEveryCodecRoundTrips() throws IOException {
    List<Row> rows = ParquetTestData.rows(60);
    for (CompressionCodecName codec :
        List.of(
            CompressionCodecName.ZSTD,
            CompressionCodecName.SNAPPY,
            CompressionCodecName.GZIP,
            CompressionCodecName.UNCOMPRESSED)) {
      Path file = dir.resolve(codec + ".parquet");
      DataFile f = write(file, ALL, rows, codec);
      assertThat(f.path()).isEqualTo(file.toString());
      assertThat(f.format()).isEqualTo(FileFormat.PARQUET);
      assertThat(f.recordCount()).isEqualTo(60);
      assertThat(f.fileSizeInBytes()).isEqualTo(Files.size(file));
      List<Row> read = ParquetFiles.read(storage, file.toString(), ALL).toList();
      assertThat(read).as(codec.name()).isEqualTo(rows);
    }
  }

  @Test
  void decimalsOfAllThreePhysicalWidthsKeepTheirExtremes() throws IOException {
    Schema s =
        new Schema(
            0,
            List.of(
                Types.NestedField.required(1, "a", Types.decimal(9, 0)),
                Types.NestedField.required(2, "b", Types.decimal(18, 18)),
                Types.NestedField.required(3, "c", Types.decimal(38, 5)),
                Types.NestedField.required(4, "d", Types.decimal(19, 2))));
    List<Row> rows = new ArrayList<>();
    for (String sign : List.of("", "-")) {
      rows.add(
          Row.of(
              s.asStruct(),
              new BigDecimal(sign + "999999999"),
              new BigDecimal(sign + "0.999999999999999999"),
              new BigDecimal(sign + "9".repeat(33) + ".99999"),
              new BigDecimal(sign + "9".repeat(17) + ".99")));
      rows.add(
          Row.of(
              s.asStruct(),
              new BigDecimal(sign + "1"),
              new BigDecimal(sign + "0.000000000000000001"),
              new BigDecimal(sign + "0.00001"),
              new BigDecimal(sign + "0.01")));
    }
    Path file = dir.resolve("dec.parquet");
    DataFile f = write(file, s, rows, CompressionCodecName.ZSTD);
    assertThat(ParquetFiles.read(storage, file.toString(), s).toList()).isEqualTo(rows);
    MessageType parquet = ParquetSchemas.toParquet(s);
    assertThat(parquet.getType("a").asPrimitiveType().getPrimitiveTypeName().name())
        .isEqualTo("INT32");
    assertThat(parquet.getType("b").asPrimitiveType().getPrimitiveTypeName().name())
        .isEqualTo("INT64");
    assertThat(parquet.getType("c").asPrimitiveType().getTypeLength()).isEqualTo(16);
    assertThat(parquet.getType("d").asPrimitiveType().getTypeLength()).isEqualTo(9);
    for (Types.NestedField c : s.columns()) {
      Object min =
          rows.stream()
              .map(r -> r.get(c.name()))
              .min((x, y) -> Values.compare(c.type(), x, y))
              .get();
      Object max =
          rows.stream()
              .map(r -> r.get(c.name()))
              .max((x, y) -> Values.compare(c.type(), x, y))
              .get();
      assertThat(Values.fromBytes(c.type(), f.lowerBounds().get(c.id()))).isEqualTo(min);
      assertThat(Values.fromBytes(c.type(), f.upperBounds().get(c.id()))).isEqualTo(max);
    }
  }

  @Test
  void anEmptyFileHasNoRowsAndNoBounds() throws IOException {
    Path file = dir.resolve("empty.parquet");
    DataFile f = write(file, ALL, List.of(), CompressionCodecName.ZSTD);
    assertThat(f.recordCount()).isZero();
    assertThat(f.fileSizeInBytes()).isEqualTo(Files.size(file)).isPositive();
    assertThat(f.lowerBounds()).isEmpty();
    assertThat(f.upperBounds()).isEmpty();
    assertThat(f.splitOffsets()).isEmpty();
    assertThat(ParquetFiles.read(storage, file.toString(), ALL).toList()).isEmpty();
  }

  @Test
  void boundsDecodeToTheRealMinimumAndMaximum() throws IOException {
    List<Row> rows = ParquetTestData.rows(45);
    DataFile f = write(dir.resolve("m.parquet"), ALL, rows, CompressionCodecName.ZSTD);
    for (int pos = 0; pos < ALL.columns().size(); pos++) {
      Types.NestedField c = ALL.columns().get(pos);
      Type t = c.type();
      if (!t.isPrimitive()
          || t.typeId() == Type.TypeId.STRING
          || t.typeId() == Type.TypeId.BINARY) {
        continue; // strings and binary are truncated: checked against Iceberg Java in
        // ParquetIcebergInteropTest
      }
      List<Object> values = new ArrayList<>();
      for (Row r : rows) {
        Object v = r.get(pos);
        if (v != null
            && !(v instanceof Float && ((Float) v).isNaN())
            && !(v instanceof Double && ((Double) v).isNaN())) {
          values.add(v);
        }
      }
      values.sort((x, y) -> Values.compare(t, x, y));
      assertThat(Values.fromBytes(t, f.lowerBounds().get(c.id())))
          .as("min of %s", c.name())
          .isEqualTo(values.get(0));
      assertThat(Values.fromBytes(t, f.upperBounds().get(c.id())))
          .as("max of %s", c.name())
          .isEqualTo(values.get(values.size() - 1));
    }
    // -0.0 is the smallest double written (row 9), NaN (row 8) is counted and excluded
    assertThat(f.nanValueCounts())
        .containsEntry(6, 1L)
        .containsEntry(5, 1L)
        .containsEntry(40, 0L)
        .containsEntry(41, 0L);
    assertThat(f.valueCounts()).containsEntry(1, 45L).containsEntry(30, 74L);
    assertThat(f.nullValueCounts()).containsEntry(2, 6L).containsEntry(21, 0L);
    assertThat(f.columnSizes().keySet()).contains(1, 30, 31, 32, 36, 40, 50);
    assertThat(f.splitOffsets()).containsExactly(4L);
  }

  @Test
  void projectionMatchesFieldsByIdAtAnyDepth() throws IOException {
    List<Row> rows = ParquetTestData.rows(30);
    Path file = dir.resolve("p.parquet");
    write(file, ALL, rows, CompressionCodecName.ZSTD);
    Types.StructType point =
        Types.struct(
            Types.NestedField.required(41, "why", Types.DOUBLE),
            Types.NestedField.optional(98, "z", Types.DOUBLE));
    Types.StructType person = Types.struct(Types.NestedField.optional(51, "age", Types.INT));
    Schema projection =
        new Schema(
            3,
            List.of(
                Types.NestedField.optional(14, "text", Types.STRING),
                Types.NestedField.optional(99, "added", Types.list(97, false, Types.INT)),
                Types.NestedField.optional(20, "point", point),
                Types.NestedField.optional(22, "people", Types.list(33, true, person)),
                Types.NestedField.required(1, "id", Types.LONG)));
    List<Row> read = ParquetFiles.read(storage, file.toString(), projection).toList();
    assertThat(read).hasSize(30);
    for (int n = 0; n < 30; n++) {
      Row in = rows.get(n);
      Row out = read.get(n);
      assertThat(out.type()).isEqualTo(projection.asStruct());
      assertThat(out.get("id")).isEqualTo((long) n);
      assertThat(out.get("text")).isEqualTo(in.get("s"));
      assertThat(out.get("added")).isNull();
      Row pos = (Row) in.get("pos");
      assertThat(out.get("point"))
          .isEqualTo(pos == null ? null : Row.of(point, pos.get("y"), null));
      @SuppressWarnings("unchecked")
      List<Row> people = (List<Row>) in.get("people");
      if (people == null) {
        assertThat(out.get("people")).isNull();
      } else {
        List<Row> expected = new ArrayList<>();
        people.forEach(p -> expected.add(Row.of(person, p.get("age"))));
        assertThat(out.get("people")).isEqualTo(expected);
      }
    }
  }

  @Test
  void columnsNotProjectedAreNotRead() throws IOException {
    Schema s =
        Schema.parse("id long not null, payload string, extra list<struct<a: string, b: long>>");
    Types.StructType ab = s.findField("extra").type().asList().elementType().asStruct();
    List<Row> rows = new ArrayList<>();
    Random random = new Random(42);
    for (long n = 0; n < 3000; n++) {
      byte[] noise = new byte[300];
      random.nextBytes(noise);
      String big = Base64.getEncoder().encodeToString(noise);
      rows.add(Row.of(s.asStruct(), n, big, List.of(Row.of(ab, big, n))));
    }
    Path file = dir.resolve("wide.parquet");
    write(file, s, rows, CompressionCodecName.UNCOMPRESSED);
    long size = Files.size(file);
    AtomicLong bytesRead = new AtomicLong();
    Storage counting = countingReads(bytesRead);
    int bId = ab.field("b").id();
    Schema onlySmall =
        new Schema(
            0,
            List.of(
                s.findField("id"),
                Types.NestedField.optional(
                    s.findField("extra").id(),
                    "extra",
                    Types.list(
                        s.findField("extra").type().asList().elementId(),
                        false,
                        Types.struct(Types.NestedField.optional(bId, "b", Types.LONG))))));
    List<Row> read = ParquetFiles.read(counting, file.toString(), onlySmall).toList();
    assertThat(read).hasSize(3000);
    assertThat(((Row) ((List<?>) read.get(7).get("extra")).get(0)).get("b")).isEqualTo(7L);
    assertThat(bytesRead.get()).as("bytes read of a %d-byte file", size).isLessThan(size / 10);
  }

  private Storage countingReads(AtomicLong bytesRead) {
    return new ForwardingStorage(storage) {
      @Override
      public InputFile open(String location) throws IOException {
        InputFile in = inner.open(location);
        return new InputFile() {
          @Override
          public String location() {
            return in.location();
          }

          @Override
          public long length() throws IOException {
            return in.length();
          }

          @Override
          public int read(long position, byte[] buf, int off, int len) throws IOException {
            int n = in.read(position, buf, off, len);
            bytesRead.addAndGet(Math.max(n, 0));
            return n;
          }

          @Override
          public void close() throws IOException {
            in.close();
          }
        };
      }
    };
  }

  @Test
  void aColumnWhoseTypeDoesNotMatchIsAnErrorNamingTheFile() throws IOException {
    Path file = dir.resolve("typed.parquet");
    write(file, ALL, ParquetTestData.rows(5), CompressionCodecName.ZSTD);
    for (Type wrong :
        List.of(
            Types.STRING,
            Types.struct(Types.NestedField.optional(60, "q", Types.INT)),
            Types.list(61, false, Types.INT),
            Types.map(62, Types.STRING, 63, false, Types.INT))) {
      Schema s = new Schema(0, List.of(Types.NestedField.optional(4, "l", wrong)));
      assertThatThrownBy(() -> ParquetFiles.read(storage, file.toString(), s).toList())
          .as(wrong.toString())
          .isInstanceOf(CorruptTableException.class)
          .hasMessageContainingAll("typed.parquet", "'l'", "INT64");
    }
    Schema listAsString =
        new Schema(0, List.of(Types.NestedField.optional(18, "emb", Types.STRING)));
    assertThatThrownBy(() -> ParquetFiles.read(storage, file.toString(), listAsString).toList())
        .isInstanceOf(CorruptTableException.class)
        .hasMessageContainingAll("typed.parquet", "'emb'");
  }

  @Test
  void aFileThatIsNotParquetOrIsTruncatedIsAnErrorNamingTheFile() throws IOException {
    Path file = dir.resolve("full.parquet");
    write(file, ALL, ParquetTestData.rows(40), CompressionCodecName.ZSTD);
    byte[] bytes = Files.readAllBytes(file);
    for (int keep : new int[] {0, 3, 8, bytes.length / 3, bytes.length - 9, bytes.length - 1}) {
      Path cut = dir.resolve("cut-" + keep + ".parquet");
      Files.write(cut, Arrays.copyOf(bytes, keep));
      assertThatThrownBy(() -> ParquetFiles.read(storage, cut.toString(), ALL).toList())
          .as("first %d bytes", keep)
          .isInstanceOf(CorruptTableException.class)
          .hasMessageContaining(cut.toString());
    }
    // damage in the middle of the data pages
    byte[] damaged = bytes.clone();
    for (int i = 200; i < 1200; i++) {
      damaged[i] = (byte) (damaged[i] ^ 0x5a);
    }
    Path bad = dir.resolve("damaged.parquet");
    Files.write(bad, damaged);
    assertThatThrownBy(() -> ParquetFiles.read(storage, bad.toString(), ALL).toList())
        .isInstanceOf(CorruptTableException.class)
        .hasMessageContaining(bad.toString());
  }

  @Test
  void unusualValuesRoundTrip() throws IOException {
    Schema s = Schema.parse("s string, bin binary, f float, d double, m map<string, string>");
    List<Row> rows =
        List.of(
            Row.of(
                s.asStruct(),
                "\uD83D\uDE00".repeat(20),
                ByteBuffer.allocate(0),
                Float.MIN_VALUE,
                Double.MAX_VALUE,
                Map.of("", "")),
            Row.of(
                s.asStruct(),
                "",
                ByteBuffer.wrap(new byte[40]),
                Float.NEGATIVE_INFINITY,
                -0.0,
                Map.of()),
            Row.of(s.asStruct(), "\u0000", null, Float.NaN, Double.NaN, null));
    Path file = dir.resolve("odd.parquet");
    DataFile f = write(file, s, rows, CompressionCodecName.SNAPPY);
    assertThat(ParquetFiles.read(storage, file.toString(), s).toList()).isEqualTo(rows);
    int sId = s.findField("s").id();
    assertThat(Values.fromBytes(Types.STRING, f.lowerBounds().get(sId))).isEqualTo("");
    // the max is 20 emoji: truncated to 16, the last one incremented
    assertThat(Values.fromBytes(Types.STRING, f.upperBounds().get(sId)))
        .isEqualTo("\uD83D\uDE00".repeat(15) + "\uD83D\uDE01");
    assertThat(Values.fromBytes(Types.FLOAT, f.lowerBounds().get(s.findField("f").id())))
        .isEqualTo(Float.NEGATIVE_INFINITY);
    assertThat(f.nanValueCounts()).containsEntry(s.findField("d").id(), 1L);
  }

  @Test
  void boundsTakenFromTheFooterSpanEveryRowGroup() throws IOException {
    Schema s =
        new Schema(
            0,
            List.of(
                Types.NestedField.required(1, "n", Types.LONG),
                Types.NestedField.optional(2, "s", Types.STRING),
                Types.NestedField.optional(3, "d", Types.DATE),
                Types.NestedField.optional(4, "b", Types.BOOLEAN)));
    // row groups of a few rows each: the maximum sits in the first rows, the minimum in the last,
    // and
    // a middle stretch has only nulls in the optional columns
    List<Row> rows = new ArrayList<>();
    int n = 3000;
    for (int i = 0; i < n; i++) {
      boolean nulls = i >= 1000 && i < 2000;
      rows.add(
          Row.of(
              s.asStruct(),
              (long) (n - i) * 1_000_003L - 7,
              nulls ? null : "k" + (char) ('z' - i % 26) + (n - i),
              nulls ? null : LocalDate.ofEpochDay(-i),
              nulls ? null : i % 2 == 0));
    }
    Path file = dir.resolve("groups.parquet");
    DataFile f =
        ParquetFiles.write(
            storage,
            file.toString(),
            s,
            rows.iterator(),
            CompressionCodecName.UNCOMPRESSED,
            4 * 1024);
    assertThat(f.splitOffsets()).as("row groups").hasSizeGreaterThan(3);
    assertThat(Values.fromBytes(Types.LONG, f.lowerBounds().get(1))).isEqualTo(1_000_003L - 7);
    assertThat(Values.fromBytes(Types.LONG, f.upperBounds().get(1))).isEqualTo(n * 1_000_003L - 7);
    List<String> strings = new ArrayList<>();
    for (Row r : rows) {
      if (r.get(1) != null) {
        strings.add((String) r.get(1));
      }
    }
    strings.sort(Values::compareCodePoints);
    assertThat(Values.fromBytes(Types.STRING, f.lowerBounds().get(2))).isEqualTo(strings.get(0));
    assertThat(Values.fromBytes(Types.STRING, f.upperBounds().get(2)))
        .isEqualTo(strings.get(strings.size() - 1));
    assertThat(Values.fromBytes(Types.DATE, f.lowerBounds().get(3)))
        .isEqualTo(LocalDate.ofEpochDay(-(n - 1)));
    assertThat(Values.fromBytes(Types.DATE, f.upperBounds().get(3)))
        .isEqualTo(LocalDate.ofEpochDay(0));
    assertThat(Values.fromBytes(Types.BOOLEAN, f.lowerBounds().get(4))).isEqualTo(false);
    assertThat(Values.fromBytes(Types.BOOLEAN, f.upperBounds().get(4))).isEqualTo(true);
    assertThat(f.nullValueCounts()).containsEntry(2, 1000L).containsEntry(1, 0L);
  }
}
