package io.datashard.testkit;

import io.datashard.DataShard;
import io.datashard.Table;
import java.nio.file.Path;

/** Scans a table many times and prints the row count of the last scan. Arguments: dir, scans. */
public final class ScanLoop {
  public static void main(String[] args) {
    Table t = DataShard.open(Path.of(args[0]));
    long n = 0;
    for (int i = 0; i < Integer.parseInt(args[1]); i++) {
      n = t.scan().toList().size();
    }
    System.out.println(n);
  }
}
