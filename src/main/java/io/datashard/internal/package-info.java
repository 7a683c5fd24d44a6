/**
 * Implementation of DataShard: the commit protocol ({@link io.datashard.internal.TableOperations}),
 * appends, transactions and scans ({@link io.datashard.internal.TableCore}), record conversion and
 * the Iceberg manifest format. Not a public API.
 */
package io.datashard.internal;
