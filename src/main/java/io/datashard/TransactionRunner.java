package io.datashard;

import io.datashard.internal.TableCore;
import io.datashard.internal.meta.TableMetadata;
import java.util.function.Function;

/**
 * Runs read-modify-write transactions with retries.
 *
 * <pre>{@code
 * long next = table.newTransaction()
 *     .maxAttempts(1000)
 *     .idempotencyKey("trainer-7", step)      // optional: never applied twice
 *     .run(tx -> {
 *       long max = 0;
 *       for (Row r : tx.scan().toList()) max = Math.max(max, r.get("value", Long.class));
 *       tx.append(Map.of("value", max + 1));
 *       return max + 1;
 *     }).value();
 * }</pre>
 *
 * <p>The function may run several times (once per attempt), so it must not have side effects
 * outside the transaction.
 */
public final class TransactionRunner {
  private final TableCore core;
  private int maxAttempts = 1000;
  private TableCore.IdempotencyKey key;

  TransactionRunner(TableCore core) {
    this.core = core;
  }

  /**
   * How many times to run the function before giving up with {@link CommitConflictException}
   * (default 1000).
   */
  public TransactionRunner maxAttempts(int value) {
    if (value < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, got " + value);
    }
    this.maxAttempts = value;
    return this;
  }

  /**
   * Tags the commit with (application id, sequence number). The table remembers the highest
   * sequence committed per application id; a transaction whose sequence is not higher is not
   * applied again. Use it when a job may retry after a crash or an unknown commit state.
   */
  public TransactionRunner idempotencyKey(String applicationId, long sequence) {
    this.key = new TableCore.IdempotencyKey(applicationId, sequence);
    return this;
  }

  /**
   * Runs the function and commits what it staged, re-running it while other commits invalidate what
   * it read.
   *
   * @throws CommitConflictException if {@link #maxAttempts} ran out; nothing was committed
   * @throws ValidationException if staged records do not fit the schema; nothing was committed
   * @throws CommitStateUnknownException if it is unknown whether the commit happened
   */
  public <T> TransactionResult<T> run(Function<Transaction, T> body) {
    for (int attempt = 1; ; attempt++) {
      TransactionResult<T> result;
      // Transactions take turns on the table's advisory lock: with it, a transaction's reads are
      // rarely invalidated; without it (not available, or timed out), the snapshot check below
      // still keeps the transaction serializable.
      try (AutoCloseable lock = core.lockForTransaction()) {
        result = attempt(body, attempt);
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      if (result != null) {
        return result;
      }
      if (attempt >= maxAttempts) {
        throw new CommitConflictException(
            "Transaction on "
                + core.location()
                + " gave up after "
                + attempt
                + " attempts: each time, another writer changed the table after the transaction read it. Nothing "
                + "was committed. Raise maxAttempts, or reduce contention on this table.");
      }
      core.countConflictRetry();
      TableCore.backoff(attempt - 1);
    }
  }

  /** One run of the function and its commit; null when its reads went stale. */
  private <T> TransactionResult<T> attempt(Function<Transaction, T> body, int attempt) {
    TableMetadata base = core.refresh();
    if (key != null && key.appliedIn(base)) {
      return new TransactionResult<>(null, null, attempt - 1, true);
    }
    Transaction tx = new Transaction(core, base);
    T value = body.apply(tx);
    if (tx.records().isEmpty() && (!tx.deletesAll() || base.currentSnapshot() == null)) {
      return new TransactionResult<>(value, null, attempt, false);
    }
    TableCore.Staged staged = core.stage(base, tx.records(), tx.deletesAll());
    TableCore.RebasePolicy policy =
        tx.didRead() ? TableCore.requireSnapshot(base.currentSnapshotId()) : TableCore.BLIND;
    try {
      Snapshot s = core.commitStaged(base, staged, tx.summaryExtras(), policy, key);
      return new TransactionResult<>(value, s, attempt, false);
    } catch (TableCore.AlreadyApplied e) {
      return new TransactionResult<>(null, null, attempt, true);
    } catch (TableCore.ReadConflict e) {
      return null;
    }
  }
}
