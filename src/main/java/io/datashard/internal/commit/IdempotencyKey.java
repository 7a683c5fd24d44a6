package io.datashard.internal.commit;

import io.datashard.TableProperties;
import io.datashard.ValidationException;
import io.datashard.internal.meta.TableMetadata;

/**
 * Idempotency tag of a commit: the table records the highest sequence committed per application id
 * (table property {@link TableProperties#IDEMPOTENCY_PREFIX}{@code APP}), so a retried job does not
 * commit twice. A commit counts as applied when the recorded sequence is above its floor: {@code
 * sequence - 1} for a plain key; for a batch of a change consumer, the sequence the batch starts
 * after, so that a batch overlapping one already written is not written again either.
 */
public final class IdempotencyKey {
  final String appId;
  final long sequence;
  private final long floor;

  public IdempotencyKey(String appId, long sequence) {
    this(appId, sequence, sequence == Long.MIN_VALUE ? Long.MIN_VALUE : sequence - 1);
  }

  /**
   * A key that records {@code sequence} and counts as applied when the recorded one is above {@code
   * floor} (which must be below {@code sequence}).
   */
  public IdempotencyKey(String appId, long sequence, long floor) {
    if (appId == null || appId.isBlank()) {
      throw new ValidationException("An idempotency application id must not be empty");
    }
    if (floor >= sequence) {
      throw new IllegalArgumentException("floor " + floor + " must be below " + sequence);
    }
    this.appId = appId;
    this.sequence = sequence;
    this.floor = floor;
  }

  /** The property holding the recorded sequence. */
  public static String property(String appId) {
    return TableProperties.IDEMPOTENCY_PREFIX + appId;
  }

  String property() {
    return property(appId);
  }

  /**
   * True if {@code meta} already holds a commit with this (or a later) sequence for this
   * application.
   */
  public boolean appliedIn(TableMetadata meta) {
    String v = meta.properties().get(property());
    if (v == null) {
      return false;
    }
    try {
      return Long.parseLong(v) > floor;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
