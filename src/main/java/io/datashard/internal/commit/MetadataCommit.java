package io.datashard.internal.commit;

import io.datashard.internal.meta.TableMetadata;
import java.util.function.Function;

/**
 * A change of the metadata alone (schema, partition spec, refs, properties): no new snapshot, no
 * new files. The function builds the next version from the newest one, or returns null when there
 * is nothing to change; it may throw {@link io.datashard.ValidationException}, which is passed on
 * with nothing committed. On a newer base it is simply applied again.
 */
public final class MetadataCommit extends PendingCommit<TableMetadata> {
  private final String what;
  private final Function<TableMetadata, TableMetadata.Builder> change;

  public MetadataCommit(String what, Function<TableMetadata, TableMetadata.Builder> change) {
    this.what = what;
    this.change = change;
  }

  @Override
  protected String what() {
    return what;
  }

  @Override
  protected Update<TableMetadata> apply(TableMetadata base, CommitFiles files, int attempt) {
    TableMetadata.Builder next = change.apply(base);
    if (next == null) {
      return Update.none(base);
    }
    next.lastUpdatedMillis(Math.max(System.currentTimeMillis(), base.lastUpdatedMillis()));
    return Update.metadata(next, null);
  }
}
