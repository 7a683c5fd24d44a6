package io.datashard.internal.meta;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datashard.CorruptTableException;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Type;
import io.datashard.Types;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.WeakHashMap;
import java.util.function.LongFunction;

/**
 * Reads and writes Iceberg table metadata JSON (format version 2), key by key as the spec names
 * them. Unknown top-level keys are kept and written back unchanged.
 */
public final class TableMetadataParser {
  /** The highest table format version this reader understands. */
  public static final int MAX_FORMAT_VERSION = 2;

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonFactory FACTORY = MAPPER.getFactory();
  private static final Set<String> KNOWN =
      Set.of(
          "format-version",
          "table-uuid",
          "location",
          "last-sequence-number",
          "last-updated-ms",
          "last-column-id",
          "schema",
          "schemas",
          "current-schema-id",
          "partition-spec",
          "partition-specs",
          "default-spec-id",
          "last-partition-id",
          "sort-orders",
          "default-sort-order-id",
          "properties",
          "current-snapshot-id",
          "snapshots",
          "snapshot-log",
          "metadata-log",
          "refs");

  /**
   * The JSON text of snapshots written before. A snapshot never changes once written, and every
   * commit writes all retained snapshots again, so each one's text is made once (weak keys: an
   * entry goes with its snapshot).
   */
  private static final Map<Snapshot, String> SNAPSHOT_JSON =
      Collections.synchronizedMap(new WeakHashMap<>());

  /** The same texts in UTF-8, to recognize a known snapshot in a file by its bytes. */
  private static final Map<Snapshot, byte[]> SNAPSHOT_BYTES =
      Collections.synchronizedMap(new WeakHashMap<>());

  private TableMetadataParser() {}

  // ---------------------------------------------------------------- writing

