package io.datashard.internal.deletes;

import io.datashard.DataFile;
import io.datashard.Row;
import io.datashard.internal.manifest.ManifestIO;
import io.datashard.internal.meta.PartitionSpec;
import io.datashard.internal.meta.TableMetadata;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which delete files of a snapshot apply to which of its data files, by the spec's scope rules:
 *
 * <ul>
 *   <li>a position delete file applies to a data file of the same partition (spec and values) whose
 *       data sequence number is less than or equal to the delete file's, and only if the data
 *       file's path can be among those it lists (its {@code referenced_data_file}, else the bounds
 *       of its {@code file_path} column);
 *   <li>an equality delete file applies to a data file whose data sequence number is strictly less
 *       than the delete file's, of the same partition, or of any partition if the delete file's
 *       spec is unpartitioned (a global delete).
 * </ul>
 *
 * Built once per planned snapshot; holds the applicable deletes only for data files that have any.
 */
public final class DeleteIndex {
  /** The field id of {@code file_path} in position delete files. */
  public static final int FILE_PATH_ID = 2147483546;

  /** The field id of {@code pos} in position delete files. */
  public static final int POS_ID = 2147483545;

  private static final DeleteIndex EMPTY = new DeleteIndex(Map.of(), 0);

  private final Map<String, FileDeletes> byDataPath;
  private final int deleteFiles;

  private DeleteIndex(Map<String, FileDeletes> byDataPath, int deleteFiles) {
    this.byDataPath = byDataPath;
    this.deleteFiles = deleteFiles;
  }

  /** An index without deletes. */
  public static DeleteIndex empty() {
    return EMPTY;
  }

  /** The deletes that apply to one data file. */
  public record FileDeletes(
      List<ManifestIO.DeleteEntry> positions, List<ManifestIO.DeleteEntry> equalities) {
    /** True if only position deletes apply (rows can be counted without reading them). */
    public boolean positionsOnly() {
      return equalities.isEmpty();
    }
  }

  /** A partition: spec id and values, compared by value (binary values by content). */
  private record PartitionKey(int specId, List<Object> values) {
    static PartitionKey of(DataFile f) {
      Row p = f.partition();
      List<Object> values = new ArrayList<>();
      if (p != null) {
        for (int i = 0; i < p.size(); i++) {
          values.add(normalize(p.get(i)));
        }
      }
      return new PartitionKey(f.specId(), values);
    }
  }

  /** A value that compares by content: arrays become buffers, floats compare by bits. */
  static Object normalize(Object v) {
    if (v instanceof byte[] b) {
      return ByteBuffer.wrap(b);
    }
    if (v instanceof Float f) {
      return Float.floatToIntBits(f);
    }
    if (v instanceof Double d) {
      return Double.doubleToLongBits(d);
    }
    return v;
  }

  /**
   * Indexes the live delete entries of a snapshot against its live data entries.
   *
   * @param meta the version the snapshot belongs to (for its partition specs)
   */
  public static DeleteIndex build(
      TableMetadata meta, List<ManifestIO.Entry> data, List<ManifestIO.DeleteEntry> deletes) {
    if (deletes.isEmpty()) {
      return EMPTY;
    }
    Map<String, List<ManifestIO.DeleteEntry>> positionByReference = new HashMap<>();
    Map<PartitionKey, List<ManifestIO.DeleteEntry>> positionByPartition = new HashMap<>();
    Map<PartitionKey, List<ManifestIO.DeleteEntry>> equalityByPartition = new HashMap<>();
    List<ManifestIO.DeleteEntry> globalEquality = new ArrayList<>();
    for (ManifestIO.DeleteEntry d : deletes) {
      if (d.content == ManifestIO.POSITION_DELETES) {
        String only = d.referencedDataFile != null ? d.referencedDataFile : singlePath(d.file);
        if (only != null) {
          positionByReference.computeIfAbsent(only, k -> new ArrayList<>()).add(d);
        } else {
          positionByPartition
              .computeIfAbsent(PartitionKey.of(d.file), k -> new ArrayList<>())
              .add(d);
        }
      } else {
        PartitionSpec spec = meta.spec(d.file.specId());
        if (spec == null || spec.isUnpartitioned()) {
          globalEquality.add(d);
        } else {
          equalityByPartition
              .computeIfAbsent(PartitionKey.of(d.file), k -> new ArrayList<>())
              .add(d);
        }
      }
    }
    Map<String, FileDeletes> out = new HashMap<>();
    for (ManifestIO.Entry e : data) {
      DataFile f = e.file;
      PartitionKey key = PartitionKey.of(f);
      List<ManifestIO.DeleteEntry> positions = new ArrayList<>();
      for (ManifestIO.DeleteEntry d : positionByReference.getOrDefault(f.path(), List.of())) {
        if (e.dataSequenceNumber <= d.dataSequenceNumber && key.equals(PartitionKey.of(d.file))) {
          positions.add(d);
        }
      }
      for (ManifestIO.DeleteEntry d : positionByPartition.getOrDefault(key, List.of())) {
        if (e.dataSequenceNumber <= d.dataSequenceNumber && mayList(d.file, f.path())) {
          positions.add(d);
        }
      }
      List<ManifestIO.DeleteEntry> equalities = new ArrayList<>();
      for (ManifestIO.DeleteEntry d : equalityByPartition.getOrDefault(key, List.of())) {
        if (e.dataSequenceNumber < d.dataSequenceNumber) {
          equalities.add(d);
        }
      }
      for (ManifestIO.DeleteEntry d : globalEquality) {
        if (e.dataSequenceNumber < d.dataSequenceNumber) {
          equalities.add(d);
        }
      }
      if (!positions.isEmpty() || !equalities.isEmpty()) {
        out.put(f.path(), new FileDeletes(List.copyOf(positions), List.copyOf(equalities)));
      }
    }
    return new DeleteIndex(out, deletes.size());
  }

