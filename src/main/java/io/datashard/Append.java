package io.datashard;

import io.datashard.internal.TableCore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An append of records, committed atomically by {@link #commit()}: either all of them become
 * visible in one new snapshot, or none does.
 *
 * <p>Records may be {@code Map<String, Object>} (column name to value), Java {@code record}
 * instances (component name to value) or {@link Row}s. Values are checked against the table schema
 * and converted where nothing is lost (see {@link Row} for the Java types of each column type). An
 * append is "blind": it does not depend on what the table holds, so if another process commits
 * first, the append is rebased onto the new version and retried; it never fails for that reason
 * unless the retry limit of {@link TableOptions} is reached.
 */
public final class Append {
  private final TableCore core;
  private final List<Object> records = new ArrayList<>();
  private final Map<String, String> summary = new LinkedHashMap<>();
  private String branch;

  Append(TableCore core) {
    this.core = core;
  }

  /** Adds one record. */
  public Append add(Object record) {
    records.add(record);
    return this;
  }

  /** Adds records. */
  public Append addAll(Iterable<?> more) {
    for (Object r : more) {
      records.add(r);
    }
    return this;
  }

  /**
   * Commits to this branch instead of {@code main}: the new snapshot's parent is the branch head and
   * only the branch moves. The branch must exist (see {@link Table#branch(String)}).
   */
  public Append toBranch(String name) {
    this.branch = name;
    return this;
  }

  /** Records a custom key in the snapshot summary (for example a writer id). */
  public Append summary(String key, String value) {
    if (key.equals("operation")) {
      throw new ValidationException("The summary key 'operation' is reserved: choose another key");
    }
    summary.put(key, value);
    return this;
  }

  /**
   * Writes the records and commits them.
   *
   * @return the new snapshot
   * @throws ValidationException if a record does not fit the schema; nothing is committed
   * @throws CommitConflictException if retries ran out; nothing is committed
   * @throws CommitStateUnknownException if it is unknown whether the commit happened
   */
  public Snapshot commit() {
    if (branch != null) {
      return new io.datashard.internal.TableHistory(core).appendToBranch(branch, records, summary);
    }
    return core.append(records, summary);
  }
}