  /** The metadata as UTF-8 JSON bytes. */
  public static byte[] toJson(TableMetadata m) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("format-version", m.formatVersion());
      g.writeStringField("table-uuid", m.tableUuid());
      g.writeStringField("location", m.location());
      g.writeNumberField("last-sequence-number", m.lastSequenceNumber());
      g.writeNumberField("last-updated-ms", m.lastUpdatedMillis());
      g.writeNumberField("last-column-id", m.lastColumnId());
      g.writeNumberField("current-schema-id", m.currentSchemaId());
      g.writeArrayFieldStart("schemas");
      for (Schema s : m.schemas()) {
        writeSchema(g, s);
      }
      g.writeEndArray();
      g.writeNumberField("default-spec-id", m.defaultSpecId());
      g.writeArrayFieldStart("partition-specs");
      for (PartitionSpec spec : m.specs()) {
        writeSpec(g, spec);
      }
      g.writeEndArray();
      g.writeNumberField("last-partition-id", m.lastPartitionId());
      g.writeNumberField("default-sort-order-id", m.defaultSortOrderId());
      g.writeArrayFieldStart("sort-orders");
      for (JsonNode n : m.sortOrders()) {
        MAPPER.writeTree(g, n);
      }
      g.writeEndArray();
      g.writeObjectFieldStart("properties");
      for (Map.Entry<String, String> e : m.properties().entrySet()) {
        g.writeStringField(e.getKey(), e.getValue());
      }
      g.writeEndObject();
      g.writeNumberField(
          "current-snapshot-id", m.currentSnapshotId() == null ? -1 : m.currentSnapshotId());
      g.writeObjectFieldStart("refs");
      for (Map.Entry<String, SnapshotRef> e : m.refs().entrySet()) {
        g.writeFieldName(e.getKey());
        writeRef(g, e.getValue());
      }
      g.writeEndObject();
      g.writeArrayFieldStart("snapshots");
      for (Snapshot s : m.snapshots()) {
        g.writeRawValue(snapshotJson(s));
      }
      g.writeEndArray();
      for (Map.Entry<String, JsonNode> e : m.otherFields().entrySet()) {
        g.writeFieldName(e.getKey());
        MAPPER.writeTree(g, e.getValue());
      }
      g.writeArrayFieldStart("snapshot-log");
      for (TableMetadata.SnapshotLogEntry e : m.snapshotLog()) {
        g.writeStartObject();
        g.writeNumberField("timestamp-ms", e.timestampMillis());
        g.writeNumberField("snapshot-id", e.snapshotId());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("metadata-log");
      for (TableMetadata.MetadataLogEntry e : m.metadataLog()) {
        g.writeStartObject();
        g.writeNumberField("timestamp-ms", e.timestampMillis());
        g.writeStringField("metadata-file", e.file());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Writes a schema object. */
  public static void writeSchema(JsonGenerator g, Schema s) throws IOException {
    g.writeStartObject();
    g.writeStringField("type", "struct");
    g.writeNumberField("schema-id", s.schemaId());
    if (!s.identifierFieldIds().isEmpty()) {
      g.writeArrayFieldStart("identifier-field-ids");
      for (int id : s.identifierFieldIds()) {
        g.writeNumber(id);
      }
      g.writeEndArray();
    }
    writeFields(g, s.asStruct());
    g.writeEndObject();
  }

  /** The schema as a JSON string, as Iceberg writes it into Avro file headers. */
  public static String schemaToJson(Schema s) {
    return writeToString(g -> writeSchema(g, s));
  }

  /** The spec's fields as a JSON array, as Iceberg writes them into manifest headers. */
  public static String specFieldsToJson(PartitionSpec spec) {
    return writeToString(g -> writeSpecFields(g, spec));
  }

  /** The whole spec as a JSON object. */
  public static String specToJson(PartitionSpec spec) {
    return writeToString(g -> writeSpec(g, spec));
  }

  private interface Writer {
    void write(JsonGenerator g) throws IOException;
  }

  private static String writeToString(Writer w) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      w.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static void writeFields(JsonGenerator g, Types.StructType struct) throws IOException {
    g.writeArrayFieldStart("fields");
    for (Types.NestedField f : struct.fields()) {
      g.writeStartObject();
      g.writeNumberField("id", f.id());
      g.writeStringField("name", f.name());
      g.writeBooleanField("required", f.isRequired());
      g.writeFieldName("type");
      writeType(g, f.type());
      if (f.doc() != null) {
        g.writeStringField("doc", f.doc());
      }
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  private static void writeType(JsonGenerator g, Type type) throws IOException {
    switch (type.typeId()) {
      case STRUCT:
        g.writeStartObject();
        g.writeStringField("type", "struct");
        writeFields(g, type.asStruct());
        g.writeEndObject();
        break;
      case LIST:
        {
          Types.ListType l = type.asList();
          g.writeStartObject();
          g.writeStringField("type", "list");
          g.writeNumberField("element-id", l.elementId());
          g.writeFieldName("element");
          writeType(g, l.elementType());
          g.writeBooleanField("element-required", l.isElementRequired());
          g.writeEndObject();
          break;
        }
      case MAP:
        {
          Types.MapType m = type.asMap();
          g.writeStartObject();
          g.writeStringField("type", "map");
          g.writeNumberField("key-id", m.keyId());
          g.writeFieldName("key");
          writeType(g, m.keyType());
          g.writeNumberField("value-id", m.valueId());
          g.writeFieldName("value");
          writeType(g, m.valueType());
          g.writeBooleanField("value-required", m.isValueRequired());
          g.writeEndObject();
          break;
        }
      default:
        g.writeString(type.toString());
    }
  }

  private static void writeSpec(JsonGenerator g, PartitionSpec spec) throws IOException {
    g.writeStartObject();
    g.writeNumberField("spec-id", spec.specId());
    g.writeFieldName("fields");
    writeSpecFields(g, spec);
    g.writeEndObject();
  }

  private static void writeSpecFields(JsonGenerator g, PartitionSpec spec) throws IOException {
    g.writeStartArray();
    for (PartitionSpec.Field f : spec.fields()) {
      g.writeStartObject();
      g.writeStringField("name", f.name());
      g.writeStringField("transform", f.transform());
      g.writeNumberField("source-id", f.sourceId());
      g.writeNumberField("field-id", f.fieldId());
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  private static void writeRef(JsonGenerator g, SnapshotRef r) throws IOException {
    g.writeStartObject();
    g.writeNumberField("snapshot-id", r.snapshotId());
    g.writeStringField("type", r.type());
    if (r.minSnapshotsToKeep() != null) {
      g.writeNumberField("min-snapshots-to-keep", r.minSnapshotsToKeep());
    }
    if (r.maxSnapshotAgeMs() != null) {
      g.writeNumberField("max-snapshot-age-ms", r.maxSnapshotAgeMs());
    }
    if (r.maxRefAgeMs() != null) {
      g.writeNumberField("max-ref-age-ms", r.maxRefAgeMs());
    }
    g.writeEndObject();
  }

  private static String snapshotJson(Snapshot s) throws IOException {
    String json = SNAPSHOT_JSON.get(s);
    if (json == null) {
      StringWriter w = new StringWriter(512);
      try (JsonGenerator g = FACTORY.createGenerator(w)) {
        writeSnapshot(g, s);
      }
      json = w.toString();
      SNAPSHOT_JSON.put(s, json);
    }
    return json;
  }

  /** The UTF-8 text of a snapshot as this parser writes it, made once per snapshot. */
  private static byte[] snapshotBytes(Snapshot s) throws IOException {
    byte[] bytes = SNAPSHOT_BYTES.get(s);
    if (bytes == null) {
      bytes = snapshotJson(s).getBytes(StandardCharsets.UTF_8);
      SNAPSHOT_BYTES.put(s, bytes);
    }
    return bytes;
  }

  private static void writeSnapshot(JsonGenerator g, Snapshot s) throws IOException {
    g.writeStartObject();
    g.writeNumberField("snapshot-id", s.snapshotId());
    if (s.parentId() != null) {
      g.writeNumberField("parent-snapshot-id", s.parentId());
    }
    g.writeNumberField("sequence-number", s.sequenceNumber());
    g.writeNumberField("timestamp-ms", s.timestampMillis());
    g.writeObjectFieldStart("summary");
    for (Map.Entry<String, String> e : s.summary().entrySet()) {
      g.writeStringField(e.getKey(), e.getValue());
    }
    g.writeEndObject();
    g.writeStringField("manifest-list", s.manifestList());
    if (s.schemaId() != null) {
      g.writeNumberField("schema-id", s.schemaId());
    }
    g.writeEndObject();
  }

  // ---------------------------------------------------------------- reading

  /**
   * Parses metadata JSON.
   *
   * @param file where the bytes came from, named in errors
   * @throws CorruptTableException if the bytes are not valid table metadata, naming the file and
   *     the problem
   */
  public static TableMetadata fromJson(String file, byte[] json) {
    return fromJson(file, json, null, id -> null);
  }

  /**
   * Parses metadata JSON, reusing snapshots already parsed from an earlier version of the same
   * table: a snapshot id names one snapshot for the life of a table, so the text of a known one is
   * skipped rather than parsed again (each commit rewrites every retained snapshot).
   *
   * @param tableUuid the uuid of the table {@code known} comes from: snapshots are reused only if
   *     the file names the same table before its snapshots
   * @param known the snapshot with a given id in an earlier version of this table, or null
   */
  public static TableMetadata fromJson(
      String file, byte[] json, String tableUuid, LongFunction<Snapshot> known) {
    if (tableUuid != null) {
      TableMetadata quick = withKnownSnapshots(file, json, tableUuid, known);
      if (quick != null) {
        return quick;
      }
    }
    return fromJson(file, json, tableUuid, known, null);
  }

  /**
   * Parses metadata whose known snapshots are found by scanning bytes, not tokens (a commit's file
   * differs from the one before it by one snapshot or so): one pass over the top-level object jumps
   * over each known snapshot whose text is exactly the one DataShard writes for it, and reads the
   * two logs in the form DataShard writes them. Null when the text is not in that form, is of
   * another table, or reuses nothing: the general parse then runs and names any problem.
   */
  private static TableMetadata withKnownSnapshots(
      String file, byte[] json, String tableUuid, LongFunction<Snapshot> known) {
    Parsed lists = new Parsed();
    int[][] cut = new int[3][];
    int cuts = 0;
    boolean reused = false;
    boolean uuidChecked = false;
    int i = JsonSlices.skipSpace(json, 0);
    if (i >= json.length || json[i] != '{') {
      return null;
    }
    i = JsonSlices.skipSpace(json, i + 1);
    while (i < json.length && json[i] == '"') {
      int nameEnd = JsonSlices.skipString(json, i);
      if (nameEnd < 0) {
        return null;
      }
      String name = new String(json, i + 1, nameEnd - i - 2, StandardCharsets.UTF_8);
      i = JsonSlices.skipSpace(json, nameEnd);
      if (i >= json.length || json[i] != ':') {
        return null;
      }
      int start = JsonSlices.skipSpace(json, i + 1);
      int end;
      boolean read = true; // read here, and cut out of the text the general parse gets
      if (name.equals("snapshots") && lists.snapshots == null) {
        if (!uuidChecked) {
          return null; // the table's uuid comes first in DataShard's and Iceberg's files
        }
        List<Snapshot> snapshots = new ArrayList<>();
        int[] reusedCount = {0};
        end = quickSnapshots(json, start, known, snapshots, reusedCount);
        reused = reusedCount[0] > 0;
        lists.snapshots = snapshots;
      } else if (name.equals("snapshot-log") && lists.snapshotLog == null) {
        List<TableMetadata.SnapshotLogEntry> log = new ArrayList<>();
        end = quickLog(json, start, LOG_SNAPSHOT, log);
        lists.snapshotLog = log;
      } else if (name.equals("metadata-log") && lists.metadataLog == null) {
        List<TableMetadata.MetadataLogEntry> log = new ArrayList<>();
        end = quickLog(json, start, LOG_METADATA, log);
        lists.metadataLog = log;
      } else {
        if (name.equals("snapshots")
            || name.equals("snapshot-log")
            || name.equals("metadata-log")) {
          return null; // a key given twice: the general parse decides
        }
        read = false;
        end = JsonSlices.skipValue(json, start);
        if (name.equals("table-uuid") && end > 0) {
          if (!("\"" + tableUuid + "\"")
              .equals(new String(json, start, end - start, StandardCharsets.UTF_8))) {
            return null;
          }
          uuidChecked = true;
        }
      }
      if (end < 0) {
        return null;
      }
      if (read) {
        cut[cuts++] = new int[] {start, end};
      }
      i = JsonSlices.skipSpace(json, end);
      if (i < json.length && json[i] == ',') {
        i = JsonSlices.skipSpace(json, i + 1);
      } else {
        break;
      }
    }
    if (!reused || !uuidChecked || i >= json.length || json[i] != '}') {
      return null;
    }
    // the rest of the file, with empty arrays in place of those just read
    int removed = 0;
    for (int c = 0; c < cuts; c++) {
      removed += cut[c][1] - cut[c][0] - 2;
    }
    byte[] rest = new byte[json.length - removed];
    int from = 0;
    int to = 0;
    for (int c = 0; c < cuts; c++) {
      System.arraycopy(json, from, rest, to, cut[c][0] - from);
      to += cut[c][0] - from;
      rest[to++] = '[';
      rest[to++] = ']';
      from = cut[c][1];
    }
    System.arraycopy(json, from, rest, to, json.length - from);
    return fromJson(file, rest, null, id -> null, lists);
  }

  /**
   * Reads a snapshots array starting at {@code i}: known snapshots by comparing bytes (counted in
   * {@code reused[0]}), others with the JSON parser. Returns the index after the array, or -1.
   */
  private static int quickSnapshots(
      byte[] json, int i, LongFunction<Snapshot> known, List<Snapshot> out, int[] reused) {
    if (i >= json.length || json[i] != '[') {
      return -1;
    }
    i = JsonSlices.skipSpace(json, i + 1);
    if (i < json.length && json[i] == ']') {
      return i + 1;
    }
    while (i < json.length) {
      if (json[i] != '{') {
        return -1;
      }
      Long id = JsonSlices.leadingSnapshotId(json, i, json.length);
      Snapshot seen = id == null ? null : known.apply(id);
      int end;
      if (seen != null) {
        byte[] text = bytesOf(seen);
        end = text == null ? -1 : i + text.length;
        if (end < 0 || end > json.length || !Arrays.equals(json, i, end, text, 0, text.length)) {
          return -1; // written another way (another writer, or damaged)
        }
        out.add(seen); // byte for byte the text of a snapshot already read: nothing to parse
        reused[0]++;
      } else {
        end = JsonSlices.skipValue(json, i);
        if (end < 0) {
          return -1;
        }
        try (JsonParser p = FACTORY.createParser(json, i, end - i)) {
          out.add(parseSnapshot(MAPPER.readTree(p)));
        } catch (IOException | RuntimeException e) {
          return -1;
        }
      }
      i = JsonSlices.skipSpace(json, end);
      if (i < json.length && json[i] == ',') {
        i = JsonSlices.skipSpace(json, i + 1);
      } else if (i < json.length && json[i] == ']') {
        return i + 1;
      } else {
        return -1;
      }
    }
    return -1;
  }

  private static final byte[] LOG_TIMESTAMP = "{\"timestamp-ms\":".getBytes(StandardCharsets.UTF_8);
  private static final byte[] LOG_SNAPSHOT = ",\"snapshot-id\":".getBytes(StandardCharsets.UTF_8);
  private static final byte[] LOG_METADATA =
      ",\"metadata-file\":\"".getBytes(java.nio.charset.StandardCharsets.UTF_8);

  /**
   * Reads a snapshot-log or metadata-log array in the exact form DataShard writes ({@code
   * {"timestamp-ms":N,"snapshot-id":N}} or {@code {"timestamp-ms":N,"metadata-file":"..."}}, no
   * spaces, no escapes in file names). Returns the index after the array, or -1.
   */
  @SuppressWarnings("unchecked")
  private static <E> int quickLog(byte[] json, int i, byte[] second, List<E> out) {
    if (i >= json.length || json[i] != '[') {
      return -1;
    }
    i++;
    if (i < json.length && json[i] == ']') {
      return i + 1;
    }
    while (true) {
      if (!startsWith(json, i, LOG_TIMESTAMP)) {
        return -1;
      }
      i += LOG_TIMESTAMP.length;
      int numberEnd = digitsEnd(json, i);
      if (numberEnd < 0 || !startsWith(json, numberEnd, second)) {
        return -1;
      }
      Long timestamp = parseLong(json, i, numberEnd);
      if (timestamp == null) {
        return -1;
      }
      i = numberEnd + second.length;
      if (second == LOG_SNAPSHOT) {
        int idEnd = digitsEnd(json, i);
        Long id = idEnd < 0 ? null : parseLong(json, i, idEnd);
        if (id == null) {
          return -1;
        }
        out.add((E) new TableMetadata.SnapshotLogEntry(timestamp, id));
        i = idEnd;
      } else {
        int close = i;
        while (close < json.length && json[close] != '"' && json[close] != '\\') {
          close++;
        }
        if (close >= json.length || json[close] != '"') {
          return -1;
        }
        out.add(
            (E)
                new TableMetadata.MetadataLogEntry(
                    timestamp, new String(json, i, close - i, StandardCharsets.UTF_8)));
        i = close + 1;
      }
      if (i + 1 >= json.length || json[i] != '}') {
        return -1;
      }
      i++;
      if (json[i] == ']') {
        return i + 1;
      }
      if (json[i] != ',') {
        return -1;
      }
      i++;
    }
  }

  private static boolean startsWith(byte[] json, int at, byte[] prefix) {
    return at + prefix.length <= json.length
        && Arrays.equals(json, at, at + prefix.length, prefix, 0, prefix.length);
  }

  /** The end of an optionally negative run of 1 to 19 digits at {@code i}, or -1. */
  private static int digitsEnd(byte[] json, int i) {
    if (i < json.length && json[i] == '-') {
      i++;
    }
    int digitsStart = i;
    while (i < json.length && json[i] >= '0' && json[i] <= '9') {
      i++;
    }
    return i == digitsStart || i - digitsStart > 19 ? -1 : i;
  }

  /** The 64-bit integer written from {@code start} to {@code end}, or null if it does not fit. */
  private static Long parseLong(byte[] json, int start, int end) {
    try {
      return Long.parseLong(new String(json, start, end - start, StandardCharsets.ISO_8859_1));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The UTF-8 text DataShard writes for a snapshot, or null if it cannot be made. */
  private static byte[] bytesOf(Snapshot s) {
    try {
      return snapshotBytes(s);
    } catch (IOException e) {
      return null;
    }
  }

  private static TableMetadata fromJson(
      String file, byte[] json, String tableUuid, LongFunction<Snapshot> known, Parsed read) {
    ObjectNode root = MAPPER.createObjectNode();
    Parsed lists = new Parsed();
    try (JsonParser p = FACTORY.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new CorruptTableException(
            "Table metadata file "
                + file
                + " does not hold a JSON object"
                + " (it is empty or holds another kind of value); it is damaged.");
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (value == JsonToken.START_ARRAY && name.equals("snapshots")) {
          boolean sameTable =
              tableUuid != null && tableUuid.equals(root.path("table-uuid").textValue());
          lists.snapshots = readSnapshots(p, sameTable ? known : id -> null);
        } else if (value == JsonToken.START_ARRAY && name.equals("snapshot-log")) {
          lists.snapshotLog = readLog(p, name, "snapshot-id");
        } else if (value == JsonToken.START_ARRAY && name.equals("metadata-log")) {
          lists.metadataLog = readLog(p, name, "metadata-file");
        } else {
          root.set(name, MAPPER.readTree(p));
        }
      }
      if (t != JsonToken.END_OBJECT) {
        throw new CorruptTableException(
            "Table metadata file "
                + file
                + " ends before its JSON object does; "
                + "the file is damaged or truncated. Restore it from a backup, or remove it only if it is the newest "
                + "version and was never acknowledged.");
      }
    } catch (JsonProcessingException e) {
      throw new CorruptTableException(
          "Table metadata file "
              + file
              + " is not valid JSON ("
              + e.getOriginalMessage()
              + " at "
              + location(e)
              + "). The file is damaged or truncated; restore it "
              + "from a backup, or remove it only if it is the newest version and was never acknowledged.");
    } catch (IOException e) {
      throw new CorruptTableException(
          "Could not parse table metadata file " + file + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new CorruptTableException(
          "Table metadata file " + file + " is not valid Iceberg table metadata: " + e.getMessage(),
          e);
    }
    if (read != null) {
      lists.snapshots = read.snapshots != null ? read.snapshots : lists.snapshots;
      lists.snapshotLog = read.snapshotLog != null ? read.snapshotLog : lists.snapshotLog;
      lists.metadataLog = read.metadataLog != null ? read.metadataLog : lists.metadataLog;
    }
    try {
      return parse(root, lists);
    } catch (UnsupportedVersion e) {
      throw new CorruptTableException(
          "Table metadata file "
              + file
              + " uses Iceberg format version "
              + e.version
              + ", and this version of DataShard reads format versions 1 and 2 only. Use a newer DataShard, or read "
              + "the table with a tool that supports format version "
              + e.version
              + ".",
          e);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new CorruptTableException(
          "Table metadata file " + file + " is not valid Iceberg table metadata: " + e.getMessage(),
          e);
    }
  }

  /** The long arrays, read from the token stream rather than as a tree. */
  private static final class Parsed {
    List<Snapshot> snapshots;
    List<TableMetadata.SnapshotLogEntry> snapshotLog;
    List<TableMetadata.MetadataLogEntry> metadataLog;
  }

  /** Reads the snapshots array; the parser is at its start. */
  private static List<Snapshot> readSnapshots(JsonParser p, LongFunction<Snapshot> known)
      throws IOException {
    List<Snapshot> out = new ArrayList<>();
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("'snapshots' must hold objects, got " + t.asString());
      }
      ObjectNode n = MAPPER.createObjectNode();
      if (p.nextToken() == JsonToken.FIELD_NAME) {
        String first = p.currentName();
        JsonToken v = p.nextToken();
        if (first.equals("snapshot-id")
            && v == JsonToken.VALUE_NUMBER_INT
            && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
          Snapshot seen = known.apply(p.getLongValue());
          if (seen != null) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              p.nextToken();
              p.skipChildren();
            }
            out.add(seen);
            continue;
          }
        }
        n.set(first, MAPPER.readTree(p));
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          p.nextToken();
          n.set(name, MAPPER.readTree(p));
        }
      }
      out.add(parseSnapshot(n));
    }
    return out;
  }

  /**
   * Reads the snapshot-log or metadata-log array: objects of a timestamp and a snapshot id or a
   * file name; the parser is at its start.
   */
  @SuppressWarnings("unchecked")
  private static <E> List<E> readLog(JsonParser p, String array, String key) throws IOException {
    List<E> out = new ArrayList<>();
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException(
            "'" + array + "' must hold objects, got " + t.asString());
      }
      Long timestamp = null;
      Long snapshotId = null;
      String file = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (name.equals("timestamp-ms")) {
          timestamp = longValue(p, v, name);
        } else if (name.equals(key) && key.equals("snapshot-id")) {
          snapshotId = longValue(p, v, name);
        } else if (name.equals(key)) {
          if (v != JsonToken.VALUE_STRING) {
            throw new IllegalArgumentException(
                "field '" + name + "' must be a string, got " + v.asString());
          }
          file = p.getText();
        } else {
          p.skipChildren();
        }
      }
      if (timestamp == null || (snapshotId == null && file == null)) {
        throw new IllegalArgumentException(
            "missing required field '"
                + (timestamp == null ? "timestamp-ms" : key)
                + "' in an entry of '"
                + array
                + "'");
      }
      out.add(
          (E)
              (file != null
                  ? new TableMetadata.MetadataLogEntry(timestamp, file)
                  : new TableMetadata.SnapshotLogEntry(timestamp, snapshotId)));
    }
    return out;
  }

