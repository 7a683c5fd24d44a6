package io.datashard.internal.commit;

import io.datashard.Snapshot;
import io.datashard.internal.FileNames;
import io.datashard.internal.manifest.ManifestIO;
import io.datashard.internal.meta.TableMetadata;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** How every kind of change makes its new snapshot and puts it into the next version. */
public final class Snapshots {
  private Snapshots() {}

  /** A new random snapshot id (positive). */
  public static long newId() {
    UUID u = UUID.randomUUID();
    long id = (u.getMostSignificantBits() ^ u.getLeastSignificantBits()) & Long.MAX_VALUE;
    return id == 0 ? 1 : id;
  }

  /**
   * Writes the manifest list of a new snapshot on {@code base} (an attempt file of {@code files})
   * and returns the snapshot: the next sequence number, a timestamp not before its parent's.
   *
   * @param parent the snapshot it follows (null for the first one)
   * @param schemaId the schema its rows are written with
   */
  static Snapshot write(
      TableOperations ops,
      TableMetadata base,
      Snapshot parent,
      long snapshotId,
      List<ManifestIO.Manifest> manifests,
      Map<String, String> summary,
      Integer schemaId,
      CommitFiles files,
      int attempt)
      throws IOException {
    long sequenceNumber = base.lastSequenceNumber() + 1;
    long now = System.currentTimeMillis();
    long timestamp = parent == null ? now : Math.max(now, parent.timestampMillis());
    Long parentId = parent == null ? null : parent.snapshotId();
    String list = files.add(ops.metadataDir() + "/" + FileNames.manifestList(snapshotId, attempt));
    ManifestIO.writeList(files.storage(), list, snapshotId, parentId, sequenceNumber, manifests);
    files.syncDirectoriesNow(); // the manifest list's and its manifests' directory, at once
    return new Snapshot(snapshotId, parentId, sequenceNumber, timestamp, list, summary, schemaId);
  }

  /** Makes {@code snapshot} the current one (main's head) in {@code next}. */
  static TableMetadata.Builder setCurrent(
      TableMetadata base, TableMetadata.Builder next, Snapshot snapshot) {
    return next.addSnapshotAsCurrent(snapshot)
        .lastUpdatedMillis(Math.max(snapshot.timestampMillis(), base.lastUpdatedMillis()));
  }

  /** The next version of a change that adds no snapshot: {@code base}, updated now. */
  static TableMetadata.Builder metadataChange(TableMetadata base) {
    return TableMetadata.buildFrom(base)
        .lastUpdatedMillis(Math.max(System.currentTimeMillis(), base.lastUpdatedMillis()));
  }
}
