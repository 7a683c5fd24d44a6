package io.datashard;

import io.datashard.internal.TableCore;
import io.datashard.internal.commit.MetadataCommit;
import io.datashard.internal.meta.TableMetadata;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Sets and removes table properties (see {@link TableProperties}) in one commit, made by {@link
 * Table#updateProperties()}.
 *
 * <pre>{@code
 * table.updateProperties().set(TableProperties.MAX_SNAPSHOTS, "500").remove("owner").commit();
 * }</pre>
 */
public final class UpdateProperties {
  private final TableCore core;
  private final Map<String, String> set = new LinkedHashMap<>();
  private final Set<String> removed = new LinkedHashSet<>();

  UpdateProperties(TableCore core) {
    this.core = core;
  }

  /** Sets a property. */
  public UpdateProperties set(String key, String value) {
    if (key == null || key.isBlank() || value == null) {
      throw new ValidationException(
          "A table property needs a non-empty key and a value, got " + key + "=" + value);
    }
    removed.remove(key);
    set.put(key, value);
    return this;
  }

  /** Removes a property (nothing happens if the table has none of that key). */
  public UpdateProperties remove(String key) {
    set.remove(key);
    removed.add(key);
    return this;
  }

  /**
   * Commits the change; nothing is committed if every property already has its value.
   *
   * @return the table's properties afterwards
   */
  public Map<String, String> commit() {
    return core.commit(
            new MetadataCommit(
                "property change",
                base -> {
                  Map<String, String> props = new LinkedHashMap<>(base.properties());
                  props.putAll(set);
                  removed.forEach(props::remove);
                  return props.equals(base.properties())
                      ? null
                      : TableMetadata.buildFrom(base).properties(props);
                }))
        .metadata()
        .properties();
  }
}
