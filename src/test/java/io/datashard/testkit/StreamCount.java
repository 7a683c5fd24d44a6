package io.datashard.testkit;

import io.datashard.CloseableIterator;
import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Table;
import java.nio.file.Path;

/**
 * Streams a table's rows once, holding none, and prints how many there were and what scan().count()
 * says (for tests that run it in a small heap). Arguments: dir.
 */
public final class StreamCount {
  public static void main(String[] args) {
    Table t = DataShard.open(Path.of(args[0]));
    long n = 0;
    try (CloseableIterator<Row> rows = t.scan().iterator()) {
      while (rows.hasNext()) {
        rows.next();
        n++;
      }
    }
    System.out.println(n + " " + t.scan().count());
  }
}
