package io.datashard.internal.manifest;

import io.datashard.Types;
import io.datashard.internal.avro.AvroSchemas;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;

/**
 * The Avro schemas of Iceberg v2 manifests and manifest lists, with the field ids the table spec
 * assigns (carried as {@code field-id}, {@code element-id} properties), and the record names Apache
 * Iceberg uses, so that every Iceberg reader projects them correctly.
 */
public final class AvroManifests {
  private AvroManifests() {}

  // manifest_entry
  static final int STATUS = 0;
  static final int SNAPSHOT_ID = 1;
  static final int SEQUENCE_NUMBER = 3;
  static final int FILE_SEQUENCE_NUMBER = 4;
  static final int DATA_FILE = 2;
  // data_file
  static final int CONTENT = 134;
  static final int FILE_PATH = 100;
  static final int FILE_FORMAT = 101;
  static final int PARTITION = 102;
  static final int RECORD_COUNT = 103;
  static final int FILE_SIZE = 104;
  static final int COLUMN_SIZES = 108;
  static final int VALUE_COUNTS = 109;
  static final int NULL_VALUE_COUNTS = 110;
  static final int NAN_VALUE_COUNTS = 137;
  static final int LOWER_BOUNDS = 125;
  static final int UPPER_BOUNDS = 128;
  static final int KEY_METADATA = 131;
  static final int SPLIT_OFFSETS = 132;
  static final int EQUALITY_IDS = 135;
  static final int SORT_ORDER_ID = 140;
  static final int REFERENCED_DATA_FILE = 143;
  // manifest_file
  static final int MANIFEST_PATH = 500;
  static final int MANIFEST_LENGTH = 501;
  static final int PARTITION_SPEC_ID = 502;
  static final int MANIFEST_CONTENT = 517;
  static final int MANIFEST_SEQUENCE_NUMBER = 515;
  static final int MIN_SEQUENCE_NUMBER = 516;
  static final int ADDED_SNAPSHOT_ID = 503;
  static final int ADDED_FILES_COUNT = 504;
  static final int EXISTING_FILES_COUNT = 505;
  static final int DELETED_FILES_COUNT = 506;
  static final int ADDED_ROWS_COUNT = 512;
  static final int EXISTING_ROWS_COUNT = 513;
  static final int DELETED_ROWS_COUNT = 514;
  static final int PARTITIONS = 507;
  static final int MANIFEST_KEY_METADATA = 519;
  // field_summary
  static final int CONTAINS_NULL = 509;
  static final int CONTAINS_NAN = 518;
  static final int SUMMARY_LOWER = 510;
  static final int SUMMARY_UPPER = 511;

  private static Schema optional(Schema s) {
    return Schema.createUnion(Schema.create(Schema.Type.NULL), s);
  }

  private static Schema.Field field(String name, int id, Schema type, boolean required) {
    Schema.Field f =
        required
            ? new Schema.Field(name, type, null, (Object) null)
            : new Schema.Field(name, optional(type), null, JsonProperties.NULL_VALUE);
    f.addProp("field-id", id);
    return f;
  }

  private static Schema intLongMap(int keyId, int valueId, Schema value) {
    Schema.Field key = new Schema.Field("key", Schema.create(Schema.Type.INT), null, (Object) null);
    key.addProp("field-id", keyId);
    Schema.Field val = new Schema.Field("value", value, null, (Object) null);
    val.addProp("field-id", valueId);
    Schema record =
        Schema.createRecord("k" + keyId + "_v" + valueId, null, null, false, List.of(key, val));
    Schema array = Schema.createArray(record);
    array.addProp("logicalType", "map");
    return array;
  }

  private static Schema list(int elementId, Schema element) {
    Schema array = Schema.createArray(element);
    array.addProp("element-id", elementId);
    return array;
  }

  /** The Avro schema of the partition tuple for a partition struct type. */
  static Schema partitionSchema(Types.StructType partitionType) {
    List<Schema.Field> fields = new ArrayList<>();
    for (Types.NestedField f : partitionType.fields()) {
      if (!f.type().isPrimitive()) {
        throw new IllegalArgumentException("Not a primitive partition type: " + f.type());
      }
      fields.add(field(f.name(), f.id(), AvroSchemas.type(f.type(), f.id()), false));
    }
    return Schema.createRecord("r102", null, null, false, fields);
  }

