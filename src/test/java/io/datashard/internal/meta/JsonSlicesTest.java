package io.datashard.internal.meta;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonSlicesTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String value(String json, String key) {
    byte[] bytes = b(json);
    int[] r = JsonSlices.topLevelValue(bytes, key);
    return r == null ? null : new String(bytes, r[0], r[1] - r[0], StandardCharsets.UTF_8);
  }

  @Test
  void findsTopLevelValuesOnlyAndSkipsStringsWithBracesAndEscapes() {
    String json = "{ \"a\" : {\"snapshots\": [1]}, \"s\": \"x}]\\\"{[\", \"snapshots\" : [ {\"k\": \"]\"} , {} ],"
        + " \"n\": -12.5e3, \"t\": true }";
    assertThat(value(json, "snapshots")).isEqualTo("[ {\"k\": \"]\"} , {} ]");
    assertThat(value(json, "s")).isEqualTo("\"x}]\\\"{[\"");
    assertThat(value(json, "n")).isEqualTo("-12.5e3");
    assertThat(value(json, "t")).isEqualTo("true");
    assertThat(value(json, "k")).as("nested keys are not top-level").isNull();
    assertThat(value(json, "missing")).isNull();
  }

  @Test
  void malformedTextGivesNothing() {
    assertThat(value("[1, 2]", "a")).isNull();
    assertThat(value("{\"a\": [1, 2}", "a")).isNull();
    assertThat(value("{\"a\" 1}", "a")).isNull();
    assertThat(value("{\"a\": \"open", "a")).isNull();
    assertThat(value("{\"x\": 1 \"a\": 2}", "a")).as("missing comma").isNull();
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
