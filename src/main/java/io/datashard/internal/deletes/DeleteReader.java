package io.datashard.internal.deletes;

import io.datashard.CloseableIterator;
import io.datashard.DataFile;
import io.datashard.DataShardException;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.TableProperties;
import io.datashard.Types;
import io.datashard.ValidationException;
import io.datashard.internal.DataFileIO;
import io.datashard.internal.Rows;
import io.datashard.internal.manifest.ManifestIO;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.storage.Storage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Applies row-level deletes while a data file is read: the rows at deleted positions and the rows
 * whose delete columns equal a row of an applicable equality delete file are left out.
 *
 * <p>One reader serves one scan and keeps what it read of each delete file for the scan's other
 * data files: the positions of a position delete file grouped by data file (unless the file has
 * more than {@link #CACHED_POSITIONS_MAX} rows: then it is read again for each data file, keeping
 * only that file's positions), and the keys of an equality delete file. Memory grows with the
 * positions deleted from one data file and with the keys of the applicable equality deletes, up to
 * {@link io.datashard.TableProperties#DELETE_KEYS_MAX}: beyond that a data file's matches are found
 * a bounded chunk of keys at a time and kept as a bitmap of its positions. Safe for use by several
 * threads at once (parallel scans).
 */
public final class DeleteReader {
  /** Position delete files with more rows than this are not kept in memory whole. */
  static final long CACHED_POSITIONS_MAX = 2_000_000;

  private static final Schema POSITION_SCHEMA =
      new Schema(
          0,
          List.of(
              Types.NestedField.required(DeleteIndex.FILE_PATH_ID, "file_path", Types.STRING),
              Types.NestedField.required(DeleteIndex.POS_ID, "pos", Types.LONG)));

  private final Storage storage;
  private final UnaryOperator<String> resolve;
  private final TableMetadata meta;
  private final Map<String, Map<String, long[]>> positionCache = new ConcurrentHashMap<>();
  private final Map<String, Set<List<Object>>> keyCache = new ConcurrentHashMap<>();
  private final int keysMax;

  /**
   * @param resolve turns a path in the metadata into one the storage opens
   * @param meta the version read (its schemas name the columns of equality deletes)
   */
  public DeleteReader(Storage storage, UnaryOperator<String> resolve, TableMetadata meta) {
    this.storage = storage;
    this.resolve = resolve;
    this.meta = meta;
    long max =
        meta == null
            ? TableProperties.DELETE_KEYS_MAX_DEFAULT
            : meta.propertyLong(
                TableProperties.DELETE_KEYS_MAX, TableProperties.DELETE_KEYS_MAX_DEFAULT);
    this.keysMax = (int) Math.max(1, Math.min(Integer.MAX_VALUE - 8, max));
  }

  // ---------------------------------------------------------------- positions

  /** The positions of a data file that its position deletes remove, sorted, without duplicates. */
  public long[] deletedPositions(DataFile f, DeleteIndex.FileDeletes deletes) {
    return deletes.positions().isEmpty() ? new long[0] : positions(f.path(), deletes.positions());
  }

  /** The deleted positions of {@code dataPath}, sorted, without duplicates. */
  long[] positions(String dataPath, List<ManifestIO.DeleteEntry> deletes) {
    long[] all = new long[0];
    int n = 0;
    for (ManifestIO.DeleteEntry d : deletes) {
      long[] some = positionsIn(d, dataPath);
      if (n + some.length > all.length) {
        all = Arrays.copyOf(all, Math.max(n + some.length, all.length * 2));
      }
      System.arraycopy(some, 0, all, n, some.length);
      n += some.length;
    }
    long[] sorted = Arrays.copyOf(all, n);
    Arrays.sort(sorted);
    int unique = 0;
    for (int i = 0; i < sorted.length; i++) {
      if (i == 0 || sorted[i] != sorted[i - 1]) {
        sorted[unique++] = sorted[i];
      }
    }
    return Arrays.copyOf(sorted, unique);
  }

  private long[] positionsIn(ManifestIO.DeleteEntry d, String dataPath) {
    String path = d.file.path();
    if (d.file.recordCount() >= 0 && d.file.recordCount() <= CACHED_POSITIONS_MAX) {
      Map<String, long[]> byFile = positionCache.computeIfAbsent(path, p -> readPositions(d, null));
      long[] found = byFile.get(dataPath);
      return found == null ? new long[0] : found;
    }
    long[] found = readPositions(d, dataPath).get(dataPath);
    return found == null ? new long[0] : found;
  }

  /** The positions a delete file lists, by data file (only {@code onlyPath}'s, if not null). */
  private Map<String, long[]> readPositions(ManifestIO.DeleteEntry d, String onlyPath) {
    Map<String, long[]> out = new HashMap<>();
    Map<String, Integer> sizes = new HashMap<>();
    String location = resolve.apply(d.file.path());
    try (CloseableIterator<Row> rows =
        DataFileIO.read(storage, location, d.file.format(), POSITION_SCHEMA)) {
      String last = null;
      long[] current = null;
      int size = 0;
      while (rows.hasNext()) {
        Row r = rows.next();
        Object p = r.get(0);
        Object pos = r.get(1);
        if (p == null || pos == null) {
          throw new IllegalArgumentException("a row has no file_path or no pos");
        }
        String file = p.toString();
        if (onlyPath != null && !onlyPath.equals(file)) {
          continue;
        }
        if (!file.equals(last)) {
          if (last != null) {
            out.put(last, current);
            sizes.put(last, size);
          }
          last = file;
          current = out.get(file);
          size = current == null ? 0 : sizes.get(file);
          if (current == null) {
            current = new long[16];
          }
        }
        if (size == current.length) {
          current = Arrays.copyOf(current, size * 2);
        }
        current[size++] = (Long) pos;
      }
      if (last != null) {
        out.put(last, current);
        sizes.put(last, size);
      }
    } catch (RuntimeException e) {
      throw unreadable(d, e);
    }
    for (Map.Entry<String, long[]> e : out.entrySet()) {
      e.setValue(Arrays.copyOf(e.getValue(), sizes.get(e.getKey())));
    }
    return out;
  }

  // ---------------------------------------------------------------- equality keys

  /** The delete columns of an equality delete file, as fields of the table's schemas. */
  List<Types.NestedField> keyFields(ManifestIO.DeleteEntry d) {
    List<Types.NestedField> out = new ArrayList<>();
    for (int id : d.equalityIds) {
      out.add(field(d, id));
    }
    return out;
  }

  /**
   * The field with this id in the current schema, else in the newest older schema that has it (a
   * delete column dropped later still applies).
   */
  private Types.NestedField field(ManifestIO.DeleteEntry d, int id) {
    List<Schema> schemas = new ArrayList<>();
    schemas.add(meta.schema());
    List<Schema> older = new ArrayList<>(meta.schemas());
    older.sort((a, b) -> Integer.compare(b.schemaId(), a.schemaId()));
    schemas.addAll(older);
    for (Schema s : schemas) {
      Types.NestedField f = s.asStruct().fieldById(id);
      if (f != null) {
        if (!f.type().isPrimitive()) {
          throw new ValidationException(
              "The equality delete file "
                  + d.file.path()
                  + " matches rows on column '"
                  + f.name()
                  + "' (id "
                  + id
                  + "), which is not a primitive column: this version of DataShard cannot apply "
                  + "such deletes. Read the table with Apache Iceberg.");
        }
        return f;
      }
      if (s.findField(id) != null) {
        throw new ValidationException(
            "The equality delete file "
                + d.file.path()
                + " matches rows on the nested column id "
                + id
                + ": this version of DataShard applies equality deletes on top-level columns "
                + "only. Read the table with Apache Iceberg.");
      }
    }
    throw new ValidationException(
        "The equality delete file "
            + d.file.path()
            + " matches rows on column id "
            + id
            + ", which no schema of table "
            + "has: the delete file or the table's metadata is damaged. The other snapshots of the "
            + "table stay readable.");
  }

  /** The keys (values of the delete columns, in {@code equalityIds} order) of a delete file. */
  private Set<List<Object>> keys(ManifestIO.DeleteEntry d) {
    return keyCache.computeIfAbsent(d.file.path(), p -> readKeys(d));
  }

  /** The delete columns of an equality delete file as a schema to read it (or a data file) with. */
  private Schema keySchema(ManifestIO.DeleteEntry d) {
    List<Types.NestedField> fields = new ArrayList<>();
    for (Types.NestedField f : keyFields(d)) {
      fields.add(Types.NestedField.optional(f.id(), f.name(), f.type()));
    }
    return new Schema(0, fields);
  }

  private Set<List<Object>> readKeys(ManifestIO.DeleteEntry d) {
    Schema schema = keySchema(d);
    Set<List<Object>> out = new HashSet<>();
    try (CloseableIterator<Row> rows =
        DataFileIO.read(storage, resolve.apply(d.file.path()), d.file.format(), schema)) {
      while (rows.hasNext()) {
        out.add(key(rows.next(), schema.columns().size()));
      }
    } catch (RuntimeException e) {
      throw unreadable(d, e);
    }
    return out;
  }

  private DataShardException unreadable(ManifestIO.DeleteEntry d, RuntimeException e) {
    if (e instanceof ValidationException v) {
      return v;
    }
    return new DataShardException(
        "Cannot apply the "
            + (d.content == ManifestIO.POSITION_DELETES ? "position" : "equality")
            + " delete file "
            + d.file.path()
            + ": "
            + e.getMessage()
            + ". It is missing, damaged or not a delete file; the snapshots without it "
            + "(older ones, or newer ones after a compaction) stay readable.",
        e);
  }

  // ---------------------------------------------------------------- reading a data file

  /** How to open a data file with a projection, reading every row (positions must stay right). */
  public interface Opener extends Function<Schema, CloseableIterator<Row>> {}

  /**
   * The rows of a data file in {@code projection} without those its deletes remove.
   *
   * @param open reads the data file with a schema, every row in file order
   */
  public PositionedRows apply(
      DataFile f, DeleteIndex.FileDeletes deletes, Schema projection, Opener open) {
    long[] deleted =
        deletes.positions().isEmpty() ? new long[0] : positions(f.path(), deletes.positions());
    // the delete columns a projection lacks are read too, and dropped after the test
    List<Types.NestedField> readFields = new ArrayList<>(projection.columns());
    Set<String> names = new HashSet<>();
    readFields.forEach(x -> names.add(x.name()));
    Map<List<Integer>, Set<List<Object>>> keysById = new LinkedHashMap<>();
    long keyRows = 0;
    for (ManifestIO.DeleteEntry d : deletes.equalities()) {
      keyRows += d.file.recordCount() < 0 ? Long.MAX_VALUE / 2 : d.file.recordCount();
    }
    // more keys than a reader may hold: their matches are found first, a bounded pass at a time
    BitSet matched = keyRows > keysMax ? matchedInPasses(deletes.equalities(), open) : null;
    for (ManifestIO.DeleteEntry d :
        matched != null ? List.<ManifestIO.DeleteEntry>of() : deletes.equalities()) {
      for (Types.NestedField k : keyFields(d)) {
        if (projection.asStruct().fieldById(k.id()) == null
            && readFields.stream().noneMatch(x -> x.id() == k.id())) {
          String name = names.add(k.name()) ? k.name() : "_delete_column_" + k.id();
          readFields.add(Types.NestedField.optional(k.id(), name, k.type()));
        }
      }
      keysById.computeIfAbsent(d.equalityIds, k -> new HashSet<>()).addAll(keys(d));
    }
    Schema read =
        readFields.size() == projection.columns().size()
            ? projection
            : new Schema(projection.schemaId(), readFields);
    Types.StructType readType = read.asStruct();
    List<int[]> keyPositions = new ArrayList<>();
    List<Set<List<Object>>> keySets = new ArrayList<>();
    for (Map.Entry<List<Integer>, Set<List<Object>>> e : keysById.entrySet()) {
      int[] pos = new int[e.getKey().size()];
      for (int i = 0; i < pos.length; i++) {
        pos[i] = indexOf(readType, e.getKey().get(i));
      }
      keyPositions.add(pos);
      keySets.add(e.getValue());
    }
    boolean narrow = read != projection;
    Types.StructType outType = projection.asStruct();
    CloseableIterator<Row> rows = open.apply(read);
    return new PositionedRows() {
      private long position = -1;
      private long nextPosition = -1;
      private int nextDeleted = 0;
      private Row next;

      @Override
      public long position() {
        return nextPosition;
      }

      @Override
      public boolean hasNext() {
        while (next == null) {
          if (!rows.hasNext()) {
            return false;
          }
          Row r = rows.next();
          position++;
          while (nextDeleted < deleted.length && deleted[nextDeleted] < position) {
            nextDeleted++;
          }
          if (nextDeleted < deleted.length && deleted[nextDeleted] == position) {
            continue;
          }
          if (matched != null && matched.get((int) position)) {
            continue;
          }
          if (matchesKey(r)) {
            continue;
          }
          next = narrow ? Rows.leading(outType, r) : r;
        }
        return true;
      }

      private boolean matchesKey(Row r) {
        for (int k = 0; k < keySets.size(); k++) {
          int[] pos = keyPositions.get(k);
          List<Object> key = new ArrayList<>(pos.length);
          for (int p : pos) {
            key.add(DeleteIndex.normalize(r.get(p)));
          }
          if (keySets.get(k).contains(key)) {
            return true;
          }
        }
        return false;
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Row r = next;
        next = null;
        nextPosition = position;
        return r;
      }

      @Override
      public void close() {
        rows.close();
      }
    };
  }

  /**
   * The positions of a data file's rows that equality deletes remove, found with at most {@link
   * #keysMax} keys in memory: the delete files are read in chunks of that many keys, and for each
   * chunk the data file's delete columns are read and the matching positions marked.
   */
  private BitSet matchedInPasses(List<ManifestIO.DeleteEntry> equalities, Opener open) {
    BitSet matched = new BitSet();
    for (ManifestIO.DeleteEntry d : equalities) {
      Schema keys = keySchema(d);
      Set<List<Object>> chunk = new HashSet<>();
      try (CloseableIterator<Row> rows =
          DataFileIO.read(storage, resolve.apply(d.file.path()), d.file.format(), keys)) {
        while (rows.hasNext()) {
          chunk.add(key(rows.next(), keys.columns().size()));
          if (chunk.size() >= keysMax) {
            markMatches(open, keys, chunk, matched);
            chunk.clear();
          }
        }
      } catch (PassFailure e) {
        throw (RuntimeException) e.getCause();
      } catch (RuntimeException e) {
        throw unreadable(d, e);
      }
      if (!chunk.isEmpty()) {
        try {
          markMatches(open, keys, chunk, matched);
        } catch (PassFailure e) {
          throw (RuntimeException) e.getCause();
        }
      }
    }
    return matched;
  }

  /** Marks the positions of the data file's rows whose delete columns are one of the keys. */
  private static void markMatches(
      Opener open, Schema keys, Set<List<Object>> chunk, BitSet matched) {
    try (CloseableIterator<Row> rows = open.apply(keys)) {
      int position = 0;
      while (rows.hasNext()) {
        if (chunk.contains(key(rows.next(), keys.columns().size()))) {
          matched.set(position);
        }
        position++;
      }
    } catch (RuntimeException e) {
      throw new PassFailure(e); // a failure of the data file, not of the delete file
    }
  }

  private static List<Object> key(Row r, int n) {
    List<Object> key = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      key.add(DeleteIndex.normalize(r.get(i)));
    }
    return key;
  }

  /** Carries a data file's read failure out of a delete file's loop. */
  private static final class PassFailure extends RuntimeException {
    PassFailure(RuntimeException cause) {
      super(cause);
    }
  }

  /** Rows of one data file that also tell the position in the file of the row returned last. */
  public interface PositionedRows extends CloseableIterator<Row> {
    /** The position (from 0) in the data file of the row {@link #next()} returned last. */
    long position();

    /** Every row of {@code rows} (a whole data file read in order), with its position. */
    static PositionedRows of(CloseableIterator<Row> rows) {
      return new PositionedRows() {
        private long position = -1;

        @Override
        public long position() {
          return position;
        }

        @Override
        public boolean hasNext() {
          return rows.hasNext();
        }

        @Override
        public Row next() {
          Row r = rows.next();
          position++;
          return r;
        }

        @Override
        public void close() {
          rows.close();
        }
      };
    }
  }

  private static int indexOf(Types.StructType type, int id) {
    List<Types.NestedField> fields = type.fields();
    for (int i = 0; i < fields.size(); i++) {
      if (fields.get(i).id() == id) {
        return i;
      }
    }
    throw new IllegalStateException("column id " + id + " is not read");
  }

  /**
   * The rows of a data file left after its deletes: from the record count when only position
   * deletes apply (no data is read), else by reading the delete columns.
   */
  public long liveCount(DataFile f, DeleteIndex.FileDeletes deletes, Opener open) {
    if (deletes.positionsOnly() && f.recordCount() >= 0) {
      long[] deleted = positions(f.path(), deletes.positions());
      long n = 0;
      for (long p : deleted) {
        if (p >= 0 && p < f.recordCount()) {
          n++;
        }
      }
      return f.recordCount() - n;
    }
    long n = 0;
    try (CloseableIterator<Row> rows = apply(f, deletes, new Schema(0, List.of()), open)) {
      while (rows.hasNext()) {
        rows.next();
        n++;
      }
    }
    return n;
  }
}