  private static long longValue(JsonParser p, JsonToken v, String name) throws IOException {
    if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      throw new IllegalArgumentException(
          "field '" + name + "' must be a 64-bit integer, got " + p.getText());
    }
    return p.getLongValue();
  }

  /** A metadata file of a format version this parser does not read. */
  private static final class UnsupportedVersion extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    final int version;

    UnsupportedVersion(int version) {
      super("unsupported format-version " + version);
      this.version = version;
    }
  }

  private static String location(JsonProcessingException e) {
    return e.getLocation() == null
        ? "unknown position"
        : "line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
  }

  private static TableMetadata parse(JsonNode root, Parsed lists) {
    int formatVersion = intField(root, "format-version");
    if (formatVersion > MAX_FORMAT_VERSION || formatVersion < 1) {
      throw new UnsupportedVersion(formatVersion);
    }
    TableMetadata.Builder b = TableMetadata.builder().formatVersion(formatVersion);
    b.tableUuid(
        root.hasNonNull("table-uuid") ? text(root, "table-uuid") : new UUID(0, 0).toString());
    b.location(text(root, "location"));
    b.lastSequenceNumber(
        root.has("last-sequence-number") ? longField(root, "last-sequence-number") : 0);
    b.lastUpdatedMillis(longField(root, "last-updated-ms"));
    b.lastColumnId(intField(root, "last-column-id"));

    List<Schema> schemas = new ArrayList<>();
    int currentSchemaId;
    if (root.has("schemas")) {
      for (JsonNode s : array(root, "schemas")) {
        schemas.add(parseSchema(s));
      }
      currentSchemaId = intField(root, "current-schema-id");
    } else {
      Schema s = parseSchema(required(root, "schema"));
      schemas.add(s);
      currentSchemaId = s.schemaId();
    }
    b.schemas(schemas).currentSchemaId(currentSchemaId);

    List<PartitionSpec> specs = new ArrayList<>();
    int defaultSpecId;
    if (root.has("partition-specs")) {
      for (JsonNode s : array(root, "partition-specs")) {
        specs.add(parseSpec(s));
      }
      defaultSpecId = intField(root, "default-spec-id");
    } else {
      specs.add(new PartitionSpec(0, parseSpecFields(required(root, "partition-spec"))));
      defaultSpecId = 0;
    }
    b.specs(specs).defaultSpecId(defaultSpecId);
    int lastPartitionId = PartitionSpec.FIRST_FIELD_ID - 1;
    for (PartitionSpec s : specs) {
      lastPartitionId = Math.max(lastPartitionId, s.lastAssignedFieldId());
    }
    b.lastPartitionId(
        root.has("last-partition-id") ? intField(root, "last-partition-id") : lastPartitionId);

    List<JsonNode> sortOrders = new ArrayList<>();
    if (root.has("sort-orders")) {
      array(root, "sort-orders").forEach(sortOrders::add);
    }
    b.sortOrders(sortOrders);
    b.defaultSortOrderId(
        root.has("default-sort-order-id") ? intField(root, "default-sort-order-id") : 0);

    Map<String, String> props = new LinkedHashMap<>();
    if (root.hasNonNull("properties")) {
      JsonNode p = root.get("properties");
      if (!p.isObject()) {
        throw new IllegalArgumentException("'properties' must be an object");
      }
      Iterator<Map.Entry<String, JsonNode>> it = p.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        props.put(
            e.getKey(),
            e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString());
      }
    }
    b.properties(props);

    List<Snapshot> snapshots = new ArrayList<>();
    if (lists.snapshots != null) {
      snapshots = lists.snapshots;
    } else if (root.hasNonNull("snapshots")) {
      for (JsonNode s : array(root, "snapshots")) {
        snapshots.add(parseSnapshot(s));
      }
    }
    b.snapshots(snapshots);
    Long current = null;
    if (root.hasNonNull("current-snapshot-id")) {
      long c = longField(root, "current-snapshot-id");
      current = c == -1 ? null : c;
    }
    b.currentSnapshotId(current);

    Map<String, SnapshotRef> refs = new LinkedHashMap<>();
    if (root.hasNonNull("refs")) {
      Iterator<Map.Entry<String, JsonNode>> it = root.get("refs").fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        refs.put(e.getKey(), parseRef(e.getValue()));
      }
    } else if (current != null) {
      refs.put(SnapshotRef.MAIN, SnapshotRef.branch(current));
    }
    b.refs(refs);

    List<TableMetadata.SnapshotLogEntry> snapshotLog = new ArrayList<>();
    if (lists.snapshotLog != null) {
      snapshotLog = lists.snapshotLog;
    } else if (root.hasNonNull("snapshot-log")) {
      for (JsonNode e : array(root, "snapshot-log")) {
        snapshotLog.add(
            new TableMetadata.SnapshotLogEntry(
                longField(e, "timestamp-ms"), longField(e, "snapshot-id")));
      }
    }
    b.snapshotLog(snapshotLog);
    List<TableMetadata.MetadataLogEntry> metadataLog = new ArrayList<>();
    if (lists.metadataLog != null) {
      metadataLog = lists.metadataLog;
    } else if (root.hasNonNull("metadata-log")) {
      for (JsonNode e : array(root, "metadata-log")) {
        metadataLog.add(
            new TableMetadata.MetadataLogEntry(
                longField(e, "timestamp-ms"), text(e, "metadata-file")));
      }
    }
    b.metadataLog(metadataLog);

    Map<String, JsonNode> other = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = root.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!KNOWN.contains(e.getKey())) {
        other.put(e.getKey(), e.getValue());
      }
    }
    b.otherFields(other);
    return b.build();
  }

  /** Parses a schema object. */
  public static Schema parseSchema(JsonNode node) {
    if (!node.isObject() || !"struct".equals(node.path("type").asText())) {
      throw new IllegalArgumentException(
          "a schema must be a JSON object with \"type\": \"struct\", got " + brief(node));
    }
    int id = node.has("schema-id") ? intField(node, "schema-id") : 0;
    List<Integer> identifiers = new ArrayList<>();
    if (node.hasNonNull("identifier-field-ids")) {
      for (JsonNode n : array(node, "identifier-field-ids")) {
        identifiers.add(n.asInt());
      }
    }
    return new Schema(id, parseStruct(node), identifiers);
  }

  /** Parses a schema from a JSON string. */
  public static Schema parseSchema(String json) {
    try {
      return parseSchema(MAPPER.readTree(json));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("invalid schema JSON: " + e.getOriginalMessage());
    }
  }

  private static Types.StructType parseStruct(JsonNode node) {
    List<Types.NestedField> fields = new ArrayList<>();
    for (JsonNode f : array(node, "fields")) {
      String doc = f.hasNonNull("doc") ? f.get("doc").asText() : null;
      JsonNode req = required(f, "required");
      if (!req.isBoolean()) {
        throw new IllegalArgumentException(
            "field 'required' must be true or false, got " + brief(req));
      }
      fields.add(
          Types.NestedField.of(
              intField(f, "id"),
              text(f, "name"),
              req.booleanValue(),
              parseType(required(f, "type")),
              doc));
    }
    return Types.struct(fields);
  }

  private static Type parseType(JsonNode node) {
    if (node.isTextual()) {
      return Types.primitive(node.textValue());
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException(
          "a type must be a string or an object, got " + brief(node));
    }
    String t = text(node, "type");
    switch (t) {
      case "struct":
        return parseStruct(node);
      case "list":
        return Types.list(
            intField(node, "element-id"),
            boolField(node, "element-required"),
            parseType(required(node, "element")));
      case "map":
        return Types.map(
            intField(node, "key-id"),
            parseType(required(node, "key")),
            intField(node, "value-id"),
            boolField(node, "value-required"),
            parseType(required(node, "value")));
      default:
        throw new IllegalArgumentException("unknown nested type '" + t + "'");
    }
  }

  /** Parses a partition spec object ({@code spec-id} and {@code fields}). */
  public static PartitionSpec parseSpec(JsonNode node) {
    return new PartitionSpec(intField(node, "spec-id"), parseSpecFields(required(node, "fields")));
  }

  private static List<PartitionSpec.Field> parseSpecFields(JsonNode arr) {
    if (!arr.isArray()) {
      throw new IllegalArgumentException(
          "partition spec fields must be an array, got " + brief(arr));
    }
    List<PartitionSpec.Field> fields = new ArrayList<>();
    int next = PartitionSpec.FIRST_FIELD_ID;
    for (JsonNode f : arr) {
      int fieldId = f.has("field-id") ? intField(f, "field-id") : next;
      next = fieldId + 1;
      fields.add(
          new PartitionSpec.Field(
              text(f, "name"), text(f, "transform"), intField(f, "source-id"), fieldId));
    }
    return fields;
  }

  /** Parses a snapshot reference object ({@code snapshot-id}, {@code type}, retention). */
  public static SnapshotRef parseRef(JsonNode n) {
    return new SnapshotRef(
        longField(n, "snapshot-id"),
        text(n, "type"),
        n.hasNonNull("min-snapshots-to-keep") ? intField(n, "min-snapshots-to-keep") : null,
        n.hasNonNull("max-snapshot-age-ms") ? longField(n, "max-snapshot-age-ms") : null,
        n.hasNonNull("max-ref-age-ms") ? longField(n, "max-ref-age-ms") : null);
  }

  /** Parses a snapshot object. */
  public static Snapshot parseSnapshot(JsonNode n) {
    Map<String, String> summary = new LinkedHashMap<>();
    if (n.hasNonNull("summary")) {
      Iterator<Map.Entry<String, JsonNode>> it = n.get("summary").fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        summary.put(e.getKey(), e.getValue().asText());
      }
    }
    if (!n.hasNonNull("manifest-list")) {
      throw new IllegalArgumentException(
          "snapshot "
              + n.path("snapshot-id")
              + " has no manifest-list "
              + "(format v1 'manifests' arrays are not supported)");
    }
    return new Snapshot(
        longField(n, "snapshot-id"),
        n.hasNonNull("parent-snapshot-id") ? longField(n, "parent-snapshot-id") : null,
        n.has("sequence-number") ? longField(n, "sequence-number") : 0,
        longField(n, "timestamp-ms"),
        text(n, "manifest-list"),
        summary,
        n.hasNonNull("schema-id") ? intField(n, "schema-id") : null);
  }

  // ---------------------------------------------------------------- field helpers

  private static JsonNode required(JsonNode node, String key) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("missing required field '" + key + "' in " + brief(node));
    }
    return v;
  }

  private static String text(JsonNode node, String key) {
    JsonNode v = required(node, key);
    if (!v.isTextual()) {
      throw new IllegalArgumentException("field '" + key + "' must be a string, got " + brief(v));
    }
    return v.textValue();
  }

  private static int intField(JsonNode node, String key) {
    JsonNode v = required(node, key);
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw new IllegalArgumentException(
          "field '" + key + "' must be a 32-bit integer, got " + brief(v));
    }
    return v.intValue();
  }

  private static long longField(JsonNode node, String key) {
    JsonNode v = required(node, key);
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new IllegalArgumentException(
          "field '" + key + "' must be a 64-bit integer, got " + brief(v));
    }
    return v.longValue();
  }

  private static boolean boolField(JsonNode node, String key) {
    JsonNode v = required(node, key);
    if (!v.isBoolean()) {
      throw new IllegalArgumentException(
          "field '" + key + "' must be true or false, got " + brief(v));
    }
    return v.booleanValue();
  }

  private static JsonNode array(JsonNode node, String key) {
    JsonNode v = required(node, key);
    if (!v.isArray()) {
      throw new IllegalArgumentException("field '" + key + "' must be an array, got " + brief(v));
    }
    return v;
  }

  private static String brief(JsonNode n) {
    String s = String.valueOf(n);
    return s.length() > 120 ? s.substring(0, 117) + "..." : s;
  }
}
