package io.datashard.internal.commit;

import io.datashard.CommitConflictException;
import io.datashard.Snapshot;
import io.datashard.internal.meta.TableMetadata;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A serializable read-modify-write transaction: its body runs on the base of an attempt (under the
 * commit lock), and its staged records commit as an {@link AppendCommit}. On a newer base, a body
 * that read the table runs again if the current snapshot changed (what it read is stale); a body
 * that did not read is blind, and its staged files are rebased. Its idempotency key, once in the
 * table, makes it commit nothing.
 *
 * @param <T> the body's value
 */
public final class TransactionCommit<T> extends PendingCommit<TransactionCommit.Result<T>> {
  /** One run of the transaction's function on a base version. */
  public interface Body<T> {
    Run<T> run(TableMetadata base);
  }

  /** What one run of the function produced: its value, what it staged, whether it read. */
  public record Run<T>(
      T value,
      List<Object> records,
      boolean deletesAll,
      boolean read,
      Map<String, String> summary) {}

  /** The outcome: the value of the run that committed, its snapshot, how many runs it took. */
  public record Result<T>(T value, Snapshot snapshot, int runs, boolean alreadyApplied) {}

  private final TableOperations ops;
  private final DataWriter writer;
  private final Body<T> body;
  private final int maxRuns;
  private final IdempotencyKey key;
  private int runs;
  private Run<T> last;
  private Long readSnapshotId;
  private AppendCommit append;

  public TransactionCommit(
      TableOperations ops, DataWriter writer, Body<T> body, int maxRuns, IdempotencyKey key) {
    this.ops = ops;
    this.writer = writer;
    this.body = body;
    this.maxRuns = maxRuns;
    this.key = key;
  }

  @Override
  protected String what() {
    return "transaction";
  }

  @Override
  protected Update<Result<T>> apply(TableMetadata base, CommitFiles files, int attempt)
      throws IOException {
    if (key != null && key.appliedIn(base)) {
      files.discardPrepared();
      return Update.none(new Result<>(null, null, runs, true));
    }
    boolean stale =
        last == null || last.read() && !Objects.equals(base.currentSnapshotId(), readSnapshotId);
    if (stale) {
      if (runs >= maxRuns) {
        throw new CommitConflictException(
            "Transaction on "
                + ops.root()
                + " gave up after "
                + runs
                + " attempts: each time, another writer changed the table after the transaction "
                + "read it. Nothing was committed. Raise maxAttempts, or reduce contention on this "
                + "table.");
      }
      files.discardPrepared();
      append = null;
      runs++;
      last = body.run(base);
      readSnapshotId = base.currentSnapshotId();
      if (last.records().isEmpty() && (!last.deletesAll() || base.currentSnapshot() == null)) {
        return Update.none(new Result<>(last.value(), null, runs, false));
      }
      StagedAppend staged =
          files.prepare(() -> writer.stage(base, last.records(), last.deletesAll(), null, files));
      append = new AppendCommit(ops, staged, last.summary(), key);
    }
    if (append == null) {
      return Update.none(new Result<>(last.value(), null, runs, false));
    }
    T value = last.value();
    int n = runs;
    return append.apply(base, files, attempt).map(s -> new Result<>(value, s, n, false));
  }
}
