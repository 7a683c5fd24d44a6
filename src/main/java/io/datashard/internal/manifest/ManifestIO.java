package io.datashard.internal.manifest;

import io.datashard.CorruptTableException;
import io.datashard.DataFile;
import io.datashard.DataShardException;
import io.datashard.FileFormat;
import io.datashard.Schema;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.internal.AvroValues;
import io.datashard.internal.Values;
import io.datashard.internal.meta.PartitionSpec;
import io.datashard.internal.meta.TableMetadataParser;
import io.datashard.storage.Storage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.util.Utf8;

/**
 * Reads and writes Iceberg v2 manifests and manifest lists (Avro files), as the table core needs
 * them. Fields are read by their Iceberg field ids, so files written by other Iceberg
 * implementations (with more or fewer optional fields) read correctly.
 */
public final class ManifestIO {
  private ManifestIO() {}

  public static final int STATUS_EXISTING = 0;
  public static final int STATUS_ADDED = 1;
  public static final int STATUS_DELETED = 2;
  public static final long UNASSIGNED = -1;

  /** A manifest as listed in a manifest list (all counts as the spec defines them). */
  public static final class Manifest {
    public final String path;
    public final long length;
    public final int specId;
    public final int content;
    public final long sequenceNumber;
    public final long minSequenceNumber;
    public final long addedSnapshotId;
    public final int addedFiles;
    public final int existingFiles;
    public final int deletedFiles;
    public final long addedRows;
    public final long existingRows;
    public final long deletedRows;
    public final List<GenericRecord> partitions;
    public final ByteBuffer keyMetadata;

    public Manifest(
        String path,
        long length,
        int specId,
        int content,
        long sequenceNumber,
        long minSequenceNumber,
        long addedSnapshotId,
        int addedFiles,
        int existingFiles,
        int deletedFiles,
        long addedRows,
        long existingRows,
        long deletedRows,
        List<GenericRecord> partitions,
        ByteBuffer keyMetadata) {
      this.path = path;
      this.length = length;
      this.specId = specId;
      this.content = content;
      this.sequenceNumber = sequenceNumber;
      this.minSequenceNumber = minSequenceNumber;
      this.addedSnapshotId = addedSnapshotId;
      this.addedFiles = addedFiles;
      this.existingFiles = existingFiles;
      this.deletedFiles = deletedFiles;
      this.addedRows = addedRows;
      this.existingRows = existingRows;
      this.deletedRows = deletedRows;
      this.partitions = partitions;
      this.keyMetadata = keyMetadata;
    }

    public boolean isDeletes() {
      return content != 0;
    }

    Manifest withSequenceNumbers(long seq, long minSeq) {
      return new Manifest(
          path,
          length,
          specId,
          content,
          seq,
          minSeq,
          addedSnapshotId,
          addedFiles,
          existingFiles,
          deletedFiles,
          addedRows,
          existingRows,
          deletedRows,
          partitions,
          keyMetadata);
    }
  }

  // ------------------------------------------------------------------ writing

  /** Writes a manifest of newly added data files for one snapshot. */
  public static Manifest writeAdded(
      Storage storage,
      String location,
      Schema schema,
      PartitionSpec spec,
      long snapshotId,
      List<DataFile> files)
      throws IOException {
    return writeReplacing(storage, location, schema, spec, snapshotId, files, List.of());
  }

  /**
   * One manifest entry: a status, the snapshot that set it, the sequence numbers (null: inherited),
   * a file.
   */
  private static GenericData.Record entry(
      org.apache.avro.Schema entrySchema,
      int status,
      long snapshotId,
      Long dataSequenceNumber,
      Long fileSequenceNumber,
      GenericData.Record dataFile) {
    GenericData.Record entry = new GenericData.Record(entrySchema);
    entry.put("status", status);
    entry.put("snapshot_id", snapshotId);
    entry.put("sequence_number", dataSequenceNumber);
    entry.put("file_sequence_number", fileSequenceNumber);
    entry.put("data_file", dataFile);
    return entry;
  }

  /** An Avro writer for a data manifest, with the header keys Iceberg readers expect. */
  private static AvroContainerWriter manifestWriter(
      Storage.PendingFile out,
      org.apache.avro.Schema entrySchema,
      Schema schema,
      PartitionSpec spec)
      throws IOException {
    return manifestWriter(out, entrySchema, schema, spec, "data");
  }

  private static AvroContainerWriter manifestWriter(
      Storage.PendingFile out,
      org.apache.avro.Schema entrySchema,
      Schema schema,
      PartitionSpec spec,
      String content)
      throws IOException {
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("schema", TableMetadataParser.schemaToJson(schema));
    meta.put("schema-id", Integer.toString(schema.schemaId()));
    meta.put("partition-spec", TableMetadataParser.specFieldsToJson(spec));
    meta.put("partition-spec-id", Integer.toString(spec.specId()));
    meta.put("format-version", "2");
    meta.put("content", content);
    return new AvroContainerWriter(out.stream(), entrySchema, meta);
  }

  private static GenericData.Record dataFileRecord(
      org.apache.avro.Schema schema,
      org.apache.avro.Schema partitionSchema,
      Types.StructType partitionType,
      DataFile f) {
    GenericData.Record r = new GenericData.Record(schema);
    r.put("content", 0);
    r.put("file_path", f.path());
    r.put("file_format", f.format().specName());
    GenericData.Record p = new GenericData.Record(partitionSchema);
    for (int i = 0; i < partitionType.fields().size(); i++) {
      Types.NestedField pf = partitionType.fields().get(i);
      Object v = f.partition().size() > i ? f.partition().get(i) : null;
      org.apache.avro.Schema fieldSchema =
          partitionSchema.getFields().get(i).schema().getTypes().get(1);
      p.put(i, AvroValues.toAvro(pf.type(), fieldSchema, v));
    }
    r.put("partition", p);
    r.put("record_count", f.recordCount());
    r.put("file_size_in_bytes", f.fileSizeInBytes());
    r.put("column_sizes", kvArray(schema.getField("column_sizes").schema(), f.columnSizes()));
    r.put("value_counts", kvArray(schema.getField("value_counts").schema(), f.valueCounts()));
    r.put(
        "null_value_counts",
        kvArray(schema.getField("null_value_counts").schema(), f.nullValueCounts()));
    r.put(
        "nan_value_counts",
        kvArray(schema.getField("nan_value_counts").schema(), f.nanValueCounts()));
    r.put("lower_bounds", kvArray(schema.getField("lower_bounds").schema(), f.lowerBounds()));
    r.put("upper_bounds", kvArray(schema.getField("upper_bounds").schema(), f.upperBounds()));
    r.put("key_metadata", null);
    r.put("split_offsets", f.splitOffsets() == null ? null : new ArrayList<>(f.splitOffsets()));
    r.put("equality_ids", null);
    r.put("sort_order_id", f.sortOrderId());
    return r;
  }

