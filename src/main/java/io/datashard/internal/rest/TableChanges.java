package io.datashard.internal.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.internal.meta.PartitionSpec;
import io.datashard.internal.meta.SnapshotRef;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.internal.meta.TableMetadataParser;
import io.datashard.storage.Locations;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * The requirements and updates of one Iceberg REST table commit ({@code CommitTableRequest}),
 * checked and applied to a table's metadata. Requirements are checked against the version the
 * commit is built on, under the commit lock, on every attempt; a failed one is a 409 {@code
 * CommitFailedException}, which Iceberg clients answer by refreshing and retrying. Updates that
 * DataShard does not write (format v3 features, encryption keys) are a 400 that names them.
 */
final class TableChanges {
  /** The summary key that records the idempotency key of the request that added a snapshot. */
  static final String IDEMPOTENCY_SUMMARY_KEY = "datashard.rest.idempotency-key";

  private static final int MAX_FORMAT_VERSION = 2;

  private final List<JsonNode> requirements;
  private final List<JsonNode> updates;

  private TableChanges(List<JsonNode> requirements, List<JsonNode> updates) {
    this.requirements = requirements;
    this.updates = updates;
  }

  /** Reads the {@code requirements} and {@code updates} of a commit request. */
  static TableChanges parse(JsonNode request) {
    if (request == null || !request.isObject()) {
      throw RestException.badRequest(
          "Invalid commit request: the body must be a JSON object with 'requirements' and "
              + "'updates' arrays.");
    }
    return new TableChanges(
        list(request, "requirements", "type"), list(request, "updates", "action"));
  }

  private static List<JsonNode> list(JsonNode request, String field, String kind) {
    JsonNode arr = request.get(field);
    List<JsonNode> out = new ArrayList<>();
    if (arr == null || arr.isNull()) {
      throw RestException.badRequest(
          "Invalid commit request: '" + field + "' is missing; send an array (it may be empty).");
    }
    if (!arr.isArray()) {
      throw RestException.badRequest(
          "Invalid commit request: '" + field + "' must be an array, got " + brief(arr));
    }
    for (JsonNode n : arr) {
      if (!n.isObject() || !n.path(kind).isTextual()) {
        throw RestException.badRequest(
            "Invalid commit request: every entry of '"
                + field
                + "' must be an object with a '"
                + kind
                + "' string, got "
                + brief(n));
      }
      out.add(n);
    }
    return out;
  }

  /** True if the commit creates the table ({@code assert-create}). */
  boolean createsTable() {
    for (JsonNode r : requirements) {
      if ("assert-create".equals(r.get("type").textValue())) {
        return true;
      }
    }
    return false;
  }

