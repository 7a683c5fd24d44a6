package io.datashard.internal.commit;

import io.datashard.CommitConflictException;
import io.datashard.CommitStateUnknownException;
import io.datashard.TableOptions;
import io.datashard.internal.meta.TableMetadata;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * A change of several tables that lands on all of them or on none (the REST catalog's {@code
 * transactions/commit}). Each table has its own exclusive publish, so there is no single commit
 * point; the protocol makes the all-or-nothing rule hold against every writer that takes the commit
 * lock (DataShard's own):
 *
 * <ol>
 *   <li>Take the commit lock of every table, in the order of their locations (so two such commits
 *       never wait on each other in a cycle), each as the {@link Committer} does.
 *   <li>Read the newest version of every table and build every next version on it ({@code build}
 *       checks what the change requires of its base and throws if it does not hold). A failure here
 *       publishes nothing.
 *   <li>Publish the next versions one by one. If a publish loses (a writer that did not wait for
 *       the lock), the tables published before it are put back: each gets one more version with the
 *       content of its base, published on the version this commit made. Then the whole commit is
 *       retried on the newest versions, within the table options' retries and deadline.
 *   <li>If putting a table back loses too (yet another writer committed on top of it), the change
 *       is partly applied and this is reported as {@link CommitStateUnknownException}, naming the
 *       tables.
 * </ol>
 *
 * A reader that reads the tables' files directly may see one table's new version before another's
 * (between two publishes, microseconds apart); a reader through the catalog server never does,
 * since the server answers loads of those tables after the commit.
 */
public final class MultiTableCommit {
  private MultiTableCommit() {}

  /** One table of the commit: where it is, and how its next version is built on a base. */
  public record Change(TableOperations ops, Function<TableMetadata, Update<?>> build) {}

  /**
   * Commits every change, or none.
   *
   * @return the committed versions, in the order of {@code changes}
   * @throws CommitConflictException if the retries ran out; nothing was committed
   * @throws CommitStateUnknownException if a lost race could not be undone on every table
   */
  public static List<TableMetadata> commit(List<Change> changes, TableOptions options) {
    List<Change> ordered = new ArrayList<>(changes);
    ordered.sort(Comparator.comparing(c -> c.ops().root()));
    long deadline = System.nanoTime() + options.commitTimeout().toNanos();
    for (int attempt = 0; ; attempt++) {
      List<CommitLock> locks = new ArrayList<>();
      try {
        for (Change c : ordered) {
          locks.add(
              CommitLock.acquire(c.ops().storage(), c.ops().metadataDir(), Committer.LOCK_WAIT_MS));
        }
        List<TableMetadata> bases = new ArrayList<>();
        List<TableMetadata.Builder> nexts = new ArrayList<>();
        for (Change c : ordered) {
          TableMetadata base = c.ops().refresh();
          Update<?> u = c.build().apply(base);
          TableMetadata.Builder next = u.isNone() ? TableMetadata.buildFrom(base) : u.next();
          Retention.logPrevious(base, next);
          if (u.addsSnapshot()) {
            Retention.applyAtCommit(base, next, System.currentTimeMillis());
          }
          bases.add(base);
          nexts.add(next);
        }
        List<TableMetadata> committed = new ArrayList<>();
        int lost = -1;
        for (int i = 0; i < ordered.size(); i++) {
          try {
            committed.add(ordered.get(i).ops().commit(bases.get(i), nexts.get(i).build()));
          } catch (CommitConflictException e) {
            lost = i;
            break;
          }
        }
        if (lost < 0) {
          List<TableMetadata> out = new ArrayList<>();
          for (Change c : changes) {
            out.add(committed.get(ordered.indexOf(c)));
          }
          return out;
        }
        putBack(ordered, bases, committed);
      } finally {
        for (CommitLock l : locks) {
          l.close();
        }
      }
      if (attempt >= options.commitRetries() || System.nanoTime() > deadline) {
        throw new CommitConflictException(
            "Gave up committing a change to "
                + ordered.size()
                + " tables after "
                + (attempt + 1)
                + " attempts: other writers kept committing first. Nothing was committed; retry.");
      }
      try {
        Thread.sleep(
            ThreadLocalRandom.current().nextLong(Math.min(100, 1L << Math.min(attempt, 7)) + 1));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CommitConflictException("Interrupted while retrying; nothing was committed", e);
      }
    }
  }

  /** Publishes, on each version this commit made, a version with its base's content. */
  private static void putBack(
      List<Change> ordered, List<TableMetadata> bases, List<TableMetadata> committed) {
    List<String> stuck = new ArrayList<>();
    RuntimeException first = null;
    for (int i = 0; i < committed.size(); i++) {
      TableMetadata mine = committed.get(i);
      TableMetadata base = bases.get(i);
      TableMetadata.Builder back = TableMetadata.buildFrom(base);
      back.metadataLog(mine.metadataLog());
      Retention.logPrevious(mine, back);
      back.lastUpdatedMillis(Math.max(System.currentTimeMillis(), mine.lastUpdatedMillis()));
      try {
        ordered.get(i).ops().commit(mine, back.build());
      } catch (RuntimeException e) {
        stuck.add(ordered.get(i).ops().root());
        first = first == null ? e : first;
      }
    }
    if (!stuck.isEmpty()) {
      throw new CommitStateUnknownException(
          "A change to several tables was applied only in part: writers that did not wait for the "
              + "commit lock committed meanwhile, and tables "
              + stuck
              + " could not be put back. Check those tables' newest snapshots.",
          first);
    }
  }
}