  private static <V> List<GenericRecord> kvArray(
      org.apache.avro.Schema optionalArray, Map<Integer, V> map) {
    if (map == null) {
      return null;
    }
    org.apache.avro.Schema record = optionalArray.getTypes().get(1).getElementType();
    List<GenericRecord> out = new ArrayList<>(map.size());
    for (Map.Entry<Integer, V> e : map.entrySet()) {
      GenericData.Record kv = new GenericData.Record(record);
      kv.put("key", e.getKey());
      Object v = e.getValue();
      kv.put("value", v instanceof ByteBuffer ? ((ByteBuffer) v).duplicate() : v);
      out.add(kv);
    }
    return out;
  }

  private static List<GenericRecord> partitionSummaries(
      Types.StructType partitionType, List<DataFile> files) {
    org.apache.avro.Schema summarySchema =
        AvroManifests.MANIFEST_FILE
            .getField("partitions")
            .schema()
            .getTypes()
            .get(1)
            .getElementType();
    List<GenericRecord> out = new ArrayList<>();
    for (int i = 0; i < partitionType.fields().size(); i++) {
      Type type = partitionType.fields().get(i).type();
      boolean containsNull = false;
      boolean containsNan = false;
      Object min = null;
      Object max = null;
      for (DataFile f : files) {
        Object v = f.partition().size() > i ? f.partition().get(i) : null;
        if (v == null) {
          containsNull = true;
        } else if (v instanceof Double && ((Double) v).isNaN()
            || v instanceof Float && ((Float) v).isNaN()) {
          containsNan = true;
        } else {
          if (min == null || Values.compare(type, v, min) < 0) {
            min = v;
          }
          if (max == null || Values.compare(type, v, max) > 0) {
            max = v;
          }
        }
      }
      GenericData.Record s = new GenericData.Record(summarySchema);
      s.put("contains_null", containsNull);
      s.put("contains_nan", containsNan);
      s.put("lower_bound", min == null ? null : Values.toBytes(type, min));
      s.put("upper_bound", max == null ? null : Values.toBytes(type, max));
      out.add(s);
    }
    return out;
  }

  /** Writes a manifest list; manifests added by this commit get its sequence number. */
  public static void writeList(
      Storage storage,
      String location,
      long snapshotId,
      Long parentId,
      long sequenceNumber,
      List<Manifest> manifests)
      throws IOException {
    org.apache.avro.Schema schema = AvroManifests.MANIFEST_FILE;
    try (Storage.PendingFile out = storage.create(location)) {
      Map<String, String> meta = new LinkedHashMap<>();
      meta.put("snapshot-id", Long.toString(snapshotId));
      meta.put("parent-snapshot-id", parentId == null ? "null" : Long.toString(parentId));
      meta.put("sequence-number", Long.toString(sequenceNumber));
      meta.put("format-version", "2");
      // deflated: a list names every manifest by its full path, which compresses well (lists of a
      // busy table shrank from 7.0 to 3.8 KB), and a list is written by every commit and kept until
      // cleanup
      AvroContainerWriter writer = new AvroContainerWriter(out.stream(), schema, meta, true);
      for (Manifest m : manifests) {
        Manifest w = m;
        if (m.sequenceNumber == UNASSIGNED) {
          w =
              m.withSequenceNumbers(
                  sequenceNumber,
                  m.minSequenceNumber == UNASSIGNED ? sequenceNumber : m.minSequenceNumber);
        }
        GenericData.Record r = new GenericData.Record(schema);
        r.put("manifest_path", w.path);
        r.put("manifest_length", w.length);
        r.put("partition_spec_id", w.specId);
        r.put("content", w.content);
        r.put("sequence_number", w.sequenceNumber);
        r.put("min_sequence_number", w.minSequenceNumber);
        r.put("added_snapshot_id", w.addedSnapshotId);
        r.put("added_files_count", w.addedFiles);
        r.put("existing_files_count", w.existingFiles);
        r.put("deleted_files_count", w.deletedFiles);
        r.put("added_rows_count", w.addedRows);
        r.put("existing_rows_count", w.existingRows);
        r.put("deleted_rows_count", w.deletedRows);
        r.put("partitions", w.partitions == null ? null : copySummaries(w.partitions, schema));
        r.put("key_metadata", w.keyMetadata);
        writer.append(r);
      }
      writer.flush();
      out.publish();
    }
  }

  private static List<GenericRecord> copySummaries(
      List<GenericRecord> in, org.apache.avro.Schema listSchema) {
    org.apache.avro.Schema s =
        listSchema.getField("partitions").schema().getTypes().get(1).getElementType();
    List<GenericRecord> out = new ArrayList<>(in.size());
    for (GenericRecord g : in) {
      if (g.getSchema().equals(s)) {
        out.add(g);
        continue;
      }
      FieldIndex idx = FieldIndex.of(g.getSchema());
      GenericData.Record r = new GenericData.Record(s);
      Object containsNull = idx.get(g, AvroManifests.CONTAINS_NULL);
      r.put("contains_null", containsNull == null ? Boolean.TRUE : containsNull);
      r.put("contains_nan", idx.get(g, AvroManifests.CONTAINS_NAN));
      r.put("lower_bound", idx.get(g, AvroManifests.SUMMARY_LOWER));
      r.put("upper_bound", idx.get(g, AvroManifests.SUMMARY_UPPER));
      out.add(r);
    }
    return out;
  }

  // ------------------------------------------------------------------ reading

