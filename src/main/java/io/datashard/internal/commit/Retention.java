package io.datashard.internal.commit;

import io.datashard.TableProperties;
import io.datashard.internal.meta.TableMetadata;
import java.util.Set;

/**
 * What every commit does to the next version besides its own change: the metadata-log entry for its
 * base, and for commits that add a snapshot, the table's snapshot retention ({@link
 * TableProperties#MAX_SNAPSHOTS}, {@link TableProperties#MAX_SNAPSHOT_AGE_MS}, {@link
 * TableProperties#MIN_SNAPSHOTS_TO_KEEP}), so that the metadata written per commit stays bounded.
 * Retention drops metadata entries only: data and manifest files stay until cleanup removes what no
 * retained snapshot uses. Expiry applies the same rule with its own bounds ({@link #retain}).
 */
public final class Retention {
  private Retention() {}

  /**
   * Applies the commit-time retention and the metadata-log entry to a version that adds a snapshot.
   */
  static void applyAtCommit(TableMetadata base, TableMetadata.Builder next, long now) {
    retain(base, next, null, null, null, now);
  }

  /**
   * Drops snapshots from {@code next}: older than {@code olderThanMillis} (null: the table's max
   * age before now), keeping the newest {@code retainLast} (null: the table's minimum) and at most
   * {@code maxSnapshots} (null: the table's maximum), and whatever a branch or tag needs.
   *
   * @return the ids of the snapshots dropped
   */
  public static Set<Long> retain(
      TableMetadata base,
      TableMetadata.Builder next,
      Long olderThanMillis,
      Integer retainLast,
      Integer maxSnapshots,
      long now) {
    long maxAge =
        olderThanMillis != null
            ? now - olderThanMillis
            : base.propertyLong(
                TableProperties.MAX_SNAPSHOT_AGE_MS, TableProperties.MAX_SNAPSHOT_AGE_MS_DEFAULT);
    int minKeep =
        retainLast != null
            ? retainLast
            : (int)
                base.propertyLong(
                    TableProperties.MIN_SNAPSHOTS_TO_KEEP,
                    TableProperties.MIN_SNAPSHOTS_TO_KEEP_DEFAULT);
    int maxCount =
        maxSnapshots != null
            ? maxSnapshots
            : (int)
                base.propertyLong(
                    TableProperties.MAX_SNAPSHOTS, TableProperties.MAX_SNAPSHOTS_DEFAULT);
    return next.retainSnapshots(maxCount, maxAge, minKeep, now);
  }

  /**
   * Records {@code base} in the metadata log of the next version (bounded by {@link
   * TableProperties#METADATA_PREVIOUS_VERSIONS_MAX}).
   */
  static void logPrevious(TableMetadata base, TableMetadata.Builder next) {
    if (base.metadataFileLocation() != null) {
      next.addPreviousMetadata(
          new TableMetadata.MetadataLogEntry(base.lastUpdatedMillis(), base.metadataFileLocation()),
          (int)
              base.propertyLong(
                  TableProperties.METADATA_PREVIOUS_VERSIONS_MAX,
                  TableProperties.METADATA_PREVIOUS_VERSIONS_MAX_DEFAULT));
    }
  }
}
