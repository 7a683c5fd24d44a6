package io.datashard.interop;

import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Scan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.encryption.EncryptedOutputFile;
import org.apache.iceberg.hadoop.HadoopTables;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.assertj.core.api.Assertions;

/**
 * Apache Iceberg Java (test scope only), used as the reference reader and writer in tests.
 *
 * <p>Every value handed out follows DataShard's {@code Row} conventions (see {@link #plain}), so
 * rows read here compare with {@code io.datashard.Row#toMap()} using plain {@code equals}.
 *
 * <p>Hadoop runs with the configuration of {@link #conf()}: the local filesystem is {@link
 * FastLocalFileSystem} (no {@code .crc} side files, and no {@code chmod} process forked per file or
 * directory created, which is what Hadoop does when its native library is not loaded).
 */
public final class IcebergJava {
  private IcebergJava() {}

  // ---------------------------------------------------------------------------------------------
  // Hadoop setup

  /**
   * Hadoop's raw local filesystem whose {@code setPermission} does nothing.
   *
   * <p>Without the native Hadoop library, {@link RawLocalFileSystem} runs {@code chmod} in a child
   * process for every file it creates and every directory it makes (through {@code setPermission}).
   * Tests don't care about permission bits (the process umask applies as for any Java file), so
   * this skips them. Being raw (not a {@code ChecksumFileSystem}) it writes no {@code .crc} files.
   *
   * <p>Compiling this subclass prints a few javac warnings "Cannot find annotation method 'value()'
   * in type InterfaceAudience.LimitedPrivate": hadoop-annotations is not on the test classpath;
   * they are harmless.
   */
  public static final class FastLocalFileSystem extends RawLocalFileSystem {
    private static final AtomicLong SKIPPED = new AtomicLong();

    @Override
    public void setPermission(org.apache.hadoop.fs.Path p, FsPermission permission) {
      SKIPPED.incrementAndGet();
    }

    /** How many permission changes were skipped in this JVM (each one a forked chmod otherwise). */
    public static long skippedCalls() {
      return SKIPPED.get();
    }
  }

  private static final Configuration CONF = newConf();

  private static Configuration newConf() {
    // false: no core-default.xml / core-site.xml; nothing on the test classpath can change this
    Configuration conf = new Configuration(false);
    conf.set("fs.file.impl", FastLocalFileSystem.class.getName());
    // FileSystem's cache is keyed by scheme and user, not by configuration: without this, a
    // "file:" filesystem cached by other code would be handed to us (and ours to it)
    conf.setBoolean("fs.file.impl.disable.cache", true);
    return conf;
  }

  /**
   * A new Hadoop configuration for the local filesystem: {@link FastLocalFileSystem} for {@code
   * file:} and plain paths, not cached. Each call returns a copy that may be changed.
   */
  public static Configuration conf() {
    return new Configuration(CONF);
  }

