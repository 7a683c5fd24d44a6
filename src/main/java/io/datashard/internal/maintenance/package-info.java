/**
 * Table maintenance: snapshot expiry, removal of orphan files, compaction of small data files,
 * rewriting of manifests, and the cleanup of files that only dropped snapshots used. Changes to the
 * table go through the commit pipeline like any other.
 */
package io.datashard.internal.maintenance;
