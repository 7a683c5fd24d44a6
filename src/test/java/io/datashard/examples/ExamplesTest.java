package io.datashard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs the main method of each program in {@code examples/} (compiled with the tests) on a
 * temporary directory. Each example checks its own result and throws if it is wrong.
 */
class ExamplesTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(
      strings = {
        "QuickStart",
        "TimeTravel",
        "Transactions",
        "ConcurrentWriters",
        "ArrowTraining",
        "Pipeline"
      })
  void exampleRuns(String name) throws Exception {
    Method main = Class.forName(name).getMethod("main", String[].class);
    PrintStream old = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      main.invoke(null, (Object) new String[] {tmp.toString()});
    } finally {
      System.setOut(old);
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    old.print(out);
    assertThat(out).isNotBlank();
    assertThat(tmp.toFile().list()).hasSize(1);
  }
}
