package io.datashard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** LongSet and its probes answer as a HashSet does, for ascending, random and mixed streams. */
class LongSetTest {
  @Test
  void probesAgreeWithAHashSetOnEveryKindOfStream() {
    long seed = new Random().nextLong();
    System.out.println("LongSetTest seed " + seed);
    Random rnd = new Random(seed);
    for (int round = 0; round < 30; round++) {
      int n = 1 + rnd.nextInt(round < 10 ? 20 : 5000);
      long range = 1 + rnd.nextInt(100_000);
      List<Long> values = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        values.add(rnd.nextInt(10) == 0 ? Long.MIN_VALUE + rnd.nextInt(3) : rnd.nextLong(range));
      }
      values.add(values.get(0)); // a duplicate
      Set<Long> expected = new HashSet<>(values);
      LongSet set = new LongSet(values);
      for (int stream = 0; stream < 4; stream++) {
        LongSet.Probe probe = set.probe();
        long v = -5;
        for (int i = 0; i < 20_000; i++) {
          switch (stream) {
            case 0 -> v += rnd.nextInt(3); // ascending, with repeats
            case 1 -> v = rnd.nextLong(range + 10) - 5; // no order
            case 2 -> v = i % 5000 == 0 ? rnd.nextLong(range) : v + 1; // ascending runs
            default -> v = rnd.nextInt(50) == 0 ? Long.MIN_VALUE + rnd.nextInt(3) : v + 2;
          }
          assertThat(probe.contains(v))
              .as("seed %d, stream %d, value %d", seed, stream, v)
              .isEqualTo(expected.contains(v));
          assertThat(set.contains(v)).isEqualTo(expected.contains(v));
        }
      }
    }
  }
}