  /** True if the commit adds a snapshot. */
  boolean addsSnapshot() {
    for (JsonNode u : updates) {
      if ("add-snapshot".equals(u.get("action").textValue())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Checks every requirement against {@code base} (null: the table does not exist).
   *
   * @throws RestException 409 CommitFailedException for a requirement that does not hold
   */
  void check(TableMetadata base, String table) {
    for (JsonNode r : requirements) {
      String type = r.get("type").textValue();
      if (type.equals("assert-create")) {
        if (base != null) {
          throw failed(table, "the table already exists (assert-create)");
        }
        continue;
      }
      if (base == null) {
        throw RestException.noSuchTable("Table does not exist: " + table);
      }
      switch (type) {
        case "assert-table-uuid" -> {
          String uuid = text(r, "uuid");
          if (!uuid.equalsIgnoreCase(base.tableUuid())) {
            throw failed(
                table,
                "its UUID is " + base.tableUuid() + ", not " + uuid + " (assert-table-uuid)");
          }
        }
        case "assert-ref-snapshot-id" -> {
          String ref = text(r, "ref");
          JsonNode id = r.get("snapshot-id");
          SnapshotRef now = base.refs().get(ref);
          if (id == null || id.isNull()) {
            if (now != null) {
              throw failed(
                  table,
                  "branch or tag '"
                      + ref
                      + "' was created meanwhile, at snapshot "
                      + now.snapshotId()
                      + " (assert-ref-snapshot-id)");
            }
          } else {
            long want = longValue(r, "snapshot-id");
            if (now == null) {
              throw failed(table, "branch or tag '" + ref + "' no longer exists");
            }
            if (now.snapshotId() != want) {
              throw failed(
                  table,
                  "branch '"
                      + ref
                      + "' moved from snapshot "
                      + want
                      + " to "
                      + now.snapshotId()
                      + " (another writer committed first)");
            }
          }
        }
        case "assert-last-assigned-field-id" ->
            expect(table, type, intValue(r, "last-assigned-field-id"), base.lastColumnId());
        case "assert-current-schema-id" ->
            expect(table, type, intValue(r, "current-schema-id"), base.currentSchemaId());
        case "assert-last-assigned-partition-id" ->
            expect(table, type, intValue(r, "last-assigned-partition-id"), base.lastPartitionId());
        case "assert-default-spec-id" ->
            expect(table, type, intValue(r, "default-spec-id"), base.defaultSpecId());
        case "assert-default-sort-order-id" ->
            expect(table, type, intValue(r, "default-sort-order-id"), base.defaultSortOrderId());
        default ->
            throw RestException.badRequest(
                "Unknown commit requirement '" + type + "' for table " + table + ".");
      }
    }
  }

  private static void expect(String table, String type, int want, int actual) {
    if (want != actual) {
      throw failed(table, type + " expected " + want + " but the table has " + actual);
    }
  }

  private static RestException failed(String table, String why) {
    return RestException.commitFailed(
        "Requirement failed for table " + table + ": " + why + ". Refresh the table and retry.");
  }

  /**
   * Applies the updates to {@code base} (null: a table created by this commit at {@code location}).
   *
   * @param idempotencyKey recorded in the summary of an added snapshot, or null
   */
  TableMetadata.Builder apply(
      TableMetadata base, String location, String table, String idempotencyKey) {
    Draft d = base == null ? Draft.empty(location) : Draft.of(base);
    for (JsonNode u : updates) {
      d.apply(u, location, table, idempotencyKey);
    }
    return d.finish(base, table);
  }

  /**
   * The next version of an existing table built on {@code base}: requirements checked, updates
   * applied (a table whose recorded location is elsewhere, say a moved one, keeps it), as a commit
   * that adds a snapshot or one that changes metadata only.
   */
  io.datashard.internal.commit.Update<Void> nextVersion(
      TableMetadata base, String folder, String table, String idempotencyKey) {
    check(base, table);
    String location = sameLocation(base.location(), folder) ? folder : base.location();
    TableMetadata.Builder next = apply(base, location, table, idempotencyKey);
    return addsSnapshot()
        ? io.datashard.internal.commit.Update.snapshot(next, null)
        : io.datashard.internal.commit.Update.metadata(next, null);
  }

  /** The mutable state of metadata while updates are applied. */
  private static final class Draft {
    int formatVersion;
    String uuid;
    String location;
    long lastSequenceNumber;
    long lastUpdatedMillis;
    int lastColumnId;
    List<Schema> schemas = new ArrayList<>();
    Integer currentSchemaId;
    List<PartitionSpec> specs = new ArrayList<>();
    Integer defaultSpecId;
    int lastPartitionId = PartitionSpec.FIRST_FIELD_ID - 1;
    List<JsonNode> sortOrders = new ArrayList<>();
    Integer defaultSortOrderId;
    Map<String, String> properties = new LinkedHashMap<>();
    List<Snapshot> snapshots = new ArrayList<>();
    List<TableMetadata.SnapshotLogEntry> snapshotLog = new ArrayList<>();
    Map<String, SnapshotRef> refs = new LinkedHashMap<>();
    Map<String, JsonNode> other = new LinkedHashMap<>();
    Integer lastAddedSchema;
    Integer lastAddedSpec;
    Integer lastAddedOrder;
    boolean created;

    static Draft empty(String location) {
      Draft d = new Draft();
      d.created = true;
      d.formatVersion = MAX_FORMAT_VERSION;
      d.uuid = UUID.randomUUID().toString();
      d.location = location;
      return d;
    }

    static Draft of(TableMetadata m) {
      Draft d = new Draft();
      d.formatVersion = m.formatVersion();
      d.uuid = m.tableUuid();
      d.location = m.location();
      d.lastSequenceNumber = m.lastSequenceNumber();
      d.lastUpdatedMillis = m.lastUpdatedMillis();
      d.lastColumnId = m.lastColumnId();
      d.schemas.addAll(m.schemas());
      d.currentSchemaId = m.currentSchemaId();
      d.specs.addAll(m.specs());
      d.defaultSpecId = m.defaultSpecId();
      d.lastPartitionId = m.lastPartitionId();
      d.sortOrders.addAll(m.sortOrders());
      d.defaultSortOrderId = m.defaultSortOrderId();
      d.properties.putAll(m.properties());
      d.snapshots.addAll(m.snapshots());
      d.snapshotLog.addAll(m.snapshotLog());
      d.refs.putAll(m.refs());
      d.other.putAll(m.otherFields());
      return d;
    }

    void apply(JsonNode u, String tableLocation, String table, String idempotencyKey) {
      String action = u.get("action").textValue();
      try {
        switch (action) {
          case "assign-uuid" -> {
            String v = text(u, "uuid");
            if (!created && !v.equalsIgnoreCase(uuid)) {
              throw RestException.badRequest(
                  "Cannot assign UUID " + v + " to table " + table + ": it has UUID " + uuid + ".");
            }
            UUID.fromString(v);
            uuid = v;
          }
          case "upgrade-format-version" -> upgrade(intValue(u, "format-version"), table);
          case "add-schema" -> addSchema(u);
          case "set-current-schema" -> {
            int id = intValue(u, "schema-id");
            currentSchemaId = resolve(id, lastAddedSchema, "schema", table);
            if (schema(currentSchemaId) == null) {
              throw RestException.badRequest(
                  "Cannot set current schema of " + table + ": no schema " + id + ".");
            }
          }
          case "add-spec" -> addSpec(required(u, "spec"), table);
          case "set-default-spec" -> {
            int id = intValue(u, "spec-id");
            defaultSpecId = resolve(id, lastAddedSpec, "partition spec", table);
            if (spec(defaultSpecId) == null) {
              throw RestException.badRequest(
                  "Cannot set default partition spec of " + table + ": no spec " + id + ".");
            }
          }
          case "add-sort-order" -> addSortOrder(required(u, "sort-order"), table);
          case "set-default-sort-order" -> {
            int id = intValue(u, "sort-order-id");
            defaultSortOrderId = resolve(id, lastAddedOrder, "sort order", table);
            if (order(defaultSortOrderId) == null) {
              throw RestException.badRequest(
                  "Cannot set default sort order of " + table + ": no sort order " + id + ".");
            }
          }
          case "add-snapshot" -> addSnapshot(required(u, "snapshot"), table, idempotencyKey);
          case "remove-snapshots" -> {
            Set<Long> ids = new HashSet<>();
            for (JsonNode n : array(u, "snapshot-ids")) {
              ids.add(n.asLong());
            }
            snapshots.removeIf(s -> ids.contains(s.snapshotId()));
            snapshotLog.removeIf(e -> ids.contains(e.snapshotId()));
            refs.values().removeIf(r -> ids.contains(r.snapshotId()));
          }
          case "set-snapshot-ref" -> setRef(u, table);
          case "remove-snapshot-ref" -> refs.remove(text(u, "ref-name"));
          case "set-properties" -> {
            JsonNode map = required(u, "updates");
            if (!map.isObject()) {
              throw RestException.badRequest("set-properties: 'updates' must be an object.");
            }
            Iterator<Map.Entry<String, JsonNode>> it = map.fields();
            while (it.hasNext()) {
              Map.Entry<String, JsonNode> e = it.next();
              String value = e.getValue().asText();
              if (e.getKey().equals("format-version")) {
                upgrade(parseInt(value, "format-version"), table);
              } else {
                properties.put(e.getKey(), value);
              }
            }
          }
          case "remove-properties" -> {
            for (JsonNode n : array(u, "removals")) {
              properties.remove(n.asText());
            }
          }
          case "set-location" -> {
            String v = text(u, "location");
            if (!sameLocation(v, tableLocation)) {
              throw RestException.badRequest(
                  "Cannot set the location of "
                      + table
                      + " to "
                      + v
                      + ": a table of this catalog lives in its warehouse folder "
                      + tableLocation
                      + ". Leave the location out, or rename the table.");
            }
            location = created ? tableLocation : location;
          }
          case "set-statistics" -> setStatistics("statistics", required(u, "statistics"));
          case "remove-statistics" -> removeStatistics("statistics", longValue(u, "snapshot-id"));
          case "set-partition-statistics" ->
              setStatistics("partition-statistics", required(u, "partition-statistics"));
          case "remove-partition-statistics" ->
              removeStatistics("partition-statistics", longValue(u, "snapshot-id"));
          case "remove-partition-specs" -> {
            for (JsonNode n : array(u, "spec-ids")) {
              int id = n.asInt();
              if (Objects.equals(defaultSpecId, id)) {
                throw RestException.badRequest(
                    "Cannot remove partition spec " + id + " of " + table + ": it is the default.");
              }
              specs.removeIf(s -> s.specId() == id);
            }
          }
          case "remove-schemas" -> {
            for (JsonNode n : array(u, "schema-ids")) {
              int id = n.asInt();
              if (Objects.equals(currentSchemaId, id)) {
                throw RestException.badRequest(
                    "Cannot remove schema " + id + " of " + table + ": it is the current one.");
              }
              schemas.removeIf(s -> s.schemaId() == id);
            }
          }
          default ->
              throw RestException.badRequest(
                  "Update '"
                      + action
                      + "' for table "
                      + table
                      + " is not supported: DataShard writes Iceberg format v2 tables and does not "
                      + "apply this change.");
        }
      } catch (IllegalArgumentException | IllegalStateException e) {
        throw RestException.badRequest(
            "Invalid update '" + action + "' for table " + table + ": " + e.getMessage());
      }
    }

    private void upgrade(int version, String table) {
      if (version > MAX_FORMAT_VERSION) {
        throw RestException.badRequest(
            "Cannot use format version "
                + version
                + " for table "
                + table
                + ": DataShard reads and writes Iceberg format v2 (and v1 tables). Use "
                + "format-version 2.");
      }
      if (version < formatVersion && !created) {
        throw RestException.badRequest(
            "Cannot downgrade table " + table + " from format " + formatVersion + " to " + version);
      }
      formatVersion = created ? Math.max(version, 1) : version;
    }

    private Integer resolve(int id, Integer lastAdded, String what, String table) {
      if (id != -1) {
        return id;
      }
      if (lastAdded == null) {
        throw RestException.badRequest(
            "Cannot use the last added " + what + " of " + table + ": none was added.");
      }
      return lastAdded;
    }

    private Schema schema(int id) {
      for (Schema s : schemas) {
        if (s.schemaId() == id) {
          return s;
        }
      }
      return null;
    }

    private PartitionSpec spec(int id) {
      for (PartitionSpec s : specs) {
        if (s.specId() == id) {
          return s;
        }
      }
      return null;
    }

    private JsonNode order(int id) {
      for (JsonNode o : sortOrders) {
        if (o.path("order-id").asInt(-1) == id) {
          return o;
        }
      }
      return null;
    }

    private void addSchema(JsonNode u) {
      Schema s = TableMetadataParser.parseSchema(required(u, "schema"));
      for (Schema existing : schemas) {
        if (existing.sameColumns(s)
            && existing.identifierFieldIds().equals(s.identifierFieldIds())) {
          lastAddedSchema = existing.schemaId();
          return;
        }
      }
      int id = 0;
      for (Schema existing : schemas) {
        id = Math.max(id, existing.schemaId() + 1);
      }
      Schema added = s.withSchemaId(id);
      schemas.add(added);
      lastAddedSchema = id;
      int last = u.hasNonNull("last-column-id") ? intValue(u, "last-column-id") : 0;
      lastColumnId = Math.max(lastColumnId, Math.max(last, added.highestFieldId()));
    }

    private void addSpec(JsonNode n, String table) {
      if (!n.isObject()) {
        throw RestException.badRequest("add-spec: 'spec' must be an object.");
      }
      ObjectNode copy = ((ObjectNode) n).deepCopy();
      if (!copy.has("spec-id")) {
        copy.put("spec-id", 0);
      }
      ArrayNode fields = copy.withArray("fields");
      int next = lastPartitionId + 1;
      for (JsonNode f : fields) {
        if (!f.has("field-id") && f instanceof ObjectNode o) {
          o.put("field-id", next++);
        }
      }
      PartitionSpec parsed = TableMetadataParser.parseSpec(copy);
      for (PartitionSpec.Field f : parsed.fields()) {
        boolean found = false;
        for (Schema s : schemas) {
          found |= s.findField(f.sourceId()) != null;
        }
        if (!found) {
          throw RestException.badRequest(
              "Invalid partition spec for "
                  + table
                  + ": field '"
                  + f.name()
                  + "' has source-id "
                  + f.sourceId()
                  + ", which no schema of the table has.");
        }
      }
      for (PartitionSpec existing : specs) {
        if (existing.fields().equals(parsed.fields())) {
          lastAddedSpec = existing.specId();
          return;
        }
      }
      int id = 0;
      for (PartitionSpec existing : specs) {
        id = Math.max(id, existing.specId() + 1);
      }
      PartitionSpec added = new PartitionSpec(id, parsed.fields());
      specs.add(added);
      lastAddedSpec = id;
      lastPartitionId = Math.max(lastPartitionId, added.lastAssignedFieldId());
    }

    private void addSortOrder(JsonNode n, String table) {
      if (!n.isObject() || !n.path("fields").isArray()) {
        throw RestException.badRequest(
            "add-sort-order for " + table + ": 'sort-order' must be an object with 'fields'.");
      }
      JsonNode fields = n.get("fields");
      for (JsonNode o : sortOrders) {
        if (o.path("fields").equals(fields)) {
          lastAddedOrder = o.path("order-id").asInt();
          return;
        }
      }
      int id = fields.isEmpty() ? 0 : 1;
      for (JsonNode o : sortOrders) {
        id = Math.max(id, fields.isEmpty() ? 0 : o.path("order-id").asInt() + 1);
      }
      ObjectNode added = JsonNodeFactory.instance.objectNode();
      added.put("order-id", id);
      added.set("fields", fields.deepCopy());
      sortOrders.add(added);
      lastAddedOrder = id;
    }

    private void addSnapshot(JsonNode n, String table, String idempotencyKey) {
      Snapshot s = TableMetadataParser.parseSnapshot(n);
      for (Snapshot existing : snapshots) {
        if (existing.snapshotId() == s.snapshotId()) {
          throw RestException.commitFailed(
              "Cannot add snapshot "
                  + s.snapshotId()
                  + " to "
                  + table
                  + ": a snapshot with that id exists. Refresh the table and retry.");
        }
      }
      if (formatVersion >= 2 && s.sequenceNumber() <= lastSequenceNumber && !created) {
        throw RestException.commitFailed(
            "Cannot add snapshot "
                + s.snapshotId()
                + " to "
                + table
                + ": its sequence number "
                + s.sequenceNumber()
                + " is not above the table's "
                + lastSequenceNumber
                + " (another writer committed first). Refresh the table and retry.");
      }
      if (idempotencyKey != null) {
        Map<String, String> summary = new LinkedHashMap<>(s.summary());
        summary.put(IDEMPOTENCY_SUMMARY_KEY, idempotencyKey);
        s =
            new Snapshot(
                s.snapshotId(),
                s.parentId(),
                s.sequenceNumber(),
                s.timestampMillis(),
                s.manifestList(),
                summary,
                s.schemaId());
      }
      snapshots.add(s);
      lastSequenceNumber = Math.max(lastSequenceNumber, s.sequenceNumber());
      lastUpdatedMillis = Math.max(lastUpdatedMillis, s.timestampMillis());
    }

    private void setRef(JsonNode u, String table) {
      String name = text(u, "ref-name");
      String type = text(u, "type").toLowerCase(java.util.Locale.ROOT);
      if (!type.equals("branch") && !type.equals("tag")) {
        throw RestException.badRequest(
            "set-snapshot-ref '" + name + "': type must be 'branch' or 'tag', got '" + type + "'.");
      }
      long id = longValue(u, "snapshot-id");
      Snapshot target = null;
      for (Snapshot s : snapshots) {
        if (s.snapshotId() == id) {
          target = s;
        }
      }
      if (target == null) {
        throw RestException.badRequest(
            "Cannot point '"
                + name
                + "' of "
                + table
                + " at snapshot "
                + id
                + ": no such snapshot.");
      }
      if (name.equals(SnapshotRef.MAIN) && type.equals("tag")) {
        throw RestException.badRequest("Cannot make 'main' of " + table + " a tag.");
      }
      SnapshotRef before = refs.get(name);
      refs.put(
          name,
          new SnapshotRef(
              id,
              type,
              u.hasNonNull("min-snapshots-to-keep") ? intValue(u, "min-snapshots-to-keep") : null,
              u.hasNonNull("max-snapshot-age-ms") ? longValue(u, "max-snapshot-age-ms") : null,
              u.hasNonNull("max-ref-age-ms") ? longValue(u, "max-ref-age-ms") : null));
      if (name.equals(SnapshotRef.MAIN) && (before == null || before.snapshotId() != id)) {
        snapshotLog.add(
            new TableMetadata.SnapshotLogEntry(
                Math.max(target.timestampMillis(), System.currentTimeMillis()), id));
      }
    }

    private void setStatistics(String field, JsonNode stats) {
      long id = longValue(stats, "snapshot-id");
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      JsonNode old = other.get(field);
      if (old != null && old.isArray()) {
        for (JsonNode n : old) {
          if (n.path("snapshot-id").asLong() != id) {
            out.add(n);
          }
        }
      }
      out.add(stats);
      other.put(field, out);
    }

    private void removeStatistics(String field, long id) {
      JsonNode old = other.get(field);
      if (old == null || !old.isArray()) {
        return;
      }
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      for (JsonNode n : old) {
        if (n.path("snapshot-id").asLong() != id) {
          out.add(n);
        }
      }
      other.put(field, out);
    }

    TableMetadata.Builder finish(TableMetadata base, String table) {
      if (schemas.isEmpty() || currentSchemaId == null) {
        throw RestException.badRequest(
            "Cannot create table " + table + ": the commit adds no schema (add-schema).");
      }
      if (specs.isEmpty()) {
        specs.add(PartitionSpec.unpartitioned());
        defaultSpecId = 0;
      }
      if (defaultSpecId == null) {
        defaultSpecId = specs.get(0).specId();
      }
      if (sortOrders.isEmpty()) {
        ObjectNode unsorted = JsonNodeFactory.instance.objectNode();
        unsorted.put("order-id", 0);
        unsorted.putArray("fields");
        sortOrders.add(unsorted);
      }
      if (defaultSortOrderId == null) {
        defaultSortOrderId = sortOrders.get(0).path("order-id").asInt();
      }
      SnapshotRef main = refs.get(SnapshotRef.MAIN);
      Long current = main == null ? null : main.snapshotId();
      TableMetadata.Builder b =
          base == null ? TableMetadata.builder() : TableMetadata.buildFrom(base);
      long now = System.currentTimeMillis();
      long floor = base == null ? 0 : base.lastUpdatedMillis();
      return b.formatVersion(formatVersion)
          .tableUuid(uuid)
          .location(location)
          .lastSequenceNumber(lastSequenceNumber)
          .lastUpdatedMillis(Math.max(now, Math.max(floor, lastUpdatedMillis)))
          .lastColumnId(lastColumnId)
          .schemas(schemas)
          .currentSchemaId(currentSchemaId)
          .specs(specs)
          .defaultSpecId(defaultSpecId)
          .lastPartitionId(lastPartitionId)
          .sortOrders(sortOrders)
          .defaultSortOrderId(defaultSortOrderId)
          .properties(properties)
          .snapshots(snapshots)
          .currentSnapshotId(current)
          .snapshotLog(snapshotLog)
          .refs(refs)
          .otherFields(other);
    }
  }

  /** True if two locations name the same folder ({@code file:} and a trailing slash aside). */
  static boolean sameLocation(String a, String b) {
    return strip(a).equals(strip(b));
  }

  private static String strip(String location) {
    String s = Locations.stripFileScheme(location);
    while (s.length() > 1 && s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return s;
  }

  // ------------------------------------------------------------------ field helpers

  static JsonNode required(JsonNode n, String key) {
    JsonNode v = n.get(key);
    if (v == null || v.isNull()) {
      throw RestException.badRequest("Missing field '" + key + "' in " + brief(n));
    }
    return v;
  }

  static String text(JsonNode n, String key) {
    JsonNode v = required(n, key);
    if (!v.isTextual()) {
      throw RestException.badRequest("Field '" + key + "' must be a string, got " + brief(v));
    }
    return v.textValue();
  }

  static int intValue(JsonNode n, String key) {
    JsonNode v = required(n, key);
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw RestException.badRequest("Field '" + key + "' must be an integer, got " + brief(v));
    }
    return v.intValue();
  }

  static long longValue(JsonNode n, String key) {
    JsonNode v = required(n, key);
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw RestException.badRequest(
          "Field '" + key + "' must be a 64-bit integer, got " + brief(v));
    }
    return v.longValue();
  }

  static JsonNode array(JsonNode n, String key) {
    JsonNode v = required(n, key);
    if (!v.isArray()) {
      throw RestException.badRequest("Field '" + key + "' must be an array, got " + brief(v));
    }
    return v;
  }

  private static int parseInt(String s, String key) {
    try {
      return Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      throw RestException.badRequest("Property '" + key + "' must be an integer, got '" + s + "'");
    }
  }

  static String brief(JsonNode n) {
    String s = String.valueOf(n);
    return s.length() > 200 ? s.substring(0, 197) + "..." : s;
  }
}
