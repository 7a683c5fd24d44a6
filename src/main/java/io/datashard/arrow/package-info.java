/**
 * Apache Arrow output of scans ({@link io.datashard.arrow.ArrowBatches}). Optional: it needs {@code
 * arrow-vector} and an Arrow memory implementation on the classpath; nothing else in DataShard
 * does.
 */
package io.datashard.arrow;