  /** Reads a manifest list. */
  public static List<Manifest> readList(Storage storage, String location) {
    List<Manifest> out = new ArrayList<>();
    readAvro(
        storage,
        location,
        "manifest list",
        (schema, records) -> {
          FieldIndex idx = FieldIndex.of(schema);
          for (GenericRecord r : records) {
            long seq = idx.longOr(r, AvroManifests.MANIFEST_SEQUENCE_NUMBER, 0);
            @SuppressWarnings("unchecked")
            List<GenericRecord> parts = (List<GenericRecord>) idx.get(r, AvroManifests.PARTITIONS);
            out.add(
                new Manifest(
                    idx.string(r, AvroManifests.MANIFEST_PATH),
                    idx.longOr(r, AvroManifests.MANIFEST_LENGTH, 0),
                    (int) idx.longOr(r, AvroManifests.PARTITION_SPEC_ID, 0),
                    (int) idx.longOr(r, AvroManifests.MANIFEST_CONTENT, 0),
                    seq,
                    idx.longOr(r, AvroManifests.MIN_SEQUENCE_NUMBER, seq),
                    idx.longOr(r, AvroManifests.ADDED_SNAPSHOT_ID, 0),
                    (int) idx.longOr(r, AvroManifests.ADDED_FILES_COUNT, 0),
                    (int) idx.longOr(r, AvroManifests.EXISTING_FILES_COUNT, 0),
                    (int) idx.longOr(r, AvroManifests.DELETED_FILES_COUNT, 0),
                    idx.longOr(r, AvroManifests.ADDED_ROWS_COUNT, 0),
                    idx.longOr(r, AvroManifests.EXISTING_ROWS_COUNT, 0),
                    idx.longOr(r, AvroManifests.DELETED_ROWS_COUNT, 0),
                    parts == null ? null : new ArrayList<>(parts),
                    (ByteBuffer) idx.get(r, AvroManifests.MANIFEST_KEY_METADATA)));
          }
        });
    return out;
  }

  /**
   * A live entry of a manifest: a data file with the snapshot and sequence numbers it was added
   * with.
   */
  public static final class Entry {
    public final DataFile file;
    public final long snapshotId;
    public final long dataSequenceNumber;
    public final long fileSequenceNumber;

    Entry(DataFile file, long snapshotId, long dataSequenceNumber, long fileSequenceNumber) {
      this.file = file;
      this.snapshotId = snapshotId;
      this.dataSequenceNumber = dataSequenceNumber;
      this.fileSequenceNumber = fileSequenceNumber;
    }
  }

  /**
   * The data files a manifest holds that are live (added or existing), with inherited values
   * applied.
   */
  public static List<DataFile> liveFiles(
      Storage storage, Manifest m, UnaryOperator<String> resolve) {
    List<DataFile> out = new ArrayList<>();
    for (Entry e : liveEntries(storage, m, resolve)) {
      out.add(e.file);
    }
    return out;
  }

  /**
   * The live entries of a manifest. Per the spec's inheritance rules, an entry without a snapshot
   * id takes the manifest's added snapshot id, and an ADDED entry without sequence numbers takes
   * the manifest's sequence number.
   */
  public static List<Entry> liveEntries(
      Storage storage, Manifest m, UnaryOperator<String> resolve) {
    List<Entry> out = new ArrayList<>();
    forEachLive(
        storage,
        m,
        resolve,
        "manifest",
        (dfIdx, df, snapshotId, dataSeq, fileSeq) ->
            out.add(new Entry(toDataFile(dfIdx, df, m.specId), snapshotId, dataSeq, fileSeq)));
    return out;
  }

  /** Receives a live entry's file record, with the inherited snapshot id and sequence numbers. */
  private interface LiveEntryVisitor {
    void accept(FieldIndex dfIdx, GenericRecord df, long snapshotId, long dataSeq, long fileSeq);
  }

  /**
   * Reads a manifest and hands each live entry (ADDED or EXISTING) to {@code visitor}, with the
   * spec's inheritance: an entry without a snapshot id takes the manifest's added snapshot id, an
   * ADDED entry without sequence numbers the manifest's sequence number.
   */
  private static void forEachLive(
      Storage storage,
      Manifest m,
      UnaryOperator<String> resolve,
      String what,
      LiveEntryVisitor visitor) {
    forEachEntry(
        storage,
        m,
        resolve,
        what,
        false,
        (status, dfIdx, df, snapshotId, dataSeq, fileSeq) ->
            visitor.accept(dfIdx, df, snapshotId, dataSeq, fileSeq));
  }

  /** Receives an entry with its status, inherited snapshot id and sequence numbers. */
  private interface EntryVisitor {
    void accept(
        int status,
        FieldIndex dfIdx,
        GenericRecord df,
        long snapshotId,
        long dataSeq,
        long fileSeq);
  }

  private static void forEachEntry(
      Storage storage,
      Manifest m,
      UnaryOperator<String> resolve,
      String what,
      boolean withDeleted,
      EntryVisitor visitor) {
    readAvro(
        storage,
        resolve.apply(m.path),
        what,
        m.length,
        (schema, records) -> {
          FieldIndex entryIdx = FieldIndex.of(schema);
          Integer dataFilePos = entryIdx.position(AvroManifests.DATA_FILE);
          if (dataFilePos == null) {
            throw new IllegalArgumentException("it has no data_file field (id 2)");
          }
          org.apache.avro.Schema dfSchema = unwrap(schema.getFields().get(dataFilePos).schema());
          FieldIndex dfIdx = FieldIndex.of(dfSchema);
          for (GenericRecord entry : records) {
            int status = (int) entryIdx.longOr(entry, AvroManifests.STATUS, STATUS_ADDED);
            if (status == STATUS_DELETED && !withDeleted) {
              continue;
            }
            GenericRecord df = (GenericRecord) entry.get(dataFilePos);
            long snapshotId = entryIdx.longOr(entry, AvroManifests.SNAPSHOT_ID, m.addedSnapshotId);
            Object seq = entryIdx.get(entry, AvroManifests.SEQUENCE_NUMBER);
            Object fileSeq = entryIdx.get(entry, AvroManifests.FILE_SEQUENCE_NUMBER);
            long dataSeq = seq != null ? ((Number) seq).longValue() : m.sequenceNumber;
            long fSeq =
                fileSeq != null
                    ? ((Number) fileSeq).longValue()
                    : (seq != null && status != STATUS_ADDED ? dataSeq : m.sequenceNumber);
            visitor.accept(status, dfIdx, df, snapshotId, dataSeq, fSeq);
          }
        });
  }