  /** The only data file path a position delete file lists, if its bounds say so (else null). */
  public static String singlePath(DataFile deletes) {
    ByteBuffer lower = bound(deletes.lowerBounds());
    ByteBuffer upper = bound(deletes.upperBounds());
    if (lower != null && lower.equals(upper)) {
      return StandardCharsets.UTF_8.decode(lower.duplicate()).toString();
    }
    return null;
  }

  private static ByteBuffer bound(Map<Integer, ByteBuffer> bounds) {
    return bounds == null ? null : bounds.get(FILE_PATH_ID);
  }

  /**
   * False only if the bounds of the delete file's {@code file_path} column rule {@code path} out.
   */
  private static boolean mayList(DataFile deletes, String path) {
    byte[] p = path.getBytes(StandardCharsets.UTF_8);
    ByteBuffer lower = bound(deletes.lowerBounds());
    ByteBuffer upper = bound(deletes.upperBounds());
    if (lower != null && compare(bytes(lower), p) > 0) {
      return false;
    }
    // an upper bound may be truncated: then it is a prefix made larger, still above every path
    return upper == null || compare(p, bytes(upper)) <= 0;
  }

  private static byte[] bytes(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }

  private static int compare(byte[] a, byte[] b) {
    return Arrays.compareUnsigned(a, b);
  }

  /**
   * This index without the equality delete files {@code irrelevant} accepts: for a scan with a
   * filter, those whose statistics (of the deleted values) show that no row they delete matches it
   * (the spec's pruning of delete files by their own statistics).
   */
  public DeleteIndex withoutEqualityDeletes(
      java.util.function.Predicate<ManifestIO.DeleteEntry> irrelevant) {
    if (byDataPath.isEmpty()) {
      return this;
    }
    Map<ManifestIO.DeleteEntry, Boolean> verdicts = new HashMap<>();
    Map<String, FileDeletes> out = new HashMap<>();
    for (Map.Entry<String, FileDeletes> e : byDataPath.entrySet()) {
      FileDeletes d = e.getValue();
      List<ManifestIO.DeleteEntry> keep = new ArrayList<>();
      for (ManifestIO.DeleteEntry x : d.equalities()) {
        if (!verdicts.computeIfAbsent(x, irrelevant::test)) {
          keep.add(x);
        }
      }
      if (!d.positions().isEmpty() || !keep.isEmpty()) {
        out.put(e.getKey(), new FileDeletes(d.positions(), List.copyOf(keep)));
      }
    }
    return new DeleteIndex(out, deleteFiles);
  }

  /** The paths of the delete files that apply to at least one indexed data file. */
  public Set<String> appliedDeletePaths() {
    Set<String> out = new HashSet<>();
    for (FileDeletes d : byDataPath.values()) {
      d.positions().forEach(x -> out.add(x.file.path()));
      d.equalities().forEach(x -> out.add(x.file.path()));
    }
    return out;
  }

  /** The deletes that apply to a data file of the indexed snapshot, or null if none. */
  public FileDeletes forFile(DataFile f) {
    return byDataPath.isEmpty() ? null : byDataPath.get(f.path());
  }

  /** True if no delete file applies to any data file. */
  public boolean isEmpty() {
    return byDataPath.isEmpty();
  }

  /** The number of live delete files of the snapshot (applicable or not). */
  public int deleteFiles() {
    return deleteFiles;
  }
}
