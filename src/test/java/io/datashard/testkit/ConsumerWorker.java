package io.datashard.testkit;

import io.datashard.ChangeBatch;
import io.datashard.ChangeConsumer;
import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Table;
import io.datashard.ValidationException;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * A child process for concurrency tests: follows a table as a named consumer (plain mode: the
 * cursor is the record) and commits each batch it polls. For a batch it committed it logs {@code
 * batch FROM TO} and then {@code row WORKER SEQ TYPE} per change row; for one another process of
 * the consumer committed first, {@code lost FROM TO}. It ends when the stop file existed before a
 * poll that found nothing.
 *
 * <p>Arguments: table directory, consumer name, log file, stop file.
 */
public final class ConsumerWorker {
  public static void main(String[] args) throws Exception {
    Table table = DataShard.open(Path.of(args[0]));
    ChangeConsumer c = table.consumer(args[1]).maxCommits(7);
    Path stop = Path.of(args[3]);
    try (BufferedWriter out =
        Files.newBufferedWriter(
            Path.of(args[2]),
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND)) {
      while (true) {
        boolean stopping = Files.exists(stop);
        ChangeBatch b = c.follow(Duration.ofMillis(100));
        if (b.isEmpty()) {
          if (stopping) {
            return;
          }
          continue;
        }
        String range = b.fromSnapshotId().orElse(0L) + " " + b.toSnapshotId().orElseThrow();
        b.rows(); // read before committing, as a consumer that processes them would
        try {
          c.commit(b);
        } catch (ValidationException e) {
          out.write("lost " + range + "\n");
          out.flush();
          continue;
        }
        StringBuilder s = new StringBuilder("batch " + range + "\n");
        for (Row r : b.rows()) {
          s.append("row ")
              .append(r.get("worker"))
              .append(' ')
              .append(r.get("seq"))
              .append(' ')
              .append(r.get("_change_type"))
              .append('\n');
        }
        out.write(s.toString());
        out.flush();
      }
    }
  }
}