  /**
   * What one snapshot changed in a manifest it wrote: the entries ADDED or DELETED by {@code
   * snapshotId} (EXISTING entries and those of other snapshots are skipped). Data and delete
   * manifests alike; the file's content (0 data, 1 position deletes, 2 equality deletes) is in
   * {@link Change#content}.
   */
  public static List<Change> changes(
      Storage storage, Manifest m, UnaryOperator<String> resolve, long snapshotId) {
    List<Change> out = new ArrayList<>();
    forEachEntry(
        storage,
        m,
        resolve,
        m.isDeletes() ? "delete manifest" : "manifest",
        true,
        (status, dfIdx, df, entrySnapshot, dataSeq, fileSeq) -> {
          if (status == STATUS_EXISTING || entrySnapshot != snapshotId) {
            return;
          }
          int content = (int) dfIdx.longOr(df, AvroManifests.CONTENT, 0);
          DataFile file =
              content == 0 ? toDataFile(dfIdx, df, m.specId) : toFile(dfIdx, df, m.specId);
          out.add(new Change(status == STATUS_ADDED, content, file, dataSeq));
        });
    return out;
  }

  /**
   * An entry a snapshot added or deleted.
   *
   * @param added true for ADDED, false for DELETED
   * @param content 0 data, 1 position deletes, 2 equality deletes
   * @param file the file
   * @param dataSequenceNumber the entry's data sequence number
   */
  public record Change(boolean added, int content, DataFile file, long dataSequenceNumber) {}

  /**
   * A live entry of a delete manifest: a position or equality delete file, with the sequence
   * numbers it was added with.
   */
  public static final class DeleteEntry {
    /** The delete file's path, format, partition, record count, size and column statistics. */
    public final DataFile file;

    /** 1 for position deletes, 2 for equality deletes. */
    public final int content;

    /** The field ids an equality delete file matches rows on (empty for position deletes). */
    public final List<Integer> equalityIds;

    /** The one data file a position delete file applies to, if the writer recorded it. */
    public final String referencedDataFile;

    public final long snapshotId;
    public final long dataSequenceNumber;
    public final long fileSequenceNumber;

    DeleteEntry(
        DataFile file,
        int content,
        List<Integer> equalityIds,
        String referencedDataFile,
        long snapshotId,
        long dataSequenceNumber,
        long fileSequenceNumber) {
      this.file = file;
      this.content = content;
      this.equalityIds = equalityIds;
      this.referencedDataFile = referencedDataFile;
      this.snapshotId = snapshotId;
      this.dataSequenceNumber = dataSequenceNumber;
      this.fileSequenceNumber = fileSequenceNumber;
    }
  }

  /** A delete file a commit adds: its sequence numbers are assigned when it commits. */
  public static DeleteEntry addedDelete(DataFile file, int content, List<Integer> equalityIds) {
    return new DeleteEntry(
        file, content, List.copyOf(equalityIds), null, UNASSIGNED, UNASSIGNED, UNASSIGNED);
  }

  /**
   * Writes a delete manifest (content 1) for one snapshot: the delete files it adds (sequence
   * numbers inherited at commit), the ones it keeps (EXISTING, their sequence numbers kept) and the
   * ones it removes (DELETED, likewise).
   */
  public static Manifest writeDeletes(
      Storage storage,
      String location,
      Schema schema,
      PartitionSpec spec,
      long snapshotId,
      List<DeleteEntry> added,
      List<DeleteEntry> existing,
      List<DeleteEntry> deleted)
      throws IOException {
    Types.StructType partitionType = spec.partitionType(schema);
    org.apache.avro.Schema entrySchema = AvroManifests.entrySchema(partitionType);
    org.apache.avro.Schema dataFileSchema = entrySchema.getField("data_file").schema();
    org.apache.avro.Schema partitionSchema = dataFileSchema.getField("partition").schema();
    long[] rows = new long[3];
    List<DataFile> files = new ArrayList<>();
    try (Storage.PendingFile out = storage.create(location)) {
      AvroContainerWriter writer = manifestWriter(out, entrySchema, schema, spec, "deletes");
      int[] statuses = {STATUS_ADDED, STATUS_EXISTING, STATUS_DELETED};
      List<List<DeleteEntry>> lists = List.of(added, existing, deleted);
      for (int k = 0; k < 3; k++) {
        for (DeleteEntry d : lists.get(k)) {
          boolean inherit = statuses[k] == STATUS_ADDED;
          GenericData.Record df =
              dataFileRecord(dataFileSchema, partitionSchema, partitionType, d.file);
          df.put("content", d.content);
          df.put("equality_ids", d.equalityIds.isEmpty() ? null : new ArrayList<>(d.equalityIds));
          df.put("split_offsets", null);
          writer.append(
              entry(
                  entrySchema,
                  statuses[k],
                  inherit ? snapshotId : d.snapshotId,
                  inherit ? null : d.dataSequenceNumber,
                  inherit ? null : d.fileSequenceNumber,
                  df));
          rows[k] += d.file.recordCount();
          files.add(d.file);
        }
      }
      writer.flush();
      long length = out.publish();
      return new Manifest(
          location,
          length,
          spec.specId(),
          1,
          UNASSIGNED,
          UNASSIGNED,
          snapshotId,
          added.size(),
          existing.size(),
          deleted.size(),
          rows[0],
          rows[1],
          rows[2],
          partitionSummaries(partitionType, files),
          null);
    }
  }

  /** Content of a position delete file. */
  public static final int POSITION_DELETES = 1;

  /** Content of an equality delete file. */
  public static final int EQUALITY_DELETES = 2;

  /**
   * The live entries of a delete manifest (content 1), with the spec's inheritance of snapshot ids
   * and sequence numbers applied as for data manifests.
   *
   * @throws CorruptTableException if the manifest cannot be read, or an entry is neither a position
   *     nor an equality delete file, or an equality delete file names no columns
   */
  public static List<DeleteEntry> liveDeleteEntries(
      Storage storage, Manifest m, UnaryOperator<String> resolve) {
    List<DeleteEntry> out = new ArrayList<>();
    forEachLive(
        storage,
        m,
        resolve,
        "delete manifest",
        (dfIdx, df, snapshotId, dataSeq, fileSeq) -> {
          int content = (int) dfIdx.longOr(df, AvroManifests.CONTENT, 0);
          if (content != POSITION_DELETES && content != EQUALITY_DELETES) {
            throw new IllegalArgumentException(
                "a delete manifest lists a file of content "
                    + content
                    + " (only 1, position deletes, and 2, equality deletes, belong there)");
          }
          List<Integer> equalityIds = new ArrayList<>();
          Object ids = dfIdx.get(df, AvroManifests.EQUALITY_IDS);
          if (ids != null) {
            for (Object o : (Collection<?>) ids) {
              equalityIds.add(((Number) o).intValue());
            }
          }
          if (content == EQUALITY_DELETES && equalityIds.isEmpty()) {
            throw new IllegalArgumentException(
                "the equality delete file "
                    + dfIdx.string(df, AvroManifests.FILE_PATH)
                    + " names no equality_ids");
          }
          String format = dfIdx.string(df, AvroManifests.FILE_FORMAT);
          if ("puffin".equalsIgnoreCase(format)) {
            throw new DataShardException(
                "The delete manifest "
                    + m.path
                    + " lists a deletion vector ("
                    + dfIdx.string(df, AvroManifests.FILE_PATH)
                    + ", Iceberg format v3), which this version of DataShard cannot apply yet. "
                    + "Read the table with Apache Iceberg, or rewrite its deletes there into "
                    + "position delete files.");
          }
          Object referenced = dfIdx.get(df, AvroManifests.REFERENCED_DATA_FILE);
          out.add(
              new DeleteEntry(
                  toFile(dfIdx, df, m.specId),
                  content,
                  List.copyOf(equalityIds),
                  referenced == null ? null : referenced.toString(),
                  snapshotId,
                  dataSeq,
                  fileSeq));
        });
    return out;
  }

