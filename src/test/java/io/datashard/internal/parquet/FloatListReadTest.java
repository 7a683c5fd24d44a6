package io.datashard.internal.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Types;
import io.datashard.internal.FloatList;
import io.datashard.storage.LocalStorage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * list&lt;float&gt; columns are read into float arrays; the rows equal those written, nulls and
 * all.
 */
class FloatListReadTest {
  @TempDir Path dir;

  private final LocalStorage storage = new LocalStorage(false);

  private static final Schema OPTIONAL_ELEMENTS =
      new Schema(
          0,
          List.of(
              Types.NestedField.required(1, "id", Types.LONG),
              Types.NestedField.optional(2, "emb", Types.list(3, false, Types.FLOAT))));

  private List<Row> roundTrip(Schema schema, List<Row> rows) throws IOException {
    String file = dir.resolve("f" + System.nanoTime() + ".parquet").toString();
    ParquetFiles.write(storage, file, schema, rows.iterator(), CompressionCodecName.ZSTD);
    return ParquetFiles.read(storage, file, schema).toList();
  }

  @Test
  void listsOfEverySizeWithNullElementsAndNullListsReadBackEqual() throws IOException {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      List<Float> emb = null;
      if (i % 7 != 0) {
        emb = new ArrayList<>();
        for (int k = 0; k < i % 23; k++) { // 0 to 22 elements: past the reader's first buffer size
          emb.add(k % 5 == 3 ? null : i * 0.5f + k);
        }
        if (i % 11 == 0) {
          emb.add(Float.NaN);
        }
      }
      rows.add(Row.of(OPTIONAL_ELEMENTS.asStruct(), (long) i, emb));
    }
    List<Row> read = roundTrip(OPTIONAL_ELEMENTS, rows);
    assertThat(read).isEqualTo(rows);
    for (int i = 0; i < read.size(); i++) {
      Object emb = read.get(i).get(1);
      if (emb != null) {
        assertThat(emb).isInstanceOf(FloatList.class);
        assertThat(emb.hashCode()).isEqualTo(rows.get(i).get(1).hashCode());
        assertThat(emb.toString()).isEqualTo(rows.get(i).get(1).toString());
      } else {
        assertThat(rows.get(i).get(1)).isNull();
      }
    }
  }

  @Test
  void dictionaryEncodedAndPlainPagesReadAlike() throws IOException {
    // few distinct values: dictionary pages; then many distinct ones: parquet-java falls back to
    // plain
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      float base = i < 10_000 ? i % 3 : i * 1.25f;
      rows.add(Row.of(OPTIONAL_ELEMENTS.asStruct(), (long) i, List.of(base, base + 0.5f, -base)));
    }
    assertThat(roundTrip(OPTIONAL_ELEMENTS, rows)).isEqualTo(rows);
  }

  @Test
  void aReadListIsUnmodifiableAndWritesBackUnchanged() throws IOException {
    List<Row> rows = List.of(Row.of(OPTIONAL_ELEMENTS.asStruct(), 1L, Arrays.asList(1f, null, 3f)));
    List<Row> once = roundTrip(OPTIONAL_ELEMENTS, rows);
    @SuppressWarnings("unchecked")
    List<Float> emb = (List<Float>) once.get(0).get(1);
    assertThatThrownBy(() -> emb.set(0, 2f)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> emb.add(2f)).isInstanceOf(UnsupportedOperationException.class);
    assertThat(((FloatList) emb).floatAt(2)).isEqualTo(3f);
    assertThatThrownBy(() -> ((FloatList) emb).floatAt(1)).isInstanceOf(NullPointerException.class);
    // rows as a scan returned them are written again (as rewrites do) and read back the same
    assertThat(roundTrip(OPTIONAL_ELEMENTS, once)).isEqualTo(rows);
  }

  @Test
  void aNullElementInAFloatListIsRefusedForRequiredElements() {
    Schema required =
        new Schema(
            0, List.of(Types.NestedField.optional(2, "emb", Types.list(3, true, Types.FLOAT))));
    FloatList withNull = new FloatList(new float[] {1f, 0f}, new boolean[] {false, true});
    assertThatThrownBy(() -> roundTrip(required, List.of(Row.of(required.asStruct(), withNull))))
        .hasMessageContaining("Null list element")
        .hasMessageContaining("emb");
  }

  @Test
  void floatListsWidenedToDoubleStillReadAsDoubles() throws IOException {
    List<Row> rows = List.of(Row.of(OPTIONAL_ELEMENTS.asStruct(), 1L, List.of(1.5f, 2.5f)));
    String file = dir.resolve("w.parquet").toString();
    ParquetFiles.write(
        storage, file, OPTIONAL_ELEMENTS, rows.iterator(), CompressionCodecName.ZSTD);
    Schema widened =
        new Schema(
            1,
            List.of(
                Types.NestedField.required(1, "id", Types.LONG),
                Types.NestedField.optional(2, "emb", Types.list(3, false, Types.DOUBLE))));
    List<Row> read = ParquetFiles.read(storage, file, widened).toList();
    assertThat(read.get(0).get(1)).isEqualTo(List.of(1.5, 2.5));
  }
}