  /** HadoopTables over the shared configuration. */
  public static HadoopTables tables() {
    return new HadoopTables(CONF);
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  /** Loads the table at a directory, the way catalog-less Iceberg readers do (version hint). */
  public static Table load(Path tableDir) {
    return tables().load(tableDir.toString());
  }

  /** All rows of a snapshot ({@code null}: the current one), in DataShard's value conventions. */
  public static List<Map<String, Object>> readRows(Path tableDir, Long snapshotIdOrNull) {
    return rows(load(tableDir), snapshotIdOrNull);
  }

  /** All rows of the snapshot current at a time (Iceberg's {@code asOfTime}). */
  public static List<Map<String, Object>> readRowsAsOf(Path tableDir, long timestampMillis) {
    return rowsAsOf(load(tableDir), timestampMillis);
  }

  /** Snapshot ids, oldest first (by sequence number, then commit time). */
  public static List<Long> snapshotIds(Path tableDir) {
    List<Long> out = new ArrayList<>();
    for (Snapshot s : snapshots(load(tableDir))) {
      out.add(s.snapshotId());
    }
    return out;
  }

  /** Snapshot commit times in epoch milliseconds, in the order of {@link #snapshotIds}. */
  public static List<Long> snapshotTimestamps(Path tableDir) {
    List<Long> out = new ArrayList<>();
    for (Snapshot s : snapshots(load(tableDir))) {
      out.add(s.timestampMillis());
    }
    return out;
  }

  /** The current snapshot id, or null for a table without snapshots. */
  public static Long currentSnapshotId(Path tableDir) {
    Snapshot s = load(tableDir).currentSnapshot();
    return s == null ? null : s.snapshotId();
  }

  /** The current schema as Iceberg Java sees it. */
  public static Schema schema(Path tableDir) {
    return load(tableDir).schema();
  }

  /** {@link Schema#toString()} of the current schema: field ids, names, optionality and types. */
  public static String schemaString(Path tableDir) {
    return schema(tableDir).toString();
  }

  private static List<Snapshot> snapshots(Table table) {
    List<Snapshot> out = new ArrayList<>();
    table.snapshots().forEach(out::add);
    out.sort(
        Comparator.comparingLong(Snapshot::sequenceNumber)
            .thenComparingLong(Snapshot::timestampMillis));
    return out;
  }

  /** All rows of a snapshot (null: current) as plain maps, in DataShard's value conventions. */
  public static List<Map<String, Object>> rows(Table table, Long snapshotId) {
    IcebergGenerics.ScanBuilder scan = IcebergGenerics.read(table);
    if (snapshotId != null) {
      scan = scan.useSnapshot(snapshotId);
    }
    return collect(scan.build());
  }

  /** All rows as of a time, in DataShard's value conventions. */
  public static List<Map<String, Object>> rowsAsOf(Table table, long millis) {
    return collect(IcebergGenerics.read(table).asOfTime(millis).build());
  }

  private static List<Map<String, Object>> collect(CloseableIterable<Record> records) {
    List<Map<String, Object>> out = new ArrayList<>();
    try (CloseableIterable<Record> it = records) {
      for (Record r : it) {
        out.add(toMap(r));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  static Map<String, Object> toMap(Record r) {
    Map<String, Object> m = new LinkedHashMap<>();
    List<Types.NestedField> fields = r.struct().fields();
    for (int i = 0; i < fields.size(); i++) {
      if (org.apache.iceberg.MetadataColumns.isMetadataColumn(fields.get(i).fieldId())) {
        continue; // _pos and the like, which Iceberg's reader adds to apply deletes
      }
      m.put(fields.get(i).name(), plain(r.get(i)));
    }
    return m;
  }

  /**
   * An Iceberg generic value in DataShard conventions: struct records become {@code
   * Map<String,Object>} (field order kept), fixed {@code byte[]} and binary buffers become a fresh
   * heap {@link ByteBuffer} of exactly the value, {@code CharSequence} becomes {@code String},
   * timestamptz an {@link OffsetDateTime} at UTC; lists and maps are converted element-wise; all
   * other values (Boolean, Integer, Long, Float, Double, BigDecimal, LocalDate, LocalTime,
   * LocalDateTime, UUID) are already the same.
   */
  public static Object plain(Object v) {
    if (v instanceof Record) {
      return toMap((Record) v);
    }
    if (v instanceof byte[]) {
      return ByteBuffer.wrap(((byte[]) v).clone());
    }
    if (v instanceof ByteBuffer) {
      ByteBuffer src = ((ByteBuffer) v).duplicate();
      ByteBuffer copy = ByteBuffer.allocate(src.remaining());
      copy.put(src).flip();
      return copy;
    }
    if (v instanceof CharSequence) {
      return v.toString();
    }
    if (v instanceof OffsetDateTime) {
      return ((OffsetDateTime) v).withOffsetSameInstant(ZoneOffset.UTC);
    }
    if (v instanceof List) {
      List<Object> out = new ArrayList<>();
      for (Object o : (List<?>) v) {
        out.add(plain(o));
      }
      return out;
    }
    if (v instanceof Map) {
      Map<Object, Object> out = new LinkedHashMap<>();
      ((Map<?, ?>) v).forEach((k, x) -> out.put(plain(k), plain(x)));
      return out;
    }
    return v;
  }

  // ---------------------------------------------------------------------------------------------
  // Writing

  /**
   * Writes rows given in DataShard conventions (missing keys are null; byte[] is accepted for fixed
   * and binary, any {@code Map} for a struct) as one Parquet data file with Iceberg's own generic
   * writer and file naming, and returns the {@link DataFile} (with full metrics and split offsets)
   * without committing it. Unpartitioned tables only.
   */
  public static DataFile writeDataFile(Table table, List<Map<String, Object>> rows) {
    Schema schema = table.schema();
    List<Record> records = new ArrayList<>(rows.size());
    for (Map<String, Object> row : rows) {
      records.add(toRecord(schema.asStruct(), row));
    }
    EncryptedOutputFile out =
        OutputFileFactory.builderFor(table, 0, FILE_COUNTER.incrementAndGet())
            .format(FileFormat.PARQUET)
            .build()
            .newOutputFile();
    // with the table's properties, as engines do (new tables say
    // write.parquet.compression-codec=zstd)
    FileAppender<Record> appender =
        new GenericAppenderFactory(schema, table.spec())
            .setAll(table.properties())
            .newAppender(out.encryptingOutputFile(), FileFormat.PARQUET);
    try (FileAppender<Record> a = appender) {
      a.addAll(records);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return DataFiles.builder(table.spec())
        .withEncryptedOutputFile(out)
        .withFormat(FileFormat.PARQUET)
        .withMetrics(appender.metrics())
        .withSplitOffsets(appender.splitOffsets())
        .build();
  }

  private static final AtomicLong FILE_COUNTER = new AtomicLong();

  /**
   * Appends rows (DataShard conventions) to a table with Iceberg Java: one data file per batch, all
   * batches in one commit (one new snapshot). Returns the new snapshot id.
   */
  @SafeVarargs
  public static long append(Table table, List<Map<String, Object>>... batches) {
    AppendFiles append = table.newAppend();
    for (List<Map<String, Object>> batch : batches) {
      append.appendFile(writeDataFile(table, batch));
    }
    append.commit();
    return table.currentSnapshot().snapshotId();
  }

  /** Appends rows to the table at a directory with Iceberg Java (one file, one commit). */
  public static long append(Path tableDir, List<Map<String, Object>> rows) {
    return append(load(tableDir), rows);
  }

  /** A value in DataShard conventions as the Iceberg generic value of a type. */
  public static Object toIceberg(Type type, Object v) {
    if (v == null) {
      return null;
    }
    switch (type.typeId()) {
      case FIXED:
        return v instanceof ByteBuffer ? bytes((ByteBuffer) v) : v;
      case BINARY:
        // a duplicate: the caller's buffer position stays as it was
        return v instanceof byte[] ? ByteBuffer.wrap((byte[]) v) : ((ByteBuffer) v).duplicate();
      case STRUCT:
        {
          if (v instanceof Record) {
            return v;
          }
          return toRecord(type.asStructType(), (Map<?, ?>) v);
        }
      case LIST:
        {
          Type element = type.asListType().elementType();
          List<Object> out = new ArrayList<>();
          for (Object o : (List<?>) v) {
            out.add(toIceberg(element, o));
          }
          return out;
        }
      case MAP:
        {
          Types.MapType mt = type.asMapType();
          Map<Object, Object> out = new LinkedHashMap<>();
          ((Map<?, ?>) v)
              .forEach((k, x) -> out.put(toIceberg(mt.keyType(), k), toIceberg(mt.valueType(), x)));
          return out;
        }
      default:
        return v;
    }
  }

  private static Record toRecord(Types.StructType struct, Map<?, ?> values) {
    for (Object key : values.keySet()) {
      if (struct.field(String.valueOf(key)) == null) {
        throw new IllegalArgumentException("No field '" + key + "' in " + struct);
      }
    }
    GenericRecord r = GenericRecord.create(struct);
    for (Types.NestedField f : struct.fields()) {
      r.setField(f.name(), toIceberg(f.type(), values.get(f.name())));
    }
    return r;
  }

  private static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // The sample table

  /**
   * The schema of the sample table as given to Iceberg (Iceberg assigns fresh ids on create: the
   * top-level columns get 1..19 in this order; see {@link #schema(Path)} for the stored ids). Every
   * Iceberg v2 primitive type, nested list, map and struct; required: id, i, s, pos.y.
   */
  public static final Schema SAMPLE_SCHEMA =
      new Schema(
          Types.NestedField.required(1, "id", Types.LongType.get()),
          Types.NestedField.optional(2, "b", Types.BooleanType.get()),
          Types.NestedField.required(3, "i", Types.IntegerType.get()),
          Types.NestedField.optional(4, "f", Types.FloatType.get()),
          Types.NestedField.optional(5, "d", Types.DoubleType.get()),
          Types.NestedField.optional(6, "dec9", Types.DecimalType.of(9, 2)),
          Types.NestedField.optional(7, "dec18", Types.DecimalType.of(18, 4)),
          Types.NestedField.optional(8, "dec38", Types.DecimalType.of(38, 10)),
          Types.NestedField.optional(9, "dt", Types.DateType.get()),
          Types.NestedField.optional(10, "t", Types.TimeType.get()),
          Types.NestedField.optional(11, "ts", Types.TimestampType.withoutZone()),
          Types.NestedField.optional(12, "tz", Types.TimestampType.withZone()),
          Types.NestedField.required(13, "s", Types.StringType.get()),
          Types.NestedField.optional(14, "u", Types.UUIDType.get()),
          Types.NestedField.optional(15, "fx", Types.FixedType.ofLength(4)),
          Types.NestedField.optional(16, "bin", Types.BinaryType.get()),
          Types.NestedField.optional(
              17, "emb", Types.ListType.ofOptional(20, Types.FloatType.get())),
          Types.NestedField.optional(
              18,
              "tags",
              Types.MapType.ofOptional(21, 22, Types.StringType.get(), Types.IntegerType.get())),
          Types.NestedField.optional(
              19,
              "pos",
              Types.StructType.of(
                  Types.NestedField.optional(23, "x", Types.DoubleType.get()),
                  Types.NestedField.required(24, "y", Types.DoubleType.get()))));

  /**
   * Rows (ids) of each commit of the sample table; each inner list is one data file. Commit 0: ids
   * 0-4 in one file; commit 1: ids 5-6 and 7-9 in two files; commit 2: ids 10-14 in one file.
   */
  private static final int[][][] SAMPLE_COMMITS = {
    {{0, 1, 2, 3, 4}},
    {{5, 6}, {7, 8, 9}},
    {{10, 11, 12, 13, 14}},
  };

  /** Number of snapshots of the sample table (one per append). */
  public static final int SAMPLE_SNAPSHOTS = SAMPLE_COMMITS.length;

  /**
   * Writes the sample table with Apache Iceberg Java ({@link HadoopTables}, format-version 2,
   * unpartitioned, table location given as a plain absolute path) into {@code tableDir}, which must
   * not hold a table yet: a create commit (v1.metadata.json, no snapshot) and then {@link
   * #SAMPLE_SNAPSHOTS} appends, each a few milliseconds after the previous one so that every
   * snapshot has its own commit time. Returns {@code tableDir}.
   *
   * @see #sampleExpectedRows()
   */
  public static Path writeSampleTable(Path tableDir) {
    return writeSampleTable(tableDir, false);
  }

  /**
   * As {@link #writeSampleTable(Path)}; with {@code fileUri} the table location is given to Iceberg
   * as a {@code file:} URI instead of a plain path, so that every location recorded in metadata,
   * manifest lists and manifests is a {@code file:/...} URI.
   */
  public static Path writeSampleTable(Path tableDir, boolean fileUri) {
    Path abs = tableDir.toAbsolutePath();
    // Path.toUri() ends with '/' for an existing directory; Iceberg wants none
    String location = fileUri ? abs.toUri().toString().replaceAll("/+$", "") : abs.toString();
    Table table =
        tables()
            .create(
                SAMPLE_SCHEMA,
                PartitionSpec.unpartitioned(),
                Map.of(TableProperties.FORMAT_VERSION, "2"),
                location);
    long last = 0;
    for (int[][] commit : SAMPLE_COMMITS) {
      // distinct, strictly increasing commit times (as-of reads need them apart)
      while (System.currentTimeMillis() <= last + 2) {
        sleep(1);
      }
      AppendFiles append = table.newAppend();
      for (int[] file : commit) {
        append.appendFile(writeDataFile(table, sampleRows(file)));
      }
      append.commit();
      last = table.currentSnapshot().timestampMillis();
    }
    sleep(3); // an as-of time after the last commit is strictly after it
    return tableDir;
  }

  /**
   * The rows of each snapshot of the sample table, oldest snapshot first (index i matches {@code
   * snapshotIds(dir).get(i)}), in DataShard's value conventions, ordered by {@code id}; each
   * snapshot holds the rows of all appends so far. Unmodifiable.
   */
  public static List<List<Map<String, Object>>> sampleExpectedRows() {
    List<List<Map<String, Object>>> out = new ArrayList<>();
    List<Map<String, Object>> soFar = new ArrayList<>();
    for (int[][] commit : SAMPLE_COMMITS) {
      for (int[] file : commit) {
        soFar.addAll(sampleRows(file));
      }
      out.add(Collections.unmodifiableList(new ArrayList<>(soFar)));
    }
    return Collections.unmodifiableList(out);
  }

  /** The rows of one snapshot of the sample table (0: oldest), as {@link #sampleExpectedRows()}. */
  public static List<Map<String, Object>> sampleExpectedRows(int snapshotIndex) {
    return sampleExpectedRows().get(snapshotIndex);
  }

  private static List<Map<String, Object>> sampleRows(int[] ids) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (int id : ids) {
      out.add(sampleRow(id));
    }
    return out;
  }

  /**
   * Sample row {@code k}, every column present (null where missing), in DataShard conventions. Rows
   * with {@code k % 5 == 4} have every optional column null. Edge cases: row 0 has an empty binary,
   * pre-1970 date and timestamp and midnight; row 1 NaN, -Infinity, a null list element, -0.0, a
   * null map value and 23:59:59.999999; row 2 an empty list and an empty map; row 3 a struct with a
   * null field.
   */
  public static Map<String, Object> sampleRow(int k) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (Types.NestedField f : SAMPLE_SCHEMA.columns()) {
      m.put(f.name(), null);
    }
    m.put("id", (long) k);
    m.put("i", k * 7 - 20);
    m.put("s", "row-" + k + " ü€😀");
    if (k % 5 == 4) {
      return m;
    }
    m.put("b", k % 2 == 0);
    m.put("f", k == 1 ? Float.NEGATIVE_INFINITY : k * 1.5f);
    m.put("d", k == 1 ? Double.NaN : k / 3.0);
    m.put("dec9", BigDecimal.valueOf(k * 12_345L - 30_000L, 2));
    m.put("dec18", BigDecimal.valueOf(k * 123_456_789_012L - 5L, 4));
    BigInteger big =
        new BigInteger("1234567890123456789012345678").multiply(BigInteger.valueOf(k + 1));
    m.put("dec38", new BigDecimal(k % 2 == 1 ? big.negate() : big, 10));
    m.put("dt", LocalDate.of(1969, 12, 30).plusDays(k * 400L));
    m.put(
        "t",
        k == 1
            ? LocalTime.of(23, 59, 59, 999_999_000)
            : LocalTime.ofNanoOfDay((k * 3_723_456_789L % 86_400_000_000L) * 1000));
    m.put("ts", LocalDateTime.of(1969, 12, 31, 23, 59, 59).plusNanos(k * 1_000_001_000L));
    m.put(
        "tz",
        OffsetDateTime.of(2024, 2, 29, 12, 0, 0, 0, ZoneOffset.UTC)
            .plusNanos(k * 86_399_000_001_000L));
    m.put("u", new UUID(0x0123_4567_89AB_CDEFL * (k + 1), ~(long) k));
    m.put("fx", ByteBuffer.wrap(new byte[] {(byte) k, (byte) (k + 1), (byte) 0xFF, 0x7F}));
    byte[] bin = new byte[k];
    Arrays.fill(bin, (byte) (0x80 + k));
    m.put("bin", ByteBuffer.wrap(bin));
    if (k == 1) {
      m.put("emb", Arrays.asList(1f, null, -0.0f));
      Map<String, Object> tags = new LinkedHashMap<>();
      tags.put("n", null);
      tags.put("one", 1);
      m.put("tags", tags);
    } else if (k == 2) {
      m.put("emb", List.of());
      m.put("tags", Map.of());
    } else {
      m.put("emb", List.of((float) k, k + 0.25f));
      m.put("tags", Map.of("a", k, "b" + k, -k));
    }
    Map<String, Object> pos = new LinkedHashMap<>();
    pos.put("x", k == 3 ? null : k * 0.5);
    pos.put("y", -1.0 * k);
    m.put("pos", pos);
    return m;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Comparing with DataShard

  /**
   * Checks that Apache Iceberg Java, opening the directory on its own, sees the same snapshot ids,
   * schema and current rows as DataShard; with {@code everySnapshot}, also the rows of every
   * snapshot by id and by its commit time.
   */
  public static void assertSameAsDataShard(Path dir, boolean everySnapshot) {
    io.datashard.Table ours = DataShard.open(dir);
    Table ice = load(dir);
    List<Long> iceIds = new ArrayList<>();
    ice.snapshots().forEach(s -> iceIds.add(s.snapshotId()));
    List<Long> ourIds = new ArrayList<>();
    ours.snapshots().forEach(s -> ourIds.add(s.snapshotId()));
    Assertions.assertThat(iceIds).as("snapshot ids").isEqualTo(ourIds);
    Assertions.assertThat(ice.schema().columns().size()).isEqualTo(ours.schema().columns().size());
    for (io.datashard.Types.NestedField f : ours.schema().columns()) {
      Assertions.assertThat(ice.schema().findField(f.id()).name()).isEqualTo(f.name());
    }
    Assertions.assertThat(rows(ice, null))
        .as("current rows")
        .containsExactlyInAnyOrderElementsOf(dataShardRows(ours.scan()));
    if (everySnapshot) {
      for (io.datashard.Snapshot s : ours.snapshots()) {
        List<Map<String, Object>> expected = dataShardRows(ours.scan().useSnapshot(s.snapshotId()));
        Assertions.assertThat(rows(ice, s.snapshotId()))
            .as("rows of snapshot %d", s.snapshotId())
            .containsExactlyInAnyOrderElementsOf(expected);
        Assertions.assertThat(rowsAsOf(ice, s.timestampMillis()))
            .as("rows as of %d", s.timestampMillis())
            .containsExactlyInAnyOrderElementsOf(
                dataShardRows(ours.scan().asOfMillis(s.timestampMillis())));
      }
    }
  }

  private static List<Map<String, Object>> dataShardRows(Scan scan) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Row r : scan.toList()) {
      out.add(r.toMap());
    }
    return out;
  }

  /**
   * The manifests of the current snapshot as Iceberg Java reads them: path, added, existing,
   * deleted (file counts).
   */
  public static List<Map<String, Object>> manifests(Path tableDir) {
    Table t = load(tableDir);
    List<Map<String, Object>> out = new ArrayList<>();
    if (t.currentSnapshot() == null) {
      return out;
    }
    for (ManifestFile m : t.currentSnapshot().allManifests(t.io())) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("path", m.path());
      row.put("added", m.addedFilesCount());
      row.put("existing", m.existingFilesCount());
      row.put("deleted", m.deletedFilesCount());
      out.add(row);
    }
    return out;
  }

  /** The data sequence numbers of the current snapshot's data files, as Iceberg Java plans them. */
  public static List<Long> dataSequenceNumbers(Path tableDir) {
    Table t = load(tableDir);
    List<Long> out = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = t.newScan().planFiles()) {
      for (FileScanTask task : tasks) {
        out.add(task.file().dataSequenceNumber());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}