  /**
   * Writes a manifest that marks files as deleted by snapshot {@code snapshotId}, keeping each
   * file's original sequence numbers as the spec requires.
   */
  public static Manifest writeDeleted(
      Storage storage,
      String location,
      Schema schema,
      PartitionSpec spec,
      long snapshotId,
      List<Entry> deleted)
      throws IOException {
    return writeEntries(storage, location, schema, spec, snapshotId, deleted, STATUS_DELETED);
  }

  /**
   * Writes a manifest that carries files over unchanged (status EXISTING) into a new manifest, as
   * manifest merging does; each entry keeps the snapshot id and sequence numbers it was added with.
   */
  public static Manifest writeExisting(
      Storage storage,
      String location,
      Schema schema,
      PartitionSpec spec,
      long snapshotId,
      List<Entry> existing)
      throws IOException {
    return writeEntries(storage, location, schema, spec, snapshotId, existing, STATUS_EXISTING);
  }

  /**
   * Writes the one manifest of a change that replaces files with new ones in the same partition
   * spec: the new files as ADDED and the replaced ones as DELETED (keeping their sequence numbers),
   * as the spec allows in a single manifest. One file instead of two per such commit.
   */
  public static Manifest writeReplacing(
      Storage storage,
      String location,
      Schema schema,
      PartitionSpec spec,
      long snapshotId,
      List<DataFile> added,
      List<Entry> deleted)
      throws IOException {
    Types.StructType partitionType = spec.partitionType(schema);
    org.apache.avro.Schema entrySchema = AvroManifests.entrySchema(partitionType);
    org.apache.avro.Schema dataFileSchema = entrySchema.getField("data_file").schema();
    org.apache.avro.Schema partitionSchema = dataFileSchema.getField("partition").schema();
    long addedRows = 0;
    long deletedRows = 0;
    List<DataFile> files = new ArrayList<>(added);
    try (Storage.PendingFile out = storage.create(location)) {
      AvroContainerWriter writer = manifestWriter(out, entrySchema, schema, spec);
      for (DataFile f : added) {
        // sequence numbers left out: an ADDED entry inherits the manifest's, assigned at commit
        writer.append(
            entry(
                entrySchema,
                STATUS_ADDED,
                snapshotId,
                null,
                null,
                dataFileRecord(dataFileSchema, partitionSchema, partitionType, f)));
        addedRows += f.recordCount();
      }
      for (Entry e : deleted) {
        writer.append(
            entry(
                entrySchema,
                STATUS_DELETED,
                snapshotId,
                e.dataSequenceNumber,
                e.fileSequenceNumber,
                dataFileRecord(dataFileSchema, partitionSchema, partitionType, e.file)));
        deletedRows += e.file.recordCount();
        files.add(e.file);
      }
      writer.flush();
      long length = out.publish();
      return new Manifest(
          location,
          length,
          spec.specId(),
          0,
          UNASSIGNED,
          UNASSIGNED,
          snapshotId,
          added.size(),
          0,
          deleted.size(),
          addedRows,
          0,
          deletedRows,
          partitionSummaries(partitionType, files),
          null);
    }
  }

  private static Manifest writeEntries(
      Storage storage,
      String location,
      Schema schema,
      PartitionSpec spec,
      long snapshotId,
      List<Entry> entries,
      int status)
      throws IOException {
    Types.StructType partitionType = spec.partitionType(schema);
    org.apache.avro.Schema entrySchema = AvroManifests.entrySchema(partitionType);
    org.apache.avro.Schema dataFileSchema = entrySchema.getField("data_file").schema();
    org.apache.avro.Schema partitionSchema = dataFileSchema.getField("partition").schema();
    long rows = 0;
    long minSequence = Long.MAX_VALUE;
    List<DataFile> files = new ArrayList<>();
    try (Storage.PendingFile out = storage.create(location)) {
      AvroContainerWriter writer = manifestWriter(out, entrySchema, schema, spec);
      for (Entry e : entries) {
        writer.append(
            entry(
                entrySchema,
                status,
                status == STATUS_DELETED ? snapshotId : e.snapshotId,
                e.dataSequenceNumber,
                e.fileSequenceNumber,
                dataFileRecord(dataFileSchema, partitionSchema, partitionType, e.file)));
        rows += e.file.recordCount();
        minSequence = Math.min(minSequence, e.dataSequenceNumber);
        files.add(e.file);
      }
      writer.flush();
      long length = out.publish();
      boolean existing = status == STATUS_EXISTING;
      return new Manifest(
          location,
          length,
          spec.specId(),
          0,
          UNASSIGNED,
          existing && !entries.isEmpty() ? minSequence : UNASSIGNED,
          snapshotId,
          0,
          existing ? entries.size() : 0,
          existing ? 0 : entries.size(),
          0,
          existing ? rows : 0,
          existing ? 0 : rows,
          partitionSummaries(partitionType, files),
          null);
    }
  }

  private static DataFile toDataFile(FieldIndex idx, GenericRecord df, int specId) {
    int content = (int) idx.longOr(df, AvroManifests.CONTENT, 0);
    if (content != 0) {
      throw new IllegalArgumentException(
          "a data manifest lists a delete file (content " + content + ")");
    }
    return toFile(idx, df, specId);
  }

