package io.datashard;

import io.datashard.internal.TableCore;
import io.datashard.internal.commit.IdempotencyKey;
import io.datashard.internal.commit.TransactionCommit;
import java.util.ArrayList;
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
  private IdempotencyKey key;

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
    this.key = new IdempotencyKey(applicationId, sequence);
    return this;
  }

  /** A key with a floor (see {@link IdempotencyKey}), for change consumers' batches. */
  TransactionRunner idempotencyKey(IdempotencyKey value) {
    this.key = value;
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
    // Each run of the function happens under the table's advisory commit lock, on the newest
    // version: transactions take turns instead of invalidating each other. Without the lock (not
    // available, or timed out), the check of the read snapshot still keeps them serializable.
    TransactionCommit.Result<T> r =
        core.commit(
                new TransactionCommit<>(
                    core.operations(),
                    core.writer(),
                    base -> {
                      Transaction tx = new Transaction(core, base);
                      T value = body.apply(tx);
                      return new TransactionCommit.Run<>(
                          value,
                          new ArrayList<>(tx.records()),
                          tx.deletesAll(),
                          tx.didRead(),
                          tx.summaryExtras());
                    },
                    maxAttempts,
                    key))
            .value();
    return new TransactionResult<>(r.value(), r.snapshot(), r.runs(), r.alreadyApplied());
  }
}
