package io.datashard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.Row;
import io.datashard.Types;
import java.util.List;
import org.junit.jupiter.api.Test;

class RowsTest {
  private static final Types.StructType TYPE =
      Types.struct(
          List.of(
              Types.NestedField.required(1, "a", Types.LONG),
              Types.NestedField.optional(2, "b", Types.STRING)));

  @Test
  void wrapsTheGivenArrayIntoARowEqualToOneMadeByOf() {
    Object[] values = {1L, "x"};
    Row wrapped = Rows.wrap(TYPE, values);
    assertThat(wrapped).isEqualTo(Row.of(TYPE, 1L, "x"));
    assertThat(wrapped.type()).isSameAs(TYPE);
  }

  @Test
  void aWrongNumberOfValuesIsRefused() {
    assertThatThrownBy(() -> Rows.wrap(TYPE, new Object[] {1L}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs 2 values, got 1");
  }

  @Test
  void onlyRowInstallsTheFactory() {
    Row.of(TYPE, 1L, null); // Row is initialized: its factory is in place
    assertThatThrownBy(() -> Rows.install((t, v) -> null))
        .isInstanceOf(IllegalStateException.class);
  }
}