  /** The manifest entry schema for a partition type. */
  static Schema entrySchema(Types.StructType partitionType) {
    Schema bytes = Schema.create(Schema.Type.BYTES);
    Schema lng = Schema.create(Schema.Type.LONG);
    List<Schema.Field> df = new ArrayList<>();
    df.add(field("content", CONTENT, Schema.create(Schema.Type.INT), true));
    df.add(field("file_path", FILE_PATH, Schema.create(Schema.Type.STRING), true));
    df.add(field("file_format", FILE_FORMAT, Schema.create(Schema.Type.STRING), true));
    df.add(field("partition", PARTITION, partitionSchema(partitionType), true));
    df.add(field("record_count", RECORD_COUNT, lng, true));
    df.add(field("file_size_in_bytes", FILE_SIZE, lng, true));
    df.add(field("column_sizes", COLUMN_SIZES, intLongMap(117, 118, lng), false));
    df.add(field("value_counts", VALUE_COUNTS, intLongMap(119, 120, lng), false));
    df.add(field("null_value_counts", NULL_VALUE_COUNTS, intLongMap(121, 122, lng), false));
    df.add(field("nan_value_counts", NAN_VALUE_COUNTS, intLongMap(138, 139, lng), false));
    df.add(field("lower_bounds", LOWER_BOUNDS, intLongMap(126, 127, bytes), false));
    df.add(field("upper_bounds", UPPER_BOUNDS, intLongMap(129, 130, bytes), false));
    df.add(field("key_metadata", KEY_METADATA, bytes, false));
    df.add(field("split_offsets", SPLIT_OFFSETS, list(133, lng), false));
    df.add(field("equality_ids", EQUALITY_IDS, list(136, Schema.create(Schema.Type.INT)), false));
    df.add(field("sort_order_id", SORT_ORDER_ID, Schema.create(Schema.Type.INT), false));
    Schema dataFile = Schema.createRecord("r2", null, null, false, df);
    List<Schema.Field> entry = new ArrayList<>();
    entry.add(field("status", STATUS, Schema.create(Schema.Type.INT), true));
    entry.add(field("snapshot_id", SNAPSHOT_ID, lng, false));
    entry.add(field("sequence_number", SEQUENCE_NUMBER, lng, false));
    entry.add(field("file_sequence_number", FILE_SEQUENCE_NUMBER, lng, false));
    entry.add(field("data_file", DATA_FILE, dataFile, true));
    return Schema.createRecord("manifest_entry", null, null, false, entry);
  }

  /** The manifest list schema. */
  static final Schema MANIFEST_FILE = manifestFileSchema();

  private static Schema manifestFileSchema() {
    Schema bytes = Schema.create(Schema.Type.BYTES);
    Schema lng = Schema.create(Schema.Type.LONG);
    Schema integer = Schema.create(Schema.Type.INT);
    List<Schema.Field> summary = new ArrayList<>();
    summary.add(field("contains_null", CONTAINS_NULL, Schema.create(Schema.Type.BOOLEAN), true));
    summary.add(field("contains_nan", CONTAINS_NAN, Schema.create(Schema.Type.BOOLEAN), false));
    summary.add(field("lower_bound", SUMMARY_LOWER, bytes, false));
    summary.add(field("upper_bound", SUMMARY_UPPER, bytes, false));
    Schema fieldSummary = Schema.createRecord("r508", null, null, false, summary);
    List<Schema.Field> f = new ArrayList<>();
    f.add(field("manifest_path", MANIFEST_PATH, Schema.create(Schema.Type.STRING), true));
    f.add(field("manifest_length", MANIFEST_LENGTH, lng, true));
    f.add(field("partition_spec_id", PARTITION_SPEC_ID, integer, true));
    f.add(field("content", MANIFEST_CONTENT, integer, true));
    f.add(field("sequence_number", MANIFEST_SEQUENCE_NUMBER, lng, true));
    f.add(field("min_sequence_number", MIN_SEQUENCE_NUMBER, lng, true));
    f.add(field("added_snapshot_id", ADDED_SNAPSHOT_ID, lng, true));
    f.add(field("added_files_count", ADDED_FILES_COUNT, integer, true));
    f.add(field("existing_files_count", EXISTING_FILES_COUNT, integer, true));
    f.add(field("deleted_files_count", DELETED_FILES_COUNT, integer, true));
    f.add(field("added_rows_count", ADDED_ROWS_COUNT, lng, true));
    f.add(field("existing_rows_count", EXISTING_ROWS_COUNT, lng, true));
    f.add(field("deleted_rows_count", DELETED_ROWS_COUNT, lng, true));
    f.add(field("partitions", PARTITIONS, list(508, fieldSummary), false));
    f.add(field("key_metadata", MANIFEST_KEY_METADATA, bytes, false));
    return Schema.createRecord("manifest_file", null, null, false, f);
  }
}
