package io.datashard;

/**
 * What a read of changes ({@link ChangeScan}) did: how many snapshots it covered and skipped (the
 * compaction snapshots, which change no row), how many data files those snapshots touched (added,
 * removed, or whose deletes changed), how many of them the filter's statistics pruned and how many
 * were read, and the rows read and change rows returned. {@link #liveFilesAtTo()} is the number of
 * data files of the snapshot read up to, for comparison: a change read opens only the files its
 * snapshots touched, never the rest of the table.
 *
 * @param fromSnapshotId the snapshot the changes start after (null: from an empty table)
 * @param toSnapshotId the last snapshot whose changes are included (null: the table has none)
 * @param snapshotsRead snapshots whose changes were read
 * @param snapshotsSkipped compaction ({@code replace}) snapshots skipped
 * @param filesTouched data files the snapshots added, removed or changed the deletes of
 * @param filesPruned of those, files skipped by the filter's statistics
 * @param filesRead data files opened
 * @param bytesRead bytes of the data files opened
 * @param rowsRead rows decoded
 * @param changes change rows returned
 * @param liveFilesAtTo live data files of the last snapshot (-1 when its summary does not say)
 */
public record ChangeReport(
    Long fromSnapshotId,
    Long toSnapshotId,
    long snapshotsRead,
    long snapshotsSkipped,
    long filesTouched,
    long filesPruned,
    long filesRead,
    long bytesRead,
    long rowsRead,
    long changes,
    long liveFilesAtTo) {

  @Override
  public String toString() {
    return "changes after "
        + (fromSnapshotId == null ? "the start" : "snapshot " + fromSnapshotId)
        + " up to "
        + (toSnapshotId == null ? "no snapshot" : "snapshot " + toSnapshotId)
        + ": "
        + snapshotsRead
        + " snapshots read, "
        + snapshotsSkipped
        + " compaction snapshots skipped; data files touched "
        + filesTouched
        + ", pruned "
        + filesPruned
        + ", read "
        + filesRead
        + " ("
        + bytesRead
        + " bytes; the last snapshot has "
        + (liveFilesAtTo < 0 ? "an unknown number of" : String.valueOf(liveFilesAtTo))
        + " live data files); rows read "
        + rowsRead
        + ", change rows "
        + changes;
  }
}
