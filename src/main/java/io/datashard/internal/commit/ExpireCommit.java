package io.datashard.internal.commit;

import io.datashard.Snapshot;
import io.datashard.internal.meta.TableMetadata;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Removes old snapshots from the table's metadata (and branches or tags past their max age), by the
 * bounds of {@link Retention#retain}; never the current snapshot nor one a ref needs. Its value is
 * the snapshots removed, whose files the caller may then delete. Applied again on a newer base.
 */
public final class ExpireCommit extends PendingCommit<Map<Long, Snapshot>> {
  private final Long olderThanMillis;
  private final Integer retainLast;
  private final Integer maxSnapshots;

  public ExpireCommit(Long olderThanMillis, Integer retainLast, Integer maxSnapshots) {
    this.olderThanMillis = olderThanMillis;
    this.retainLast = retainLast;
    this.maxSnapshots = maxSnapshots;
  }

  @Override
  protected String what() {
    return "expire snapshots";
  }

  /** The snapshots of {@code base} that expiry drops now, into {@code next}. */
  public Map<Long, Snapshot> plan(TableMetadata base, TableMetadata.Builder next, long now) {
    Set<Long> dropped =
        Retention.retain(base, next, olderThanMillis, retainLast, maxSnapshots, now);
    Map<Long, Snapshot> expired = new LinkedHashMap<>();
    for (Snapshot s : base.snapshots()) {
      if (dropped.contains(s.snapshotId())) {
        expired.put(s.snapshotId(), s);
      }
    }
    return expired;
  }

  @Override
  protected Update<Map<Long, Snapshot>> apply(TableMetadata base, CommitFiles files, int attempt) {
    long now = System.currentTimeMillis();
    TableMetadata.Builder next = TableMetadata.buildFrom(base);
    Map<Long, Snapshot> expired = plan(base, next, now);
    if (expired.isEmpty() && next.build().refs().keySet().equals(base.refs().keySet())) {
      return Update.none(expired); // nothing expired: neither a snapshot nor a ref past its age
    }
    next.lastUpdatedMillis(Math.max(now, base.lastUpdatedMillis()));
    return Update.metadata(next, expired);
  }
}
