package io.datashard;

import io.datashard.internal.TableCore;
import io.datashard.internal.commit.IdempotencyKey;
import io.datashard.internal.commit.MetadataCommit;
import io.datashard.internal.meta.RefRetention;
import io.datashard.internal.meta.SnapshotRef;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.internal.scan.ChangeLog;
import io.datashard.storage.Storage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A named reader of a table's changes that remembers, in the table, how far it has read: each
 * {@link #poll()} returns the changes committed after its cursor, and {@link #commit(ChangeBatch)}
 * moves the cursor past them.
 *
 * <pre>{@code
 * ChangeConsumer evaluator = table.consumer("evaluator");
 * ChangeBatch batch = evaluator.follow(Duration.ofSeconds(30));   // waits for new commits
 * for (Row r : batch.rows()) evaluate(r);
 * evaluator.commit(batch);                                         // the cursor moves on
 * }</pre>
 *
 * <p>The cursor is a tag named {@code consumer/NAME}, which other engines see as a ref. Moving it
 * is a metadata commit that only goes forward; {@link #commit(ChangeBatch)} moves it only from
 * where the batch started, so when two processes of one consumer poll the same changes, only one of
 * them commits the batch (the other gets a {@link ValidationException} and polls again). A new
 * consumer starts from an empty table: its first batch holds every row of the oldest retained
 * snapshot as an insert, then the changes of each later commit.
 *
 * <p>While a consumer's cursor is on the main line, snapshot expiry (automatic and explicit) keeps
 * every snapshot after it, so the consumer can read their changes; a consumer whose oldest unread
 * change is older than {@link TableProperties#CONSUMER_IDLE_MS} (7 days by default) is idle and
 * stops holding history back. {@link #drop()} removes a consumer.
 *
 * <p><b>Effectively once into another table.</b> With {@link #writingTo(Table)}, {@link
 * #commit(ChangeBatch, Consumer)} writes a batch's results into the output table in one transaction
 * that also records, in the output table, which changes it covers; then it moves the cursor. A
 * process that crashes between the two leaves the output correct: the next poll starts after what
 * the output records, and a batch that overlaps what is recorded is not written again.
 */
public final class ChangeConsumer {
  private final TableCore core;
  private final String name;
  private final String refName;
  private Table output;
  private int maxCommits = 1000;
  private Duration cursorInterval = Duration.ofSeconds(1);
  private long lastMoveNanos = System.nanoTime() - Duration.ofDays(1).toNanos();
  // with an output: the last snapshot this object delivered, ahead of the durable records while
  // the cursor lags (a batch that wrote nothing needs no durable record: read again after a
  // restart, it writes nothing again)
  private Long delivered;
  private List<String> key = List.of();
  private List<String> columns;

  ChangeConsumer(TableCore core, String name) {
    if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
      throw new ValidationException(
          "A consumer name must be letters, digits, '_', '.' or '-' (starting with a letter or"
              + " digit), got '"
              + name
              + "'.");
    }
    this.core = core;
    this.name = name;
    this.refName = RefRetention.CONSUMER_PREFIX + name;
  }

  /** The consumer's name. */
  public String name() {
    return name;
  }

  /** The name of the tag that holds the cursor: {@code consumer/NAME}. */
  public String refName() {
    return refName;
  }

  /**
   * Makes {@link #commit(ChangeBatch, Consumer)} write batches into {@code output} effectively
   * once, and {@link #poll()} start after what {@code output} records as written.
   */
  public ChangeConsumer writingTo(Table output) {
    this.output = Objects.requireNonNull(output, "output");
    return this;
  }

  /**
   * With {@link #writingTo}, how often {@link #commit(ChangeBatch, Consumer)} also moves the cursor
   * in this table (default: at most once a second). The output table's record of what was written
   * is what reading goes on from, so the cursor may lag behind it: a batch that wrote nothing needs
   * no record (read again after a crash, it writes nothing again), and this object remembers it
   * read it. {@code Duration.ZERO} moves the cursor after every batch. A lagging cursor only holds
   * a little more history from expiring, and a restarted consumer re-reads what it lags by.
   */
  public ChangeConsumer cursorInterval(Duration interval) {
    if (interval.isNegative()) {
      throw new IllegalArgumentException("cursorInterval must not be negative, got " + interval);
    }
    this.cursorInterval = interval;
    return this;
  }

  /** At most this many commits per batch (default 1000), which bounds a batch's memory. */
  public ChangeConsumer maxCommits(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("maxCommits must be at least 1, got " + n);
    }
    this.maxCommits = n;
    return this;
  }

  /** Key columns for the batches' changes (see {@link ChangeScan#key(String...)}). */
  public ChangeConsumer key(String... names) {
    this.key = Arrays.asList(names);
    return this;
  }

  /** Columns the batches' rows carry (see {@link ChangeScan#select(String...)}). */
  public ChangeConsumer select(String... names) {
    this.columns = Arrays.asList(names);
    return this;
  }

  /** The last snapshot this consumer has consumed (empty: none yet). */
  public Optional<Snapshot> position() {
    return Optional.ofNullable(start(core.refresh()));
  }

  /** True if the table holds this consumer's cursor. */
  public boolean exists() {
    return core.refresh().refs().containsKey(refName);
  }

  /**
   * The changes after the cursor (at most {@link #maxCommits} commits), without moving it. An empty
   * batch when there is nothing new.
   *
   * @throws ValidationException if the cursor is no longer on the main line, or the history after
   *     it has expired (an idle consumer): drop the consumer and start again
   */
  public ChangeBatch poll() {
    TableMetadata meta = core.refresh();
    return pollFrom(meta, start(meta));
  }

  /**
   * The changes after {@code previous} (a batch this consumer polled, committed or not): for
   * reading ahead while earlier batches are still being written. Reading ahead is for one process
   * per consumer; after a {@link #commit(ChangeBatch, Consumer)} that returns {@link
   * TransactionResult#alreadyApplied()}, another process wrote for this consumer, so drop what was
   * read ahead and go on with {@link #poll()}.
   */
  public ChangeBatch poll(ChangeBatch previous) {
    TableMetadata meta = core.refresh();
    Long after = previous.to() != null ? previous.to() : previous.from();
    Snapshot start = after == null ? null : meta.snapshot(after);
    if (after != null && start == null) {
      throw new ValidationException(
          "Snapshot " + after + " of table " + core.location() + " has expired; poll() again.");
    }
    return pollFrom(meta, start);
  }

  private ChangeBatch pollFrom(TableMetadata meta, Snapshot start) {
    Snapshot current = meta.currentSnapshot();
    List<Snapshot> chain;
    try {
      chain = ChangeLog.chain(meta, start, current);
    } catch (ValidationException e) {
      throw new ValidationException(
          "Consumer '"
              + name
              + "' of table "
              + core.location()
              + " cannot read on from snapshot "
              + (start == null ? "(start)" : start.snapshotId())
              + ": "
              + e.getMessage()
              + " If it was idle longer than "
              + TableProperties.CONSUMER_IDLE_MS
              + ", its history may have expired; drop it and start it again.",
          e);
    }
    if (chain.isEmpty()) {
      return new ChangeBatch(null, start, start, 0);
    }
    int n = Math.min(chain.size(), maxCommits);
    Snapshot to = chain.get(n - 1);
    ChangeScan scan = new ChangeScan(core).toSnapshot(to.snapshotId()).key(key);
    if (start != null) {
      scan.fromSnapshot(start.snapshotId());
    }
    if (columns != null) {
      scan.select(columns);
    }
    return new ChangeBatch(scan, start, to, n);
  }

  /**
   * Waits until there are changes after the cursor, or {@code maxWait} has passed, and returns them
   * as {@link #poll()} does (an empty batch if none came). It checks the table's newest version
   * every 1 to 10 ms on a local disk (one small read, no listing, no data file opened), and every
   * 200 ms at most on object storage, where each look costs requests.
   */
  public ChangeBatch follow(Duration maxWait) {
    return follow(null, maxWait);
  }

  /**
   * As {@link #follow(Duration)}, for the changes after {@code previous} (see {@link
   * #poll(ChangeBatch)}); null: after the cursor.
   */
  public ChangeBatch follow(ChangeBatch previous, Duration maxWait) {
    long deadline = System.nanoTime() + maxWait.toNanos();
    long pause = 1;
    // a look at a local disk costs a small read; one at an object store costs requests (money)
    long maxPause = core.storage().supports(Storage.Capability.LOCKS) ? 10 : 200;
    while (true) {
      ChangeBatch b = previous == null ? poll() : poll(previous);
      long left = deadline - System.nanoTime();
      if (!b.isEmpty() || left <= 0) {
        return b;
      }
      try {
        Thread.sleep(Math.min(pause, Math.max(1, left / 1_000_000)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return b;
      }
      pause = Math.min(pause * 2, maxPause);
    }
  }

  /**
   * Moves the cursor past the batch.
   *
   * @throws ValidationException if another process of this consumer moved the cursor since the
   *     batch was polled (the batch is theirs: poll again)
   */
  public void commit(ChangeBatch batch) {
    if (batch.isEmpty()) {
      return;
    }
    move(batch.from(), batch.to(), true);
  }

  /**
   * Writes what {@code body} stages into the output table ({@link #writingTo}) in one transaction
   * that records the batch as written, then moves the cursor past the batch. If the output already
   * records this batch, or a part of it (another process of this consumer wrote it, or this one did
   * before it crashed), nothing is written and the cursor moves to what the output records.
   *
   * @param body stages the batch's results on the output transaction; it may run more than once
   *     (once per attempt), like any transaction body
   * @return the output transaction's result ({@link TransactionResult#alreadyApplied()} when the
   *     output had the batch already)
   */
  public TransactionResult<Void> commit(ChangeBatch batch, Consumer<Transaction> body) {
    if (output == null) {
      throw new ValidationException(
          "Consumer '"
              + name
              + "' has no output table: call writingTo(table) before commit(batch, body), or"
              + " commit(batch) to move the cursor alone.");
    }
    if (batch.isEmpty()) {
      return output.newTransaction().run(tx -> null);
    }
    long floor = batch.fromSequence() == null ? 0 : batch.fromSequence();
    TransactionResult<Void> r =
        output
            .newTransaction()
            .idempotencyKey(new IdempotencyKey(appId(), batch.toSequence(), floor))
            .run(
                tx -> {
                  body.accept(tx);
                  return null;
                });
    Long to = batch.to();
    if (r.alreadyApplied()) {
      Snapshot recorded = recordedInOutput(core.refresh());
      to = recorded == null ? null : recorded.snapshotId();
    }
    delivered = to;
    if (to != null && System.nanoTime() - lastMoveNanos >= cursorInterval.toNanos()) {
      move(null, to, false);
      lastMoveNanos = System.nanoTime();
    }
    return r;
  }

  /** Removes the consumer's cursor; it no longer pins history. */
  public void drop() {
    core.commit(
        new MetadataCommit(
            "drop consumer " + name,
            base -> {
              if (!base.refs().containsKey(refName)) {
                throw new ValidationException(
                    "Table "
                        + core.location()
                        + " has no consumer named '"
                        + name
                        + "' (its consumers: "
                        + String.join(", ", names(base.refs().keySet()))
                        + ").");
              }
              Map<String, SnapshotRef> refs = new LinkedHashMap<>(base.refs());
              refs.remove(refName);
              return TableMetadata.buildFrom(base).refs(refs);
            }));
  }

  /** The consumer names among ref names. */
  static List<String> names(Collection<String> refNames) {
    List<String> out = new ArrayList<>();
    for (String r : refNames) {
      if (r.startsWith(RefRetention.CONSUMER_PREFIX)) {
        out.add(r.substring(RefRetention.CONSUMER_PREFIX.length()));
      }
    }
    Collections.sort(out);
    return out;
  }

  private String appId() {
    return "consumer/" + core.metadata().tableUuid() + "/" + name;
  }

  /**
   * Where reading starts: the cursor, or (with an output) what the output records or this object
   * delivered, whichever is furthest on.
   */
  private Snapshot start(TableMetadata meta) {
    SnapshotRef r = meta.refs().get(refName);
    Snapshot cursor = r == null ? null : meta.snapshot(r.snapshotId());
    if (output != null) {
      cursor = later(cursor, recordedInOutput(meta));
      cursor = later(cursor, delivered == null ? null : meta.snapshot(delivered));
    }
    return cursor;
  }

  private static Snapshot later(Snapshot a, Snapshot b) {
    if (a == null) {
      return b;
    }
    return b != null && b.sequenceNumber() > a.sequenceNumber() ? b : a;
  }

  /** The source snapshot the output records as the last one written, if any. */
  private Snapshot recordedInOutput(TableMetadata meta) {
    String v = output.refresh().properties().get(IdempotencyKey.property(appId()));
    if (v == null) {
      return null;
    }
    long seq = Long.parseLong(v.trim());
    for (Snapshot s : meta.snapshots()) {
      if (s.sequenceNumber() == seq) {
        return s;
      }
    }
    throw new ValidationException(
        "The output table "
            + output.location()
            + " records consumer '"
            + name
            + "' as having written up to sequence number "
            + seq
            + " of table "
            + core.location()
            + ", which has no such snapshot any more. Drop the consumer and reset the output.");
  }

  /**
   * Moves the cursor to {@code to}: with {@code exact}, only from {@code expected}; otherwise
   * forward only (nothing happens when the cursor is at or after {@code to} already).
   */
  private void move(Long expected, long to, boolean exact) {
    core.commit(
        new MetadataCommit(
            "consumer " + name,
            base -> {
              SnapshotRef existing = base.refs().get(refName);
              Long at = existing == null ? null : existing.snapshotId();
              if (exact && !Objects.equals(at, expected)) {
                throw new ValidationException(
                    "Consumer '"
                        + name
                        + "' of table "
                        + core.location()
                        + " moved to snapshot "
                        + at
                        + " after this batch was polled (it starts after "
                        + (expected == null ? "the start" : expected)
                        + "): another process of the consumer committed it. Poll again.");
              }
              Snapshot target = base.snapshot(to);
              if (target == null) {
                throw new ValidationException(
                    "Snapshot " + to + " of table " + core.location() + " has expired.");
              }
              if (at != null && !exact) {
                if (at == to) {
                  return null;
                }
                Snapshot current = base.snapshot(at);
                if (current != null && current.sequenceNumber() >= target.sequenceNumber()) {
                  return null; // never backwards
                }
              }
              Map<String, SnapshotRef> refs = new LinkedHashMap<>(base.refs());
              refs.put(refName, new SnapshotRef(to, "tag", null, null, null));
              return TableMetadata.buildFrom(base).refs(refs);
            }));
  }
}