  /** The file an entry names, data or delete file alike (its content is not checked). */
  private static DataFile toFile(FieldIndex idx, GenericRecord df, int specId) {
    GenericRecord partition = (GenericRecord) idx.get(df, AvroManifests.PARTITION);
    DataFile.Builder b =
        DataFile.builder()
            .path(idx.string(df, AvroManifests.FILE_PATH))
            .format(FileFormat.fromName(idx.string(df, AvroManifests.FILE_FORMAT)))
            .specId(specId)
            .partition(partition == null ? null : AvroValues.partitionRow(partition))
            .recordCount(idx.longOr(df, AvroManifests.RECORD_COUNT, -1))
            .fileSizeInBytes(idx.longOr(df, AvroManifests.FILE_SIZE, -1))
            .columnSizes(kvMap(idx.get(df, AvroManifests.COLUMN_SIZES)))
            .valueCounts(kvMap(idx.get(df, AvroManifests.VALUE_COUNTS)))
            .nullValueCounts(kvMap(idx.get(df, AvroManifests.NULL_VALUE_COUNTS)))
            .nanValueCounts(kvMap(idx.get(df, AvroManifests.NAN_VALUE_COUNTS)))
            .lowerBounds(kvMap(idx.get(df, AvroManifests.LOWER_BOUNDS)))
            .upperBounds(kvMap(idx.get(df, AvroManifests.UPPER_BOUNDS)));
    Object offsets = idx.get(df, AvroManifests.SPLIT_OFFSETS);
    if (offsets != null) {
      List<Long> list = new ArrayList<>();
      for (Object o : (Collection<?>) offsets) {
        list.add(((Number) o).longValue());
      }
      b.splitOffsets(list);
    }
    Object sortOrder = idx.get(df, AvroManifests.SORT_ORDER_ID);
    if (sortOrder != null) {
      b.sortOrderId(((Number) sortOrder).intValue());
    }
    return b.build();
  }

  @SuppressWarnings("unchecked")
  private static <V> Map<Integer, V> kvMap(Object array) {
    if (array == null) {
      return null;
    }
    Map<Integer, V> out = new LinkedHashMap<>();
    if (array instanceof Map) {
      for (Map.Entry<?, ?> e : ((Map<?, ?>) array).entrySet()) {
        out.put(Integer.parseInt(e.getKey().toString()), (V) e.getValue());
      }
      return out;
    }
    for (Object o : (Collection<?>) array) {
      GenericRecord kv = (GenericRecord) o;
      Object v = kv.get("value");
      out.put(((Number) kv.get("key")).intValue(), (V) v);
    }
    return out;
  }

  private interface RecordsConsumer {
    void accept(org.apache.avro.Schema schema, Iterable<GenericRecord> records);
  }

  private static void readAvro(
      Storage storage, String location, String what, RecordsConsumer consumer) {
    readAvro(storage, location, what, -1, consumer);
  }

  /**
   * Reads an Avro file completely and checks it is whole: its length equals {@code expectedLength}
   * when that is known (manifests: the manifest list records it), and it ends with the file's sync
   * marker, as every complete Avro file does. Avro's own reader takes a file cut inside a block as
   * a clean end, which would silently drop entries.
   */
  private static void readAvro(
      Storage storage,
      String location,
      String what,
      long expectedLength,
      RecordsConsumer consumer) {
    try (Storage.InputFile file = storage.open(location)) {
      long length = file.length();
      if (expectedLength > 0 && length != expectedLength) {
        throw new CorruptTableException(
            "The "
                + what
                + " "
                + location
                + " has "
                + length
                + " bytes, but the table "
                + "recorded "
                + expectedLength
                + ": it was truncated or replaced. Restore it from a backup.");
      }
      if (length > MAX_AVRO_FILE_BYTES) {
        throw new IOException(
            "it has "
                + length
                + " bytes, more than the "
                + MAX_AVRO_FILE_BYTES
                + " an Iceberg "
                + what
                + " may have here");
      }
      // Read whole (manifests are a few MB at most) and walk the container in memory.
      byte[] bytes = new byte[(int) length];
      file.readFully(0, bytes, 0, bytes.length);
      Container c = checkContainer(bytes);
      String codec = c.meta("avro.codec");
      String schemaJson = c.meta("avro.schema");
      if (schemaJson != null && (c.deflated || codec == null || codec.equals("null"))) {
        // Uncompressed or deflated, as DataShard writes them: decode the blocks directly, with the
        // parsed schema shared by every file of the same schema (Avro's stream reader parses it
        // per file).
        org.apache.avro.Schema schema = CanonicalSchemaReader.parse(schemaJson);
        consumer.accept(schema, c.records(bytes, schema));
      } else {
        try (InputStream in = new ByteArrayInputStream(bytes);
            DataFileStream<GenericRecord> stream =
                new DataFileStream<>(in, new CanonicalSchemaReader())) {
          consumer.accept(stream.getSchema(), stream);
        }
      }
    } catch (NoSuchFileException e) {
      throw new CorruptTableException(
          "The "
              + what
              + " "
              + location
              + " is missing: the table references it, but "
              + "it is not there. It was deleted outside DataShard, or the table was copied incompletely.",
          e);
    } catch (DataShardException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      // Damaged bytes surface from Avro's decoder as many kinds of runtime exception (an index out
      // of bounds for a bad union branch, a null for a missing header key, an unsupported
      // operation for an absurd count...): all of them mean the file cannot be read.
      String problem =
          e instanceof IOException
                  || e instanceof AvroRuntimeException
                  || e instanceof IllegalArgumentException
              ? e.getMessage()
              : e.toString();
      for (Throwable t = e; t != null; t = t.getCause()) {
        if ("Invalid sync!".equals(t.getMessage())) {
          problem =
              "a block does not end with the file's sync marker (its bytes were changed or cut)";
        }
      }
      throw new CorruptTableException(
          "Cannot read the "
              + what
              + " "
              + location
              + ": "
              + problem
              + ". The file is damaged or not an Iceberg "
              + what
              + ".",
          e);
    }
  }

  private static final byte[] AVRO_MAGIC = {'O', 'b', 'j', 1};

  /** Larger Avro files are refused rather than read into memory (a manifest targets 8 MB). */
  private static final long MAX_AVRO_FILE_BYTES = 1L << 30;

  /** The most bytes one deflated block of a manifest or manifest list may inflate to. */
  private static final int MAX_INFLATED_BLOCK_BYTES = 256 << 20;

