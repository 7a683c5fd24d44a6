/**
 * The implementation of DataShard, not a public API. The packages split by responsibility:
 *
 * <ul>
 *   <li>{@code commit}: the commit pipeline (one committer, one class per kind of change), group
 *       commit, and the protocol written down in its package documentation;
 *   <li>{@code scan}: which snapshot a read means, its live files, and reading their rows, with
 *       pruning by partition and statistics;
 *   <li>{@code maintenance}: expiry, orphan removal, compaction, manifest rewriting, cleanup;
 *   <li>{@code manifest}: Iceberg manifests and manifest lists in Avro;
 *   <li>{@code meta}: table metadata and its JSON;
 *   <li>{@code parquet}, {@code orc}, {@code avro}: the data file formats; {@code expr}: filters;
 *   <li>this package: the table object ({@link io.datashard.internal.TableCore}), history
 *       operations, verification, and what the others share (file names, record conversion, values,
 *       partitioning).
 * </ul>
 */
package io.datashard.internal;
