package io.datashard.cli;

import io.datashard.CommitConflictException;
import io.datashard.CommitStateUnknownException;
import io.datashard.DataShard;
import io.datashard.Table;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One writer process of {@code datashard torture}, killed with SIGKILL at random moments by its
 * parent. It commits small appends in a loop until the stop file appears; each row is unique:
 * (writer, generation, seq, part). After each acknowledged commit it appends {@code ok SEQ ROWS} to
 * its own log and forces the log to disk, so a line in the log means the commit was acknowledged
 * before the line was written. A kill can land between a commit and its log line: such commits are
 * in the table but not in the log, which the parent counts as "unacknowledged present". The last
 * line of a killed writer's log may be torn; the parent ignores lines without a newline. The ready
 * file appears after the first commit attempt, so that kills land in warm, steady-state commits
 * rather than mostly in the first one (a cold JVM's first commit takes longest).
 *
 * <p>Arguments: table dir, writer, generation, log file, ready file, stop file, seed.
 */
public final class TortureWorker {
  private TortureWorker() {}

  public static void main(String[] args) throws Exception {
    Path tableDir = Path.of(args[0]);
    int writer = Integer.parseInt(args[1]);
    int generation = Integer.parseInt(args[2]);
    Path log = Path.of(args[3]);
    Path ready = Path.of(args[4]);
    Path stop = Path.of(args[5]);
    Random random = new Random(Long.parseLong(args[6]));
    Table table = DataShard.open(tableDir);
    try (FileChannel out =
        FileChannel.open(log, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (int seq = 0; !Files.exists(stop); seq++) {
        int rows = 1 + random.nextInt(3);
        List<Map<String, Object>> records = new ArrayList<>(rows);
        for (int part = 0; part < rows; part++) {
          records.add(Map.of("writer", writer, "generation", generation, "seq", seq, "part", part));
        }
        String line;
        try {
          table
              .newAppend()
              .addAll(records)
              .summary("writer", "torture-" + writer + "-" + generation)
              .commit();
          line = "ok " + seq + " " + rows + "\n";
        } catch (CommitStateUnknownException e) {
          line = "unknown " + seq + " " + rows + "\n";
        } catch (CommitConflictException e) {
          line = "conflict " + seq + " " + rows + "\n";
        }
        ByteBuffer b = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
          out.write(b);
        }
        out.force(false);
        if (seq == 0) {
          Files.createFile(
              ready); // warmed up: from now on the parent may kill this writer at any moment
        }
      }
    }
  }
}