  /**
   * Walks the Avro container (header entries, then each block's count, size and sync marker)
   * checking every declared length against the bytes the file really has, and that the file ends
   * with its sync marker, as every complete Avro file does (Avro's own reader takes a file cut
   * inside a block as a clean end, which would silently drop entries). Avro's reader also allocates
   * what a length declares before reading it, so one damaged varint in a 2 KB file could make it
   * allocate gigabytes; after this check no header value or block can be larger than the file, and
   * {@link BoundedDecoder} does the same inside blocks.
   */
  private static Container checkContainer(byte[] bytes) throws IOException {
    Cursor c = new Cursor(bytes);
    if (!Arrays.equals(c.fixed(4), AVRO_MAGIC)) {
      throw new IOException(
          "it does not start with the Avro magic bytes 'Obj' 1, so it is not an Avro file");
    }
    Container out = new Container();
    for (long n = c.varLong(); n != 0; n = c.varLong()) {
      if (n < 0) {
        n = -n;
        c.varLong(); // the byte size of this block of entries
      }
      if (n > bytes.length) {
        throw new IOException(
            "its header declares "
                + n
                + " metadata entries in a file of "
                + bytes.length
                + " bytes");
      }
      for (long i = 0; i < n; i++) {
        String key =
            new String(c.fixed((int) c.declaredLength("header key")), StandardCharsets.UTF_8);
        out.meta.put(key, c.fixed((int) c.declaredLength("header value")));
      }
    }
    out.deflated = "deflate".equals(out.meta("avro.codec"));
    byte[] sync = c.fixed(16);
    int length = bytes.length;
    while (c.pos < length) {
      int blockStart = c.pos;
      long count = c.varLong();
      long size = c.varLong();
      if (count < 0 || size < 0 || size > length - c.pos - sync.length) {
        throw new IOException(
            "the block at byte "
                + blockStart
                + " declares "
                + count
                + " records in "
                + size
                + " bytes, but only "
                + Math.max(0, length - c.pos - sync.length)
                + " bytes follow");
      }
      if (count > size && !out.deflated) {
        throw new IOException(
            "the block at byte "
                + blockStart
                + " declares "
                + count
                + " records in only "
                + size
                + " bytes");
      }
      out.blocks.add(new long[] {c.pos, size, count});
      c.skip(size);
      if (!Arrays.equals(c.fixed(16), sync)) {
        throw new IOException(
            "the block at byte "
                + blockStart
                + " does not end with the file's sync marker "
                + "(its bytes were changed or cut)");
      }
    }
    return out;
  }

  /** An Avro container file's header entries and the (start, size, count) of each block. */
  private static final class Container {
    public final Map<String, byte[]> meta = new HashMap<>();
    public final List<long[]> blocks = new ArrayList<>();

    /** True if the blocks are compressed with Avro's {@code deflate} codec. */
    boolean deflated;

    String meta(String key) {
      byte[] v = meta.get(key);
      return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    /** A deflated block's bytes, inflated (at most {@link #MAX_INFLATED_BLOCK_BYTES}). */
    private static byte[] inflated(byte[] bytes, int start, int size) throws IOException {
      Inflater inflater = INFLATER.get(); // one per thread, as making one costs
      try {
        inflater.setInput(bytes, start, size);
        ByteArrayOutputStream raw = new ByteArrayOutputStream(size * 3 + 64);
        byte[] buf = new byte[8192];
        while (!inflater.finished()) {
          int n = inflater.inflate(buf);
          if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
            throw new IOException("a deflated block at byte " + start + " ends before its data");
          }
          raw.write(buf, 0, n);
          if (raw.size() > MAX_INFLATED_BLOCK_BYTES) {
            throw new IOException(
                "a deflated block at byte "
                    + start
                    + " inflates to more than "
                    + MAX_INFLATED_BLOCK_BYTES
                    + " bytes");
          }
        }
        return raw.toByteArray();
      } catch (DataFormatException e) {
        throw new IOException(
            "a deflated block at byte " + start + " cannot be inflated (" + e.getMessage() + ")",
            e);
      } finally {
        inflater.reset();
      }
    }

    private static final ThreadLocal<Inflater> INFLATER =
        ThreadLocal.withInitial(() -> new Inflater(true));

    /** The records of an uncompressed or deflated file, decoded block by block. */
    List<GenericRecord> records(byte[] bytes, org.apache.avro.Schema schema) throws IOException {
      GenericDatumReader<GenericRecord> reader = new GenericDatumReader<>(schema);
      List<GenericRecord> out = new ArrayList<>();
      BinaryDecoder decoder = null;
      for (long[] b : blocks) {
        if (deflated) {
          byte[] raw = inflated(bytes, (int) b[0], (int) b[1]);
          if (b[2] > raw.length) {
            throw new IOException(
                "a block declares " + b[2] + " records in only " + raw.length + " bytes");
          }
          decoder = DecoderFactory.get().binaryDecoder(raw, 0, raw.length, decoder);
        } else {
          decoder = DecoderFactory.get().binaryDecoder(bytes, (int) b[0], (int) b[1], decoder);
        }
        BoundedDecoder bounded = new BoundedDecoder(decoder);
        for (long i = 0; i < b[2]; i++) {
          out.add(reader.read(null, bounded));
        }
      }
      return out;
    }
  }

  /** Reads varints and fixed bytes of a file's bytes, never past their end. */
  private static final class Cursor {
    private final byte[] bytes;
    int pos;

    Cursor(byte[] bytes) {
      this.bytes = bytes;
    }

    byte[] fixed(int n) throws IOException {
      if (n > bytes.length - pos) {
        throw new EOFException(
            "it ends at byte " + bytes.length + ", inside its Avro header or a block");
      }
      byte[] b = Arrays.copyOfRange(bytes, pos, pos + n);
      pos += n;
      return b;
    }

    /** A zig-zag varint, as Avro writes longs. */
    long varLong() throws IOException {
      long raw = 0;
      for (int shift = 0; shift < 70; shift += 7) {
        if (pos >= bytes.length) {
          throw new EOFException(
              "it ends at byte " + bytes.length + ", inside its Avro header or a block");
        }
        int b = bytes[pos++] & 0xff;
        raw |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          return (raw >>> 1) ^ -(raw & 1);
        }
      }
      throw new IOException("it holds an invalid varint near byte " + pos);
    }

    long declaredLength(String what) throws IOException {
      long n = varLong();
      if (n < 0 || n > bytes.length - pos) {
        throw new IOException(
            "a "
                + what
                + " at byte "
                + pos
                + " declares "
                + n
                + " bytes, but the file has only "
                + (bytes.length - pos)
                + " more");
      }
      return n;
    }

