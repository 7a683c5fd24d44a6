package io.datashard.internal.commit;

import io.datashard.internal.meta.TableMetadata;
import java.io.IOException;

/**
 * One change to a table, in the shape every kind of commit takes (Apache Iceberg's {@code
 * SnapshotProducer} is the model): given a base version, {@link #apply} produces the next one and
 * writes the new files it needs; the {@link Committer} owns everything else — the lock, retries
 * with backoff and a deadline, the exclusive publish, removal of what a failed attempt wrote, and
 * the commit-state-unknown rule.
 *
 * <p>{@link #apply} runs under the commit lock on the newest version, and again on a newer one if
 * another writer publishes first. It re-validates its change on each base: a blind change rebases
 * (an append keeps its data files and writes a new manifest list), a read-modify-write change
 * checks that what it read is unchanged and plans again otherwise, and a change that cannot move
 * onto the new base throws {@link io.datashard.CommitConflictException} (or {@link
 * io.datashard.ValidationException} for bad input). It writes every new file through {@code files},
 * recorded before it is created.
 *
 * @param <T> what the change returns to its caller
 */
public abstract class PendingCommit<T> {
  /** The change in a few words, for messages ("append", "compaction", "schema change"). */
  protected abstract String what();

  /**
   * Builds the next version on {@code base}.
   *
   * @param attempt 0 for the first attempt, then 1, 2, ... (names attempt files apart)
   */
  protected abstract Update<T> apply(TableMetadata base, CommitFiles files, int attempt)
      throws IOException;

  /**
   * True (the default) if the table's automatic upkeep (compaction of small files, cleanup of files
   * only dropped snapshots used; see {@link io.datashard.TableProperties}) runs after this commit.
   */
  protected boolean startsUpkeep() {
    return true;
  }

  /**
   * True if other commits follow this one at once (asked right after the publish), so the version
   * hint may wait for them (see {@link TableOperations#HINT_LAG_MAX}); false by default.
   */
  protected boolean othersFollow() {
    return false;
  }

  /** Called once the next version is published; must not throw (the commit has happened). */
  protected void committed(TableMetadata committed, T value) {}

  /**
   * Called when the commit fails for good or its outcome is unknown, after the committer removed
   * the files it wrote (not when the state is unknown): undo side effects beyond those files.
   */
  protected void failed(RuntimeException error, boolean stateUnknown) {}
}
