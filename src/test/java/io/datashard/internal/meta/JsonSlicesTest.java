package io.datashard.internal.meta;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonSlicesTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** The value at the start of the text, or null if the scanner refuses it. */
  private static String value(String json) {
    byte[] bytes = b(json);
    int end = JsonSlices.skipValue(bytes, 0);
    return end < 0 ? null : new String(bytes, 0, end, StandardCharsets.UTF_8);
  }

  @Test
  void findsTheEndOfAValueAcrossStringsWithBracesAndEscapes() {
    assertThat(value("{\"a\": {\"b\": [1, \"]}\\\"\"]}, \"c\": 2} , tail"))
        .isEqualTo("{\"a\": {\"b\": [1, \"]}\\\"\"]}, \"c\": 2}");
    assertThat(value("\"x}]\\\"{[\", 1")).isEqualTo("\"x}]\\\"{[\"");
    assertThat(value("-12.5e3, 1")).isEqualTo("-12.5e3");
    assertThat(value("true}")).isEqualTo("true");
  }

  @Test
  void malformedTextGivesNothing() {
    assertThat(value("[1, 2}")).as("wrong closing bracket").isNull();
    assertThat(value("{\"a\": [1, 2}")).isNull();
    assertThat(value("{\"a\": \"open")).isNull();
    assertThat(value("[[[")).isNull();
    assertThat(value("[".repeat(100) + "]".repeat(100)))
        .as("deeper than the scanner goes")
        .isNull();
  }

  @Test
  void readsALeadingSnapshotIdOfUpTo64Bits() {
    byte[] max = b("{\"snapshot-id\":9223372036854775807,\"x\":1}");
    assertThat(JsonSlices.leadingSnapshotId(max, 0, max.length)).isEqualTo(Long.MAX_VALUE);
    byte[] negative = b("{\"snapshot-id\":-5}");
    assertThat(JsonSlices.leadingSnapshotId(negative, 0, negative.length)).isEqualTo(-5L);
    byte[] tooBig = b("{\"snapshot-id\":9223372036854775808,\"x\":1}");
    assertThat(JsonSlices.leadingSnapshotId(tooBig, 0, tooBig.length)).isNull();
    byte[] notFirst = b("{\"x\":1,\"snapshot-id\":5}");
    assertThat(JsonSlices.leadingSnapshotId(notFirst, 0, notFirst.length)).isNull();
    byte[] spaced = b("{\"snapshot-id\": 5}");
    assertThat(JsonSlices.leadingSnapshotId(spaced, 0, spaced.length)).isNull();
    byte[] fraction = b("{\"snapshot-id\":5.5}");
    assertThat(JsonSlices.leadingSnapshotId(fraction, 0, fraction.length)).isNull();
  }
}
