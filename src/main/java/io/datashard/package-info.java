/**
 * DataShard: Apache Iceberg (format v2) tables on a plain directory, safe for many concurrent OS
 * processes.
 *
 * <p>Start with {@link io.datashard.DataShard} to create or open a {@link io.datashard.Table};
 * append records with {@link io.datashard.Table#newAppend()}, read them with {@link
 * io.datashard.Table#scan()} (at the current snapshot, or any retained one by id or time), and run
 * serializable read-modify-write transactions with {@link io.datashard.Table#transaction}.
 *
 * <p>Errors: {@link io.datashard.CommitConflictException} (lost a race; safe to retry), {@link
 * io.datashard.ValidationException} (bad input; nothing committed), {@link
 * io.datashard.CommitStateUnknownException} (outcome unknown; re-read to find out), and {@link
 * io.datashard.CorruptTableException} / {@link io.datashard.TableNotFoundException} for damaged or
 * missing tables. Everything under {@code io.datashard.internal} may change without notice.
 */
package io.datashard;
