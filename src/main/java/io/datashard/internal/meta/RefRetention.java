package io.datashard.internal.meta;

import io.datashard.Snapshot;
import io.datashard.TableProperties;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What snapshot references (branches and tags) keep alive when snapshots are dropped, following the
 * spec's "Snapshot Retention Policy":
 *
 * <ol>
 *   <li>a ref other than {@code main} whose snapshot is older than its {@code max-ref-age-ms} (or
 *       the table property {@code history.expire.max-ref-age-ms}; by default refs never age out) is
 *       removed;
 *   <li>every remaining ref keeps the snapshot it points to;
 *   <li>every branch keeps its first {@code min-snapshots-to-keep} snapshots (its head and its
 *       ancestors; the ref's value, else the table's minimum), and, when the ref sets {@code
 *       max-snapshot-age-ms}, also the ancestors younger than that.
 * </ol>
 *
 * Only a ref's own {@code max-snapshot-age-ms} extends a branch by age: the table-wide age and
 * count bounds of DataShard's commit-time retention still govern the rest, so the metadata written
 * per commit stays bounded.
 */
public final class RefRetention {
  private RefRetention() {}

  /**
   * Removes from {@code refs} (in place) the refs other than {@code main} whose snapshot is older
   * than their maximum age.
   *
   * @return the names removed
   */
  static Set<String> removeAgedRefs(
      Map<String, SnapshotRef> refs,
      Map<Long, Snapshot> byId,
      Map<String, String> properties,
      long now) {
    Long tableMax = parseLong(properties.get(TableProperties.MAX_REF_AGE_MS));
    Set<String> removed = new HashSet<>();
    for (Iterator<Map.Entry<String, SnapshotRef>> it = refs.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, SnapshotRef> e = it.next();
      if (e.getKey().equals(SnapshotRef.MAIN)) {
        continue;
      }
      Long max = e.getValue().maxRefAgeMs() != null ? e.getValue().maxRefAgeMs() : tableMax;
      Snapshot s = byId.get(e.getValue().snapshotId());
      if (max != null && max > 0 && s != null && now - s.timestampMillis() > max) {
        it.remove();
        removed.add(e.getKey());
      }
    }
    return removed;
  }

  /**
   * The ids of the snapshots the refs keep: every ref's snapshot, and each branch's first {@code
   * min-snapshots-to-keep} snapshots along its parent chain ({@code defaultMinKeep} when the ref
   * does not say), plus the ancestors younger than the ref's own {@code max-snapshot-age-ms}.
   */
  public static Set<Long> pinned(
      List<Snapshot> snapshots, Map<String, SnapshotRef> refs, int defaultMinKeep, long now) {
    Map<Long, Snapshot> byId = new HashMap<>();
    snapshots.forEach(s -> byId.put(s.snapshotId(), s));
    Set<Long> keep = new HashSet<>();
    for (SnapshotRef ref : refs.values()) {
      keep.add(ref.snapshotId());
      if (!ref.isBranch()) {
        continue;
      }
      int minKeep =
          Math.max(1, ref.minSnapshotsToKeep() != null ? ref.minSnapshotsToKeep() : defaultMinKeep);
      Long maxAge = ref.maxSnapshotAgeMs();
      Snapshot s = byId.get(ref.snapshotId());
      Set<Long> seen = new HashSet<>();
      for (int i = 0; s != null && seen.add(s.snapshotId()); i++) {
        boolean young = maxAge != null && now - s.timestampMillis() <= maxAge;
        if (i >= minKeep && !young) {
          break;
        }
        keep.add(s.snapshotId());
        s = s.parentId() == null ? null : byId.get(s.parentId());
      }
    }
    return keep;
  }

  /** The prefix of the tags that hold change consumers' cursors. */
  public static final String CONSUMER_PREFIX = "consumer/";

  /**
   * The snapshots change consumers still need: for each consumer tag whose snapshot is on the
   * current snapshot's line, the snapshots after it up to the current one, so that the consumer can
   * read their changes. A consumer is idle, and pins nothing but its tag's snapshot, when the
   * oldest snapshot it has not read is older than {@link TableProperties#CONSUMER_IDLE_MS}. {@code
   * byId}: the version's snapshots by id (retention has that map already).
   */
  public static Set<Long> consumerPins(
      Map<Long, Snapshot> byId,
      Map<String, SnapshotRef> refs,
      Long currentSnapshotId,
      Map<String, String> properties,
      long now) {
    Set<Long> keep = new HashSet<>();
    if (currentSnapshotId == null) {
      return keep;
    }
    Long idle = parseLong(properties.get(TableProperties.CONSUMER_IDLE_MS));
    long idleMs = idle != null && idle > 0 ? idle : TableProperties.CONSUMER_IDLE_MS_DEFAULT;
    for (Map.Entry<String, SnapshotRef> e : refs.entrySet()) {
      if (!e.getKey().startsWith(CONSUMER_PREFIX)) {
        continue;
      }
      long cursor = e.getValue().snapshotId();
      List<Long> unread = new ArrayList<>();
      Snapshot s = byId.get(currentSnapshotId);
      Snapshot oldestUnread = null;
      while (s != null && s.snapshotId() != cursor) {
        unread.add(s.snapshotId());
        oldestUnread = s;
        s = s.parentId() == null ? null : byId.get(s.parentId());
      }
      if (s == null || oldestUnread == null) {
        continue; // not on the current line (or nothing unread)
      }
      if (now - oldestUnread.timestampMillis() > idleMs) {
        continue; // idle: it stops holding history back
      }
      keep.addAll(unread);
    }
    return keep;
  }

  private static Long parseLong(String v) {
    if (v == null) {
      return null;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
