package io.datashard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.storage.InMemoryStorage;
import io.datashard.storage.Storage;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PositionedInputTest {
  private static PositionedInput input(String content) throws Exception {
    Storage s = InMemoryStorage.of(Map.of("/f", content.getBytes(StandardCharsets.UTF_8)));
    return new PositionedInput(s.open("/f"), true);
  }

  @Test
  void readsMoveThePositionAndStopAtTheEnd() throws Exception {
    PositionedInput in = input("abcdef");
    assertThat(in.length()).isEqualTo(6);
    assertThat(in.read()).isEqualTo('a');
    byte[] b = new byte[3];
    assertThat(in.read(b, 0, 3)).isEqualTo(3);
    assertThat(new String(b, StandardCharsets.UTF_8)).isEqualTo("bcd");
    assertThat(in.getPos()).isEqualTo(4);
    in.seek(1);
    in.readFully(b, 0, 2);
    assertThat(new String(b, 0, 2, StandardCharsets.UTF_8)).isEqualTo("bc");
    assertThat(in.getPos()).isEqualTo(3);
    in.seek(6);
    assertThat(in.read()).isEqualTo(-1);
    assertThat(in.read(b, 0, 0)).isZero();
    in.seek(5);
    assertThatThrownBy(() -> in.readFully(b, 0, 2)).isInstanceOf(EOFException.class);
  }

  @Test
  void readsIntoHeapAndDirectBuffers() throws Exception {
    for (ByteBuffer buf : new ByteBuffer[] {ByteBuffer.allocate(4), ByteBuffer.allocateDirect(4)}) {
      PositionedInput in = input("wxyz!");
      in.seek(1);
      in.readFully(buf);
      buf.flip();
      byte[] got = new byte[4];
      buf.get(got);
      assertThat(new String(got, StandardCharsets.UTF_8)).isEqualTo("xyz!");
      assertThat(in.getPos()).isEqualTo(5);
      buf.clear();
      in.seek(3);
      assertThat(in.read(buf)).isEqualTo(2);
      assertThat(buf.position()).isEqualTo(2);
    }
  }
}
