package io.datashard;

import io.datashard.internal.TableCore;
import io.datashard.internal.commit.RowRewrites;
import io.datashard.internal.commit.SnapshotSummary;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Updates the rows whose key matches a new record and inserts the other records, in one commit
 * (merge by key). Copy-on-write: the data files that hold a matching key are rewritten without
 * those rows; the new records are added.
 *
 * <pre>{@code
 * table.newUpsert().key("user_id")
 *     .add(Map.of("user_id", 7L, "score", 0.9))
 *     .add(Map.of("user_id", 8L, "score", 0.4))
 *     .commit();
 * }</pre>
 *
 * <p>Serializable: if another writer commits a row with one of the keys after the upsert read the
 * table, or removes a file it rewrites, the upsert is re-run on the newest snapshot (up to {@link
 * #maxAttempts}), so a key never ends up twice; concurrent appends of other keys are kept. The
 * records must carry every key column and each key once.
 */
public final class Upsert {
  private final TableCore core;
  private final List<String> key = new ArrayList<>();
  private final List<Object> records = new ArrayList<>();
  private final Map<String, String> summary = new LinkedHashMap<>();
  private int maxAttempts = 100;

  Upsert(TableCore core) {
    this.core = core;
  }

  /** The key columns (top-level, primitive) that identify a row. */
  public Upsert key(String... columns) {
    key.addAll(Arrays.asList(columns));
    return this;
  }

  /** Adds a record (a {@code Map}, a Java record or a {@link Row}). */
  public Upsert add(Object record) {
    records.add(Objects.requireNonNull(record, "record"));
    return this;
  }

  /** Adds records. */
  public Upsert addAll(Iterable<?> more) {
    more.forEach(this::add);
    return this;
  }

  /** Adds a key/value to the snapshot summary. */
  public Upsert summary(String k, String v) {
    summary.put(k, v);
    return this;
  }

  /** How many times to re-run when concurrent commits change matching rows (default 100). */
  public Upsert maxAttempts(int value) {
    if (value < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, got " + value);
    }
    this.maxAttempts = value;
    return this;
  }

  /**
   * Commits the upsert.
   *
   * @return the new snapshot (its summary's {@code datashard.rows-removed} counts replaced rows)
   * @throws ValidationException if there are no records or key columns, a key column is unknown, or
   *     a key is null or repeated
   * @throws CommitConflictException if concurrent writers kept changing matching rows
   */
  public Snapshot commit() {
    if (records.isEmpty()) {
      throw new ValidationException("Nothing to upsert: add at least one record before commit()");
    }
    Map<String, String> extra = new LinkedHashMap<>(summary);
    extra.put(SnapshotSummary.UPSERT_KEY, String.join(",", key));
    RowRewrites change =
        new RowRewrites(
            core.reader(),
            core.writer(),
            "upsert",
            schema -> RowRewrites.upsert(schema, key, records),
            extra,
            maxAttempts);
    return core.commit(change).value();
  }
}
