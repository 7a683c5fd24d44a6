package io.datashard.internal.commit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Table;
import io.datashard.internal.FileNames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The envelope of group commit's queue files: versioned, CRC32-checked, never half read. */
class AppendQueueTest {
  @TempDir Path dir;

  private static final byte[] BODY = "some request body".getBytes(StandardCharsets.UTF_8);

  @Test
  void aSealedFileOpensToItsBody() throws IOException {
    byte[] file = AppendQueue.seal(AppendQueue.KIND_REQUEST, BODY);
    assertThat(file).hasSize(AppendQueue.HEADER + BODY.length + AppendQueue.FOOTER);
    assertThat(AppendQueue.open("/q/a.req", file, AppendQueue.KIND_REQUEST)).isEqualTo(BODY);
  }

  @Test
  void aTornFileIsRejectedAtEveryLength() {
    byte[] file = AppendQueue.seal(AppendQueue.KIND_REQUEST, BODY);
    for (int n = 0; n < file.length; n++) {
      byte[] torn = Arrays.copyOf(file, n);
      assertThatThrownBy(() -> AppendQueue.open("/q/a.req", torn, AppendQueue.KIND_REQUEST))
          .as("torn at %d of %d bytes", n, file.length)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("/q/a.req");
    }
  }

  @Test
  void everyFlippedBitIsRejected() {
    byte[] file = AppendQueue.seal(AppendQueue.KIND_OUTCOME, BODY);
    for (int bit = 0; bit < file.length * 8; bit++) {
      byte[] damaged = file.clone();
      damaged[bit / 8] ^= (byte) (1 << (bit % 8));
      assertThatThrownBy(() -> AppendQueue.open("/q/a.done", damaged, AppendQueue.KIND_OUTCOME))
          .as("bit %d", bit)
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void aForeignFileAFileOfAnotherKindAndANewerVersionAreNamedAsSuch() {
    assertThatThrownBy(
            () ->
                AppendQueue.open("/q/x.req", "PAR1 not ours".getBytes(), AppendQueue.KIND_REQUEST))
        .hasMessageContaining("is not a DataShard append request");
    byte[] outcome = AppendQueue.seal(AppendQueue.KIND_OUTCOME, BODY);
    assertThatThrownBy(() -> AppendQueue.open("/q/x.req", outcome, AppendQueue.KIND_REQUEST))
        .hasMessageContaining("is not a DataShard append request");
    byte[] newer = AppendQueue.seal(AppendQueue.KIND_REQUEST, BODY);
    newer[5] = 2; // format version 2
    assertThatThrownBy(() -> AppendQueue.open("/q/x.req", newer, AppendQueue.KIND_REQUEST))
        .hasMessageContaining("format version 2");
  }

  @Test
  void aDamagedRequestOfAnotherProcessIsAnsweredAsFailedAndTheAppendsGoOn() throws Exception {
    Table t = DataShard.create(dir, Schema.parse("id long not null"));
    t.append(List.of(Map.of("id", 1L))); // creates the queue directory
    Path queue = dir.resolve("metadata").resolve(FileNames.QUEUE_DIR);
    String id = "8000000000000abc";
    byte[] torn = Arrays.copyOf(AppendQueue.seal(AppendQueue.KIND_REQUEST, BODY), 12);
    Files.write(queue.resolve(id + AppendQueue.REQUEST), torn);

    t.append(List.of(Map.of("id", 2L)));

    assertThat(t.scan().toList())
        .extracting(r -> ((Row) r).get("id"))
        .containsExactlyInAnyOrder(1L, 2L);
    assertThat(queue.resolve(id + AppendQueue.REQUEST)).doesNotExist();
    byte[] outcome = Files.readAllBytes(queue.resolve(id + AppendQueue.OUTCOME));
    byte[] body = AppendQueue.open("outcome", outcome, AppendQueue.KIND_OUTCOME);
    assertThat(body[0]).isEqualTo(AppendQueue.FAILED);
    assertThat(new String(body, StandardCharsets.UTF_8)).contains("unreadable").contains("torn");
    try (Stream<Path> left = Files.list(queue)) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .as("only the unread outcome is left")
          .containsExactly(id + AppendQueue.OUTCOME);
    }
  }
}
