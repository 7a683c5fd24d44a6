package io.datashard;

import io.datashard.internal.TableCore;
import io.datashard.internal.meta.TableMetadata;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The view a read-modify-write transaction has of its table: one fixed snapshot to read, and
 * appends staged for commit. Handed to the function given to {@link Table#transaction}; do not keep
 * it after the function returns.
 *
 * <p>If the function read the table (through {@link #scan()}), the commit only succeeds if no other
 * commit added a snapshot since; otherwise DataShard discards the staged appends and runs the
 * function again on the new snapshot. This makes transactions serializable. A transaction that did
 * not read is a blind append, and is rebased instead of re-run.
 */
public final class Transaction {
  private final TableCore core;
  private final TableMetadata base;
  private final List<Object> records = new ArrayList<>();
  private final Map<String, String> summary = new LinkedHashMap<>();
  private boolean read;
  private boolean deleteAll;

  Transaction(TableCore core, TableMetadata base) {
    this.core = core;
    this.base = base;
  }

  /** The snapshot this transaction reads, empty for a table without data. */
  public Optional<Snapshot> snapshot() {
    return Optional.ofNullable(base.currentSnapshot());
  }

  /** The table schema as of this transaction. */
  public Schema schema() {
    return base.schema();
  }

  /**
   * A scan of this transaction's snapshot. Reading through it makes the transaction serializable.
   */
  public Scan scan() {
    return new Scan(core, base.currentSnapshot(), () -> read = true);
  }

  /**
   * Removes every row of this transaction's snapshot on commit (rows staged with {@link #append}
   * are kept): together with appends, this replaces the table's contents. It counts as a read, so
   * the commit only succeeds if the table did not change since this transaction's snapshot.
   */
  public Transaction deleteAll() {
    deleteAll = true;
    read = true;
    return this;
  }

  /** Stages a record to append on commit. */
  public Transaction append(Object record) {
    records.add(record);
    return this;
  }

  /** Stages records to append on commit. */
  public Transaction appendAll(Iterable<?> more) {
    for (Object r : more) {
      records.add(r);
    }
    return this;
  }

  /** Records a custom key in the commit's snapshot summary. */
  public Transaction summary(String key, String value) {
    if (key.equals("operation")) {
      throw new ValidationException("The summary key 'operation' is reserved: choose another key");
    }
    summary.put(key, value);
    return this;
  }

  TableMetadata base() {
    return base;
  }

  boolean deletesAll() {
    return deleteAll;
  }

  boolean didRead() {
    return read;
  }

  List<Object> records() {
    return Collections.unmodifiableList(records);
  }

  Map<String, String> summaryExtras() {
    return summary;
  }
}