    void skip(long n) {
      pos += (int) n;
    }
  }

  /**
   * A decoder that refuses string and byte lengths, and array and map counts, larger than the bytes
   * left in the block being read, before Avro would allocate them. (Every item of the arrays and
   * maps in manifests takes at least one byte.)
   */
  public static final class BoundedDecoder extends Decoder {
    private final BinaryDecoder in;

    BoundedDecoder(BinaryDecoder in) {
      this.in = in;
    }

    private long checked(long declared, String what) throws IOException {
      int left = in.inputStream().available();
      if (declared < 0 || declared > left) {
        throw new IOException(
            "a record declares a "
                + what
                + " of "
                + declared
                + " where only "
                + left
                + " bytes are left in its block");
      }
      return declared;
    }

    @Override
    public void readNull() throws IOException {
      in.readNull();
    }

    @Override
    public boolean readBoolean() throws IOException {
      return in.readBoolean();
    }

    @Override
    public int readInt() throws IOException {
      return in.readInt();
    }

    @Override
    public long readLong() throws IOException {
      return in.readLong();
    }

    @Override
    public float readFloat() throws IOException {
      return in.readFloat();
    }

    @Override
    public double readDouble() throws IOException {
      return in.readDouble();
    }

    @Override
    public Utf8 readString(Utf8 old) throws IOException {
      int n = (int) checked(in.readLong(), "string length");
      Utf8 out = old != null ? old : new Utf8();
      out.setByteLength(n);
      in.readFixed(out.getBytes(), 0, n);
      return out;
    }

    @Override
    public String readString() throws IOException {
      return readString(null).toString();
    }

    @Override
    public void skipString() throws IOException {
      in.skipFixed((int) checked(in.readLong(), "string length"));
    }

    @Override
    public ByteBuffer readBytes(ByteBuffer old) throws IOException {
      int n = (int) checked(in.readLong(), "byte length");
      byte[] b = new byte[n];
      in.readFixed(b, 0, n);
      return ByteBuffer.wrap(b);
    }

    @Override
    public void skipBytes() throws IOException {
      in.skipFixed((int) checked(in.readLong(), "byte length"));
    }

    @Override
    public void readFixed(byte[] bytes, int start, int length) throws IOException {
      in.readFixed(bytes, start, length);
    }

    @Override
    public void skipFixed(int length) throws IOException {
      in.skipFixed(length);
    }

    @Override
    public int readEnum() throws IOException {
      return in.readEnum();
    }

    @Override
    public long readArrayStart() throws IOException {
      return checked(in.readArrayStart(), "array count");
    }

    @Override
    public long arrayNext() throws IOException {
      return checked(in.arrayNext(), "array count");
    }

    @Override
    public long skipArray() throws IOException {
      return in.skipArray();
    }

    @Override
    public long readMapStart() throws IOException {
      return checked(in.readMapStart(), "map count");
    }

    @Override
    public long mapNext() throws IOException {
      return checked(in.mapNext(), "map count");
    }

    @Override
    public long skipMap() throws IOException {
      return in.skipMap();
    }

    @Override
    public int readIndex() throws IOException {
      return in.readIndex();
    }
  }

  public static org.apache.avro.Schema unwrap(org.apache.avro.Schema s) {
    if (s.getType() == org.apache.avro.Schema.Type.UNION) {
      for (org.apache.avro.Schema t : s.getTypes()) {
        if (t.getType() != org.apache.avro.Schema.Type.NULL) {
          return t;
        }
      }
    }
    return s;
  }

  /**
   * Avro's generic reader caches a resolver per writer-schema object in a weak identity map whose
   * values refer back to their keys, so entries are never freed; since every file read parses its
   * own schema object, each manifest read leaked about 37 KB (a table of 1,500 manifests ran out of
   * a 256 MB heap after four scans). This reader hands Avro one shared object per distinct schema.
   */
  public static final class CanonicalSchemaReader implements DatumReader<GenericRecord> {
    private static final int MAX_SCHEMAS = 1024;
    private static final Map<String, org.apache.avro.Schema> CANONICAL = new ConcurrentHashMap<>();
    private final GenericDatumReader<GenericRecord> delegate = new GenericDatumReader<>();

    @Override
    public void setSchema(org.apache.avro.Schema schema) {
      delegate.setSchema(canonical(schema.toString(), schema));
    }

    /**
     * The schema of this JSON text, parsed once and shared by all files that carry the same text.
     */
    static org.apache.avro.Schema parse(String json) {
      org.apache.avro.Schema known = CANONICAL.get(json);
      return known != null
          ? known
          : canonical(json, new org.apache.avro.Schema.Parser().parse(json));
    }

    private static org.apache.avro.Schema canonical(String json, org.apache.avro.Schema schema) {
      if (CANONICAL.size() > MAX_SCHEMAS) {
        CANONICAL
            .clear(); // only distinct schemas count; a flood of them (damaged files) must not grow
        // this
      }
      return CANONICAL.computeIfAbsent(json, k -> schema);
    }

    @Override
    public GenericRecord read(GenericRecord reuse, Decoder in) throws IOException {
      return delegate.read(
          reuse, in instanceof BinaryDecoder ? new BoundedDecoder((BinaryDecoder) in) : in);
    }
  }

  /** Positions of a record schema's fields by Iceberg field id. */
  public static final class FieldIndex {
    private final Map<Integer, Integer> positions = new HashMap<>();

    // Not cached across files: each file parses its own schema object, and a cache keyed by those
    // objects grew by one entry per manifest read (a memory leak found by the long history check).
    static FieldIndex of(org.apache.avro.Schema schema) {
      return new FieldIndex(schema);
    }

    private FieldIndex(org.apache.avro.Schema schema) {
      for (org.apache.avro.Schema.Field f : schema.getFields()) {
        Object id = f.getObjectProp("field-id");
        if (id instanceof Number) {
          positions.put(((Number) id).intValue(), f.pos());
        }
      }
    }

    Integer position(int id) {
      return positions.get(id);
    }

    Object get(GenericRecord r, int id) {
      Integer pos = positions.get(id);
      return pos == null ? null : r.get(pos);
    }

    long longOr(GenericRecord r, int id, long fallback) {
      Object v = get(r, id);
      return v == null ? fallback : ((Number) v).longValue();
    }

    String string(GenericRecord r, int id) {
      Object v = get(r, id);
      if (v == null) {
        throw new IllegalArgumentException("required field " + id + " is missing");
      }
      return v instanceof Utf8 ? v.toString() : String.valueOf(v);
    }
  }
}
