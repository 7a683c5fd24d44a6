/**
 * Iceberg manifests and manifest lists: their Avro schemas, writing and reading them (with bounded
 * memory for damaged input).
 */
package io.datashard.internal.manifest;
