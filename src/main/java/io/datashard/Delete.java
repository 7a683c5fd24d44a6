package io.datashard;

import io.datashard.internal.TableCore;
import io.datashard.internal.commit.RowRewrites;
import io.datashard.internal.commit.SnapshotSummary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Deletes the rows a filter matches, or replaces them with new records (overwrite), in one atomic
 * commit. Copy-on-write: data files whose statistics show they cannot match are left alone, files
 * whose statistics show every row matches are dropped whole, and the others are rewritten without
 * the matching rows.
 *
 * <pre>{@code
 * table.newDelete().where("score < 0.1 or label is null").commit();
 * table.newOverwrite().where("day = '2026-11-30'").addAll(recomputed).commit();
 * }</pre>
 *
 * <p>Rows for which the filter is unknown (a comparison with null) are kept. Serializable: if
 * another writer commits a row the filter matches after the change read the table, or removes a
 * file it rewrites, the change is re-run on the newest snapshot (up to {@link #maxAttempts});
 * concurrent appends of rows that do not match are kept, never lost.
 */
public final class Delete {
  private final TableCore core;
  private final boolean overwrite;
  private final List<Expression> filters = new ArrayList<>();
  private final List<Object> records = new ArrayList<>();
  private final Map<String, String> summary = new LinkedHashMap<>();
  private int maxAttempts = 100;

  Delete(TableCore core, boolean overwrite) {
    this.core = core;
    this.overwrite = overwrite;
  }

  /** The rows to remove (several calls are and-ed). */
  public Delete where(Expression filter) {
    filters.add(Objects.requireNonNull(filter, "filter"));
    return this;
  }

  /** The rows to remove, in the text form of {@link Expressions#parse}. */
  public Delete where(String filter) {
    return where(Expressions.parse(filter));
  }

  /** Adds a record that replaces the removed rows (overwrite only). */
  public Delete add(Object record) {
    if (!overwrite) {
      throw new ValidationException(
          "A delete adds no records; use table.newOverwrite() to replace rows.");
    }
    records.add(Objects.requireNonNull(record, "record"));
    return this;
  }

  /** Adds records that replace the removed rows (overwrite only). */
  public Delete addAll(Iterable<?> more) {
    more.forEach(this::add);
    return this;
  }

  /** Adds a key/value to the snapshot summary. */
  public Delete summary(String k, String v) {
    summary.put(k, v);
    return this;
  }

  /** How many times to re-run when concurrent commits change matching rows (default 100). */
  public Delete maxAttempts(int value) {
    if (value < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, got " + value);
    }
    this.maxAttempts = value;
    return this;
  }

  /**
   * Commits the change.
   *
   * @return the new snapshot (its summary's {@code datashard.rows-removed} counts removed rows), or
   *     empty when no row matched and there was nothing to add
   * @throws ValidationException if no filter was given, or the filter does not fit the schema
   * @throws CommitConflictException if concurrent writers kept changing matching rows
   */
  public Optional<Snapshot> commit() {
    if (filters.isEmpty()) {
      throw new ValidationException(
          "No filter: give where(...) the rows to "
              + (overwrite ? "overwrite" : "delete")
              + " (where(\"true\") for all rows).");
    }
    Expression filter = filters.get(0);
    for (int i = 1; i < filters.size(); i++) {
      filter = Expressions.and(filter, filters.get(i));
    }
    Expression f = filter;
    String what = overwrite ? "overwrite" : "delete";
    Map<String, String> extra = new LinkedHashMap<>(summary);
    extra.put(SnapshotSummary.FILTER, f.toString());
    RowRewrites change =
        new RowRewrites(
            core.reader(),
            core.writer(),
            what,
            schema ->
                new RowRewrites.Change(
                    RowRewrites.matching(core.reader(), schema, f),
                    RowRewrites.rows(schema, records)),
            extra,
            maxAttempts);
    return Optional.ofNullable(core.commit(change).value());
  }
}
