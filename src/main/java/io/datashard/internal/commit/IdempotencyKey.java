package io.datashard.internal.commit;

import io.datashard.TableProperties;
import io.datashard.ValidationException;
import io.datashard.internal.meta.TableMetadata;

/**
 * Idempotency tag of a commit: the table records the highest sequence committed per application id
 * (table property {@link TableProperties#IDEMPOTENCY_PREFIX}{@code APP}), so a retried job does not
 * commit twice.
 */
public final class IdempotencyKey {
  final String appId;
  final long sequence;

  public IdempotencyKey(String appId, long sequence) {
    if (appId == null || appId.isBlank()) {
      throw new ValidationException("An idempotency application id must not be empty");
    }
    this.appId = appId;
    this.sequence = sequence;
  }

  String property() {
    return TableProperties.IDEMPOTENCY_PREFIX + appId;
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
      return Long.parseLong(v) >= sequence;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
