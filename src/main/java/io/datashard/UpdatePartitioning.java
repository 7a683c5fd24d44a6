package io.datashard;

import io.datashard.internal.PartitionSpecs;
import io.datashard.internal.TableCore;
import io.datashard.internal.commit.TableEvolution;
import io.datashard.internal.meta.TableMetadata;
import java.util.ArrayList;
import java.util.List;

/**
 * Changes how new data is partitioned (partition spec evolution). Files already written keep the
 * partitioning they were written with and are read as before; appends after the commit are split by
 * the new spec. Nothing is rewritten.
 *
 * <pre>{@code
 * table.updatePartitioning().add("day(ts)").remove("tag").commit();
 * }</pre>
 *
 * <p>Terms are written as in {@link DataShard.TableBuilder#partitionBy}. A partition field keeps
 * its id while it stays in the spec; a removed field's id is not reused.
 */
public final class UpdatePartitioning {
  private final TableCore core;
  private final List<String> adds = new ArrayList<>();
  private final List<String> removes = new ArrayList<>();

  UpdatePartitioning(TableCore core) {
    this.core = core;
  }

  /** Adds a partition term, e.g. {@code day(ts)}, {@code bucket(16, id)} or a column name. */
  public UpdatePartitioning add(String term) {
    adds.add(term);
    return this;
  }

  /**
   * Removes a partition field, named by its term ({@code day(ts)}) or by its partition field name
   * ({@code ts_day}).
   */
  public UpdatePartitioning remove(String termOrName) {
    removes.add(termOrName);
    return this;
  }

  /**
   * Commits the new partitioning; with no change, nothing is committed.
   *
   * @return the terms of the table's partitioning afterwards
   * @throws ValidationException if a term cannot be read, names no column, does not fit the
   *     column's type, is already there (add) or is not there (remove)
   */
  public List<String> commit() {
    TableMetadata committed =
        core.commit(TableEvolution.partitioning(core.location(), adds, removes)).metadata();
    return PartitionSpecs.terms(committed.spec(), committed.schema());
  }
}
