package io.datashard.internal.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.storage.LocalStorage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flat projections (top-level primitives and lists of primitives) are read column by column; these
 * tests check that it reads exactly the rows written, over many row groups and pages, with nulls,
 * empty lists, projections, promotions and columns the file lacks.
 */
class FlatRowReaderTest {
  @TempDir Path dir;

  private final LocalStorage storage = new LocalStorage(false);

  /** ParquetTestData's columns without structs and maps, and lists of several element kinds. */
  private static final Schema FLAT;

  private static final int[] FROM_ALL;

  static {
    List<Types.NestedField> fields = new ArrayList<>();
    List<Integer> from = new ArrayList<>();
    for (int i = 0; i < ParquetTestData.ALL.columns().size(); i++) {
      Types.NestedField f = ParquetTestData.ALL.columns().get(i);
      boolean flat =
          f.type().isPrimitive()
              || f.type().typeId() == Type.TypeId.LIST
                  && f.type().asList().elementType().isPrimitive();
      if (flat) {
        fields.add(f);
        from.add(i);
      }
    }
    fields.add(Types.NestedField.required(60, "longs", Types.list(61, true, Types.LONG)));
    fields.add(Types.NestedField.optional(62, "words", Types.list(63, false, Types.STRING)));
    fields.add(Types.NestedField.optional(64, "flags", Types.list(65, true, Types.BOOLEAN)));
    FLAT = new Schema(0, fields);
    FROM_ALL = from.stream().mapToInt(Integer::intValue).toArray();
  }

  private static Row flatRow(long n) {
    Row all = ParquetTestData.row(n);
    Object[] v = new Object[FLAT.columns().size()];
    for (int i = 0; i < FROM_ALL.length; i++) {
      v[i] = all.get(FROM_ALL[i]);
    }
    int k = FROM_ALL.length;
    List<Long> longs = new ArrayList<>();
    for (int j = 0; j < n % 37; j++) { // up to 36 elements: lists that cross page boundaries
      longs.add(n * 100 + j);
    }
    v[k] = longs;
    v[k + 1] = n % 5 == 0 ? null : n % 5 == 1 ? List.of() : Arrays.asList("w" + n, null, "ü" + n);
    v[k + 2] = n % 4 == 0 ? null : List.of(n % 2 == 0, true);
    return Row.of(FLAT.asStruct(), v);
  }

  private String write(Schema schema, List<Row> rows, long rowGroupBytes) throws IOException {
    String file = dir.resolve("f" + System.nanoTime() + ".parquet").toString();
    ParquetFiles.write(
        storage, file, schema, rows.iterator(), CompressionCodecName.ZSTD, rowGroupBytes);
    return file;
  }

  @Test
  void theFlatPathAppliesOnlyToFlatProjections() {
    assertThat(FlatRowReader.of(FLAT.asStruct(), ParquetSchemas.toParquet(FLAT), null)).isNotNull();
    assertThat(
            FlatRowReader.of(
                ParquetTestData.ALL.asStruct(),
                ParquetSchemas.toParquet(ParquetTestData.ALL),
                null))
        .as("structs and maps take the general path")
        .isNull();
  }

  @Test
  void readsEveryRowWrittenAcrossRowGroupsAndPages() throws IOException {
    List<Row> rows = new ArrayList<>();
    for (long n = 0; n < 9_999; n++) { // ParquetTestData's decimals fit up to row 9,999
      rows.add(flatRow(n));
    }
    String file = write(FLAT, rows, 128 * 1024);
    try (ParquetFileReader footer = ParquetFileReader.open(new LocalInputFile(Path.of(file)))) {
      assertThat(footer.getRowGroups()).as("row groups").hasSizeGreaterThan(1);
    }
    List<Row> read = ParquetFiles.read(storage, file, FLAT).toList();
    assertThat(read).hasSameSizeAs(rows);
    for (int i = 0; i < rows.size(); i++) {
      assertThat(read.get(i)).as("row %d", i).isEqualTo(rows.get(i));
    }
  }

  @Test
  void aFlatProjectionOfANestedFileReadsWhatTheGeneralPathReads() throws IOException {
    List<Row> rows = ParquetTestData.rows(300);
    String file = write(ParquetTestData.ALL, rows, 128L * 1024 * 1024);
    Schema some = ParquetTestData.ALL.select(List.of("tz", "emb", "s", "id"));
    List<Row> read = ParquetFiles.read(storage, file, some).toList();
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      assertThat(read.get(i))
          .isEqualTo(Row.of(some.asStruct(), r.get("tz"), r.get("emb"), r.get("s"), r.get("id")));
    }
  }

  @Test
  void promotedTypesAndColumnsTheFileLacksReadAsTheTableSays() throws IOException {
    Schema before =
        new Schema(
            0,
            List.of(
                Types.NestedField.required(1, "n", Types.INT),
                Types.NestedField.optional(2, "x", Types.FLOAT),
                Types.NestedField.optional(3, "xs", Types.list(4, true, Types.INT))));
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      rows.add(
          Row.of(
              before.asStruct(),
              i,
              i % 3 == 0 ? null : i * 0.5f,
              i % 4 == 0 ? null : List.of(i, -i)));
    }
    String file = write(before, rows, 128L * 1024 * 1024);
    Schema after =
        new Schema(
            1,
            List.of(
                Types.NestedField.required(1, "n", Types.LONG),
                Types.NestedField.optional(2, "x", Types.DOUBLE),
                Types.NestedField.optional(3, "xs", Types.list(4, true, Types.LONG)),
                Types.NestedField.optional(5, "added", Types.STRING)));
    List<Row> read = ParquetFiles.read(storage, file, after).toList();
    for (int i = 0; i < 100; i++) {
      Row r = read.get(i);
      assertThat(r.get(0)).isEqualTo((long) i);
      assertThat(r.get(1)).isEqualTo(i % 3 == 0 ? null : (double) (i * 0.5f));
      assertThat(r.get(2)).isEqualTo(i % 4 == 0 ? null : List.of((long) i, (long) -i));
      assertThat(r.get(3)).isNull();
    }
  }
}
