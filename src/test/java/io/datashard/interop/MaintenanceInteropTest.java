package io.datashard.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.datashard.DataShard;
import io.datashard.MaintenanceResult;
import io.datashard.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Maintenance on a table written by Apache Iceberg Java (every type, {@code file:} URI locations):
 * after compaction, expiry and orphan removal Iceberg Java still reads the same rows.
 */
class MaintenanceInteropTest {
  @TempDir Path dir;

  @Test
  void icebergJavaReadsTheSameRowsAfterCompactionExpiryAndGc() throws Exception {
    IcebergJava.writeSampleTable(dir, true);
    List<Long> ids = IcebergJava.snapshotIds(dir);
    Table t = DataShard.open(dir);
    MaintenanceResult c = t.maintenance().compact().run();
    assertThat(c.replacedFiles()).hasSize(4);
    assertThat(c.addedFiles()).hasSize(1);
    assertThat(IcebergJava.readRows(dir, null))
        .containsExactlyInAnyOrderElementsOf(IcebergJava.sampleExpectedRows(2));
    for (int i = 0; i < ids.size(); i++) {
      assertThat(IcebergJava.readRows(dir, ids.get(i)))
          .as("snapshot %d", i)
          .containsExactlyInAnyOrderElementsOf(IcebergJava.sampleExpectedRows(i));
    }
    IcebergJava.assertSameAsDataShard(dir, true);

    MaintenanceResult e =
        t.maintenance()
            .expireSnapshots()
            .olderThan(Instant.now().plusSeconds(1))
            .retainLast(1)
            .run();
    assertThat(e.expiredSnapshots()).containsExactlyInAnyOrderElementsOf(ids);
    t.maintenance().removeOrphanFiles().olderThan(Duration.ZERO).noCommitsInFlight().run();
    try (Stream<Path> s = Files.list(dir.resolve("data"))) {
      assertThat(s.filter(p -> !p.getFileName().toString().startsWith(".")).toList()).hasSize(1);
    }
    assertThat(IcebergJava.snapshotIds(dir)).hasSize(1);
    assertThat(IcebergJava.readRows(dir, null))
        .containsExactlyInAnyOrderElementsOf(IcebergJava.sampleExpectedRows(2));
    IcebergJava.assertSameAsDataShard(dir, true);
  }
}
