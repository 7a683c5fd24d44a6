package io.datashard;

import java.time.Duration;

/**
 * How this process works with a table; not stored in the table.
 *
 * <ul>
 *   <li>{@code durable} (default true): every commit is forced to stable storage (fsync of files
 *       and directories) before it is acknowledged, so a power loss or OS crash cannot lose it.
 *       With false, commits are still atomic and safe against killed processes, but the last few
 *       may be lost, or a table left needing repair, if the machine itself goes down.
 *   <li>{@code commitRetries} (default 10,000) and {@code commitTimeout} (default 10 minutes): how
 *       long a commit that keeps losing races to other writers keeps retrying before it gives up
 *       with {@link CommitConflictException}.
 *   <li>{@code upkeepInBackground} (default false): the automatic upkeep after a commit (compaction
 *       of small files, cleanup; see {@link TableProperties}) runs on a background thread of this
 *       process instead of in the committing call, so the call returns sooner. For long-running
 *       processes, such as {@code datashard serve}: work a process does not finish before it exits
 *       is left for a later commit's upkeep.
 * </ul>
 */
public final class TableOptions {
  private final boolean durable;
  private final int commitRetries;
  private final Duration commitTimeout;
  private final boolean upkeepInBackground;

  private TableOptions(
      boolean durable, int commitRetries, Duration commitTimeout, boolean upkeepInBackground) {
    this.durable = durable;
    this.commitRetries = commitRetries;
    this.commitTimeout = commitTimeout;
    this.upkeepInBackground = upkeepInBackground;
  }

  /** The defaults: durable, 10,000 retries, 10 minutes. */
  public static TableOptions defaults() {
    return new TableOptions(true, 10_000, Duration.ofMinutes(10), false);
  }

  /** True if commits are forced to disk before they are acknowledged (the default). */
  public boolean durable() {
    return durable;
  }

  /** How many times a commit that lost a race is retried before giving up. */
  public int commitRetries() {
    return commitRetries;
  }

  /** How long a commit may keep retrying before giving up. */
  public Duration commitTimeout() {
    return commitTimeout;
  }

  /** True if the automatic upkeep after a commit runs on a background thread. */
  public boolean upkeepInBackground() {
    return upkeepInBackground;
  }

  /** These options with the automatic upkeep in the background (true) or in the commit call. */
  public TableOptions withUpkeepInBackground(boolean value) {
    return new TableOptions(durable, commitRetries, commitTimeout, value);
  }

  /** These options with durability on or off. */
  public TableOptions withDurable(boolean value) {
    return new TableOptions(value, commitRetries, commitTimeout, upkeepInBackground);
  }

  /** These options with another retry limit (0 means: try once). */
  public TableOptions withCommitRetries(int value) {
    if (value < 0) {
      throw new IllegalArgumentException("commitRetries must be >= 0, got " + value);
    }
    return new TableOptions(durable, value, commitTimeout, upkeepInBackground);
  }

  /** These options with another overall time limit for a commit's retries. */
  public TableOptions withCommitTimeout(Duration value) {
    if (value.isNegative()) {
      throw new IllegalArgumentException("commitTimeout must not be negative, got " + value);
    }
    return new TableOptions(durable, commitRetries, value, upkeepInBackground);
  }
}
