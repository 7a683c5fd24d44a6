package io.datashard;

/**
 * What a table's directory holds on disk, by role: the data files of its current snapshot, the
 * metadata it still uses (metadata files of its log, manifest lists and manifests of retained
 * snapshots, and the data files only older retained snapshots use, for time travel), files the
 * automatic cleanup deletes once their grace period has passed, and files nothing references
 * (orphans left by interrupted writers, or by snapshots dropped while the cleanup was off). From
 * {@link Maintenance#diskUsage()}.
 *
 * @param liveDataFiles data files of the current snapshot
 * @param liveDataBytes their bytes
 * @param retainedFiles other files the table still uses (metadata, and data of older snapshots)
 * @param retainedBytes their bytes
 * @param awaitingCleanupFiles files of dropped snapshots waiting for the cleanup's grace period
 * @param awaitingCleanupBytes their bytes
 * @param unreferencedFiles files under {@code data/} and {@code metadata/} nothing references
 * @param unreferencedBytes their bytes
 * @param totalBytes every file below the table directory, DataShard's coordination files included
 */
public record DiskUsage(
    long liveDataFiles,
    long liveDataBytes,
    long retainedFiles,
    long retainedBytes,
    long awaitingCleanupFiles,
    long awaitingCleanupBytes,
    long unreferencedFiles,
    long unreferencedBytes,
    long totalBytes) {}
