package io.datashard.internal.meta;

import com.fasterxml.jackson.databind.JsonNode;
import io.datashard.Schema;
import io.datashard.Snapshot;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The whole state of a table at one version, as stored in {@code vN.metadata.json} (Iceberg table
 * format v2). Immutable; changes go through {@link #buildFrom(TableMetadata)}.
 *
 * <p>Besides the JSON content, a loaded value knows the version number {@code N} and the location
 * of the file it was read from; these are not part of the JSON.
 */
public final class TableMetadata {
  /** A row of the snapshot log: when a snapshot became current. */
  public static final class SnapshotLogEntry {
    private final long timestampMillis;
    private final long snapshotId;

    public SnapshotLogEntry(long timestampMillis, long snapshotId) {
      this.timestampMillis = timestampMillis;
      this.snapshotId = snapshotId;
    }

    public long timestampMillis() {
      return timestampMillis;
    }

    public long snapshotId() {
      return snapshotId;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof SnapshotLogEntry
          && ((SnapshotLogEntry) o).timestampMillis == timestampMillis
          && ((SnapshotLogEntry) o).snapshotId == snapshotId;
    }

    @Override
    public int hashCode() {
      return Long.hashCode(snapshotId);
    }
  }

  /** A row of the metadata log: a previous metadata file. */
  public static final class MetadataLogEntry {
    private final long timestampMillis;
    private final String file;

    public MetadataLogEntry(long timestampMillis, String file) {
      this.timestampMillis = timestampMillis;
      this.file = file;
    }

    public long timestampMillis() {
      return timestampMillis;
    }

    public String file() {
      return file;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof MetadataLogEntry
          && ((MetadataLogEntry) o).timestampMillis == timestampMillis
          && ((MetadataLogEntry) o).file.equals(file);
    }

    @Override
    public int hashCode() {
      return file.hashCode();
    }
  }

  private final int formatVersion;
  private final String tableUuid;
  private final String location;
  private final long lastSequenceNumber;
  private final long lastUpdatedMillis;
  private final int lastColumnId;
  private final List<Schema> schemas;
  private final int currentSchemaId;
  private final List<PartitionSpec> specs;
  private final int defaultSpecId;
  private final int lastPartitionId;
  private final List<JsonNode> sortOrders;
  private final int defaultSortOrderId;
  private final Map<String, String> properties;
  private final Long currentSnapshotId;
  private final List<Snapshot> snapshots;
  private final List<SnapshotLogEntry> snapshotLog;
  private final List<MetadataLogEntry> metadataLog;
  private final Map<String, SnapshotRef> refs;
  private final Map<String, JsonNode> otherFields;
  // Not part of the JSON:
  private final int version;
  private final String metadataFileLocation;
  private final Map<Long, Snapshot> snapshotsById;

  private TableMetadata(Builder b) {
    this.formatVersion = b.formatVersion;
    this.tableUuid = Objects.requireNonNull(b.tableUuid, "table-uuid");
    this.location = Objects.requireNonNull(b.location, "location");
    this.lastSequenceNumber = b.lastSequenceNumber;
    this.lastUpdatedMillis = b.lastUpdatedMillis;
    this.lastColumnId = b.lastColumnId;
    this.schemas = List.copyOf(b.schemas);
    this.currentSchemaId = b.currentSchemaId;
    this.specs = List.copyOf(b.specs);
    this.defaultSpecId = b.defaultSpecId;
    this.lastPartitionId = b.lastPartitionId;
    this.sortOrders = List.copyOf(b.sortOrders);
    this.defaultSortOrderId = b.defaultSortOrderId;
    this.properties = Collections.unmodifiableMap(new LinkedHashMap<>(b.properties));
    this.currentSnapshotId = b.currentSnapshotId;
    this.snapshots = List.copyOf(b.snapshots);
    this.snapshotLog = List.copyOf(b.snapshotLog);
    this.metadataLog = List.copyOf(b.metadataLog);
    this.refs = Collections.unmodifiableMap(new LinkedHashMap<>(b.refs));
    this.otherFields = Collections.unmodifiableMap(new LinkedHashMap<>(b.otherFields));
    this.version = b.version;
    this.metadataFileLocation = b.metadataFileLocation;
    Map<Long, Snapshot> byId = new LinkedHashMap<>();
    for (Snapshot s : snapshots) {
      byId.put(s.snapshotId(), s);
    }
    this.snapshotsById = byId;
    if (schema(currentSchemaId) == null) {
      throw new IllegalStateException("current-schema-id " + currentSchemaId + " names no schema");
    }
    if (currentSnapshotId != null && !byId.containsKey(currentSnapshotId)) {
      throw new IllegalStateException(
          "current-snapshot-id " + currentSnapshotId + " names no snapshot");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding all of {@code base}'s values, for making the next version. */
  public static Builder buildFrom(TableMetadata base) {
    Builder b = new Builder();
    b.formatVersion = base.formatVersion;
    b.tableUuid = base.tableUuid;
    b.location = base.location;
    b.lastSequenceNumber = base.lastSequenceNumber;
    b.lastUpdatedMillis = base.lastUpdatedMillis;
    b.lastColumnId = base.lastColumnId;
    b.schemas = new ArrayList<>(base.schemas);
    b.currentSchemaId = base.currentSchemaId;
    b.specs = new ArrayList<>(base.specs);
    b.defaultSpecId = base.defaultSpecId;
    b.lastPartitionId = base.lastPartitionId;
    b.sortOrders = new ArrayList<>(base.sortOrders);
    b.defaultSortOrderId = base.defaultSortOrderId;
    b.properties = new LinkedHashMap<>(base.properties);
    b.currentSnapshotId = base.currentSnapshotId;
    b.snapshots = new ArrayList<>(base.snapshots);
    b.snapshotLog = new ArrayList<>(base.snapshotLog);
    b.metadataLog = new ArrayList<>(base.metadataLog);
    b.refs = new LinkedHashMap<>(base.refs);
    b.otherFields = new LinkedHashMap<>(base.otherFields);
    b.version = base.version;
    b.metadataFileLocation = base.metadataFileLocation;
    return b;
  }

  public int formatVersion() {
    return formatVersion;
  }

  public String tableUuid() {
    return tableUuid;
  }

  /** The table location recorded in the metadata (a path or a {@code file:} URI). */
  public String location() {
    return location;
  }

  public long lastSequenceNumber() {
    return lastSequenceNumber;
  }

  public long lastUpdatedMillis() {
    return lastUpdatedMillis;
  }

  public int lastColumnId() {
    return lastColumnId;
  }

  public List<Schema> schemas() {
    return schemas;
  }

  public int currentSchemaId() {
    return currentSchemaId;
  }

  /** The current schema. */
  public Schema schema() {
    return schema(currentSchemaId);
  }

  /** The schema with this id, or null. */
  public Schema schema(int id) {
    for (Schema s : schemas) {
      if (s.schemaId() == id) {
        return s;
      }
    }
    return null;
  }

  public List<PartitionSpec> specs() {
    return specs;
  }

  public int defaultSpecId() {
    return defaultSpecId;
  }

  /** The default partition spec. */
  public PartitionSpec spec() {
    return spec(defaultSpecId);
  }

  /** The partition spec with this id, or null. */
  public PartitionSpec spec(int id) {
    for (PartitionSpec s : specs) {
      if (s.specId() == id) {
        return s;
      }
    }
    return null;
  }

  public int lastPartitionId() {
    return lastPartitionId;
  }

  /** Sort orders, kept as raw JSON (DataShard writes unsorted data). */
  public List<JsonNode> sortOrders() {
    return sortOrders;
  }

  public int defaultSortOrderId() {
    return defaultSortOrderId;
  }

  public Map<String, String> properties() {
    return properties;
  }

  /** A property value, or the fallback. */
  public String property(String key, String fallback) {
    return properties.getOrDefault(key, fallback);
  }

  /** A property as a long, or the fallback when absent or malformed. */
  public long propertyLong(String key, long fallback) {
    String v = properties.get(key);
    if (v == null) {
      return fallback;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  /** The current snapshot's id, or null when the table has no data yet. */
  public Long currentSnapshotId() {
    return currentSnapshotId;
  }

  /** The current snapshot, or null. */
  public Snapshot currentSnapshot() {
    return currentSnapshotId == null ? null : snapshotsById.get(currentSnapshotId);
  }

  /** The retained snapshots, in the order they were added (oldest first). */
  public List<Snapshot> snapshots() {
    return snapshots;
  }

  /** The snapshot with this id, or null. */
  public Snapshot snapshot(long id) {
    return snapshotsById.get(id);
  }

  public List<SnapshotLogEntry> snapshotLog() {
    return snapshotLog;
  }

  public List<MetadataLogEntry> metadataLog() {
    return metadataLog;
  }

  public Map<String, SnapshotRef> refs() {
    return refs;
  }

  /** Top-level JSON fields DataShard does not interpret, kept so they survive a rewrite. */
  public Map<String, JsonNode> otherFields() {
    return otherFields;
  }

  /** The version number N of {@code vN.metadata.json}, or 0 if not loaded from a file. */
  public int version() {
    return version;
  }

  /** Where this version was read from or written to, or null. */
  public String metadataFileLocation() {
    return metadataFileLocation;
  }

  /** Builds a {@link TableMetadata}. Lists and maps are copied on {@link #build()}. */
  public static final class Builder {
    private int formatVersion = 2;
    private String tableUuid;
    private String location;
    private long lastSequenceNumber;
    private long lastUpdatedMillis;
    private int lastColumnId;
    private List<Schema> schemas = new ArrayList<>();
    private int currentSchemaId;
    private List<PartitionSpec> specs = new ArrayList<>();
    private int defaultSpecId;
    private int lastPartitionId = PartitionSpec.FIRST_FIELD_ID - 1;
    private List<JsonNode> sortOrders = new ArrayList<>();
    private int defaultSortOrderId;
    private Map<String, String> properties = new LinkedHashMap<>();
    private Long currentSnapshotId;
    private List<Snapshot> snapshots = new ArrayList<>();
    private List<SnapshotLogEntry> snapshotLog = new ArrayList<>();
    private List<MetadataLogEntry> metadataLog = new ArrayList<>();
    private Map<String, SnapshotRef> refs = new LinkedHashMap<>();
    private Map<String, JsonNode> otherFields = new LinkedHashMap<>();
    private int version;
    private String metadataFileLocation;

    private Builder() {}

    public Builder formatVersion(int v) {
      this.formatVersion = v;
      return this;
    }

    public Builder tableUuid(String v) {
      this.tableUuid = v;
      return this;
    }

    public Builder location(String v) {
      this.location = v;
      return this;
    }

    public Builder lastSequenceNumber(long v) {
      this.lastSequenceNumber = v;
      return this;
    }

    public Builder lastUpdatedMillis(long v) {
      this.lastUpdatedMillis = v;
      return this;
    }

    public Builder lastColumnId(int v) {
      this.lastColumnId = v;
      return this;
    }

    public Builder schemas(List<Schema> v) {
      this.schemas = new ArrayList<>(v);
      return this;
    }

    /** Adds a schema with the next free id, makes it current and raises last-column-id. */
    public Builder addCurrentSchema(Schema schema) {
      int id = 0;
      for (Schema s : schemas) {
        id = Math.max(id, s.schemaId() + 1);
      }
      Schema added = schema.withSchemaId(id);
      schemas.add(added);
      currentSchemaId = id;
      lastColumnId = Math.max(lastColumnId, added.highestFieldId());
      return this;
    }

    public Builder currentSchemaId(int v) {
      this.currentSchemaId = v;
      return this;
    }

    public Builder specs(List<PartitionSpec> v) {
      this.specs = new ArrayList<>(v);
      return this;
    }

    public Builder defaultSpecId(int v) {
      this.defaultSpecId = v;
      return this;
    }

    public Builder lastPartitionId(int v) {
      this.lastPartitionId = v;
      return this;
    }

    public Builder sortOrders(List<JsonNode> v) {
      this.sortOrders = new ArrayList<>(v);
      return this;
    }

    public Builder defaultSortOrderId(int v) {
      this.defaultSortOrderId = v;
      return this;
    }

    public Builder properties(Map<String, String> v) {
      this.properties = new LinkedHashMap<>(v);
      return this;
    }

    public Builder property(String key, String value) {
      this.properties.put(key, value);
      return this;
    }

    public Builder currentSnapshotId(Long v) {
      this.currentSnapshotId = v;
      return this;
    }

    public Builder snapshots(List<Snapshot> v) {
      this.snapshots = new ArrayList<>(v);
      return this;
    }

    /**
     * Adds a snapshot and makes it the current one on the main branch, logging it in the snapshot
     * log and raising the last sequence number.
     */
    public Builder addSnapshotAsCurrent(Snapshot s) {
      snapshots.add(s);
      currentSnapshotId = s.snapshotId();
      snapshotLog.add(new SnapshotLogEntry(s.timestampMillis(), s.snapshotId()));
      lastSequenceNumber = Math.max(lastSequenceNumber, s.sequenceNumber());
      SnapshotRef main = refs.get(SnapshotRef.MAIN);
      refs.put(
          SnapshotRef.MAIN,
          main == null ? SnapshotRef.branch(s.snapshotId()) : main.withSnapshot(s.snapshotId()));
      return this;
    }

    /**
     * Drops old snapshots from the metadata (not their files): keeps at most {@code maxCount}, and
     * of those drops the ones older than {@code maxAgeMillis} before {@code now}, but always keeps
     * the newest {@code minKeep} and what branches and tags keep (see {@link RefRetention}: refs
     * past their max-ref-age-ms are removed first). Snapshot-log entries of dropped snapshots go
     * too.
     *
     * @return the ids dropped
     */
    public Set<Long> retainSnapshots(int maxCount, long maxAgeMillis, int minKeep, long now) {
      // [refs] branches and tags: aged refs go, the rest pin their snapshots and branch ancestors
      Map<Long, Snapshot> byId = new LinkedHashMap<>();
      snapshots.forEach(s -> byId.put(s.snapshotId(), s));
      RefRetention.removeAgedRefs(refs, byId, properties, now);
      Set<Long> pinned = RefRetention.pinned(snapshots, refs, minKeep, now);
      pinned.addAll(RefRetention.consumerPins(byId, refs, currentSnapshotId, properties, now));
      if (currentSnapshotId != null) {
        pinned.add(currentSnapshotId);
      }
      List<Snapshot> newestFirst = new ArrayList<>(snapshots);
      newestFirst.sort((a, b) -> Long.compare(b.sequenceNumber(), a.sequenceNumber()));
      Set<Long> keep = new HashSet<>();
      for (int i = 0; i < newestFirst.size(); i++) {
        Snapshot s = newestFirst.get(i);
        boolean young = now - s.timestampMillis() <= maxAgeMillis;
        if (pinned.contains(s.snapshotId())
            || i < Math.max(1, minKeep)
            || (i < maxCount && young)) {
          keep.add(s.snapshotId());
        }
      }
      Set<Long> dropped = new HashSet<>();
      for (Snapshot s : snapshots) {
        if (!keep.contains(s.snapshotId())) {
          dropped.add(s.snapshotId());
        }
      }
      if (!dropped.isEmpty()) {
        snapshots.removeIf(s -> dropped.contains(s.snapshotId()));
        snapshotLog.removeIf(e -> dropped.contains(e.snapshotId()));
      }
      return dropped;
    }

    public Builder snapshotLog(List<SnapshotLogEntry> v) {
      this.snapshotLog = new ArrayList<>(v);
      return this;
    }

    public Builder metadataLog(List<MetadataLogEntry> v) {
      this.metadataLog = new ArrayList<>(v);
      return this;
    }

    /** Appends a previous metadata file to the log, keeping at most {@code max} entries. */
    public Builder addPreviousMetadata(MetadataLogEntry e, int max) {
      metadataLog.add(e);
      while (metadataLog.size() > Math.max(0, max)) {
        metadataLog.remove(0);
      }
      return this;
    }

    public Builder refs(Map<String, SnapshotRef> v) {
      this.refs = new LinkedHashMap<>(v);
      return this;
    }

    public Builder otherFields(Map<String, JsonNode> v) {
      this.otherFields = new LinkedHashMap<>(v);
      return this;
    }

    public Builder version(int v) {
      this.version = v;
      return this;
    }

    public Builder metadataFileLocation(String v) {
      this.metadataFileLocation = v;
      return this;
    }

    public TableMetadata build() {
      return new TableMetadata(this);
    }
  }
}
