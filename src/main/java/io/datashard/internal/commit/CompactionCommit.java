package io.datashard.internal.commit;

import io.datashard.CommitConflictException;
import io.datashard.DataFile;
import io.datashard.Snapshot;
import io.datashard.internal.meta.TableMetadata;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The commit of a compaction: its new data files (written before, rows unchanged) replace the small
 * files they were read from, in a {@code replace} snapshot. On a newer base, appends committed
 * meanwhile are kept; if a file being compacted was removed meanwhile, or the schema changed, the
 * compaction is refused and commits nothing.
 */
public final class CompactionCommit extends PendingCommit<Snapshot> {
  private final TableOperations ops;
  private final TableMetadata read;
  private final List<DataFile> replaced;
  private final Set<String> removedPaths = new HashSet<>();
  private final List<DataFile> added;
  private final long snapshotId = Snapshots.newId();

  public CompactionCommit(
      TableOperations ops, TableMetadata read, List<DataFile> replaced, List<DataFile> added) {
    this.ops = ops;
    this.read = read;
    this.replaced = List.copyOf(replaced);
    this.added = List.copyOf(added);
    replaced.forEach(f -> removedPaths.add(ops.canonicalPath(f.path())));
  }

  @Override
  protected String what() {
    return "compaction";
  }

  @Override
  protected Update<Snapshot> apply(TableMetadata base, CommitFiles files, int attempt)
      throws IOException {
    ReplaceFiles.Built built =
        ReplaceFiles.build(
            ops,
            what(),
            read,
            base,
            replaced,
            removedPaths,
            added,
            "replace",
            Map.of(),
            snapshotId,
            files,
            attempt);
    if (built.refusal() != null) {
      throw refused(ops, what(), built.refusal());
    }
    return built.update();
  }

  /** The error of a change that cannot move onto the newest version. */
  static CommitConflictException refused(TableOperations ops, String what, String reason) {
    return new CommitConflictException(
        "Could not commit the "
            + what
            + " to "
            + ops.root()
            + ": "
            + reason
            + ". Nothing was committed and the files it wrote were removed; run it again.");
  }
}
