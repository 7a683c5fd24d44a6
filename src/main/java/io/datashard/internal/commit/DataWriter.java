package io.datashard.internal.commit;

import io.datashard.CorruptTableException;
import io.datashard.DataFile;
import io.datashard.FileFormat;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.ValidationException;
import io.datashard.internal.DataFileIO;
import io.datashard.internal.FileNames;
import io.datashard.internal.Partitioner;
import io.datashard.internal.RecordConverter;
import io.datashard.internal.SchemaInference;
import io.datashard.internal.manifest.ManifestIO;
import io.datashard.internal.meta.PartitionSpec;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.internal.scan.TableReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the new data files of a change and the manifest that lists them, through a commit's {@link
 * CommitFiles}; nothing is visible until a commit names them.
 */
public final class DataWriter {
  private final TableOperations ops;
  private final TableReader reader;

  public DataWriter(TableOperations ops, TableReader reader) {
    this.ops = ops;
    this.reader = reader;
  }

  /** Records converted to rows of {@code schema}; none is an error unless {@code allowEmpty}. */
  public static List<Row> convert(Schema schema, List<?> records, boolean allowEmpty) {
    if (records.isEmpty() && !allowEmpty) {
      throw new ValidationException("Nothing to append: add at least one record before commit()");
    }
    List<Row> rows = new ArrayList<>(records.size());
    for (int i = 0; i < records.size(); i++) {
      rows.add(RecordConverter.toRow(schema.asStruct(), records.get(i), i));
    }
    return rows;
  }

  /**
   * Converts and writes records (a table without a schema takes one inferred from them); with
   * {@code replaceAll}, also marks every file of the base snapshot deleted.
   */
  public StagedAppend stage(
      TableMetadata base,
      List<?> records,
      boolean replaceAll,
      FileFormat format,
      CommitFiles files) {
    if (records.isEmpty() && !replaceAll) {
      throw new ValidationException("Nothing to append: add at least one record before commit()");
    }
    Schema schema = base.schema();
    boolean inferred = false;
    if (schema.columns().isEmpty() && !records.isEmpty()) {
      schema = SchemaInference.infer(records);
      inferred = true;
    }
    return stageRows(
        base,
        schema,
        inferred,
        convert(schema, records, true),
        replaceAll,
        format,
        List.of(),
        files);
  }

  /**
   * Writes rows (of {@code schema}) as new data files in {@code format} (null: the table's default)
   * and a manifest listing them and the {@code registered} files written elsewhere (which are never
   * removed on failure: they are not ours).
   */
  public StagedAppend stageRows(
      TableMetadata base,
      Schema schema,
      boolean inferred,
      List<Row> rows,
      boolean replaceAll,
      FileFormat format,
      List<DataFile> registered,
      CommitFiles out) {
    long snapshotId = Snapshots.newId();
    FileFormat fileFormat = format != null ? format : DataFileIO.defaultFormat(base.properties());
    PartitionSpec appendSpec = base.spec();
    try {
      List<DataFile> files = new ArrayList<>();
      if (!rows.isEmpty()) {
        files.addAll(writeDataFiles(base, schema, rows, fileFormat, out));
      }
      files.addAll(registered);
      List<ManifestIO.Manifest> deletes = new ArrayList<>();
      List<DataFile> deleted = new ArrayList<>();
      Snapshot current = base.currentSnapshot();
      // one manifest of deleted entries per partition spec the files were written under
      Map<Integer, List<ManifestIO.Entry>> bySpec = new LinkedHashMap<>();
      if (replaceAll && current != null) {
        for (ManifestIO.Entry e : reader.liveEntries(current)) {
          deleted.add(e.file);
          bySpec.computeIfAbsent(e.file.specId(), k -> new ArrayList<>()).add(e);
        }
      }
      ManifestIO.Manifest manifest = null;
      if (!files.isEmpty()) {
        String location = manifestLocation(FileNames.ManifestKind.ADDED, out);
        List<ManifestIO.Entry> sameSpec =
            bySpec.size() == 1 ? bySpec.get(appendSpec.specId()) : null;
        if (sameSpec != null) {
          // the replaced files go in the same manifest as the new ones
          manifest =
              ManifestIO.writeReplacing(
                  out.storage(), location, schema, appendSpec, snapshotId, files, sameSpec);
          bySpec.clear();
        } else {
          manifest =
              ManifestIO.writeAdded(out.storage(), location, schema, appendSpec, snapshotId, files);
        }
      }
      for (Map.Entry<Integer, List<ManifestIO.Entry>> group : bySpec.entrySet()) {
        PartitionSpec spec = base.spec(group.getKey());
        if (spec == null) {
          throw new CorruptTableException(
              "Table "
                  + ops.root()
                  + " lists files of partition spec "
                  + group.getKey()
                  + ", which its metadata does not define. Check the table (verify).");
        }
        String location = manifestLocation(FileNames.ManifestKind.DELETED, out);
        deletes.add(
            ManifestIO.writeDeleted(
                out.storage(), location, base.schema(), spec, snapshotId, group.getValue()));
      }
      return new StagedAppend(
          schema,
          inferred,
          snapshotId,
          files,
          manifest,
          replaceAll,
          deletes,
          deleted,
          base.currentSnapshotId());
    } catch (IOException e) {
      out.discardPrepared();
      throw new UncheckedIOException(
          "Writing new files for "
              + ops.root()
              + " failed: "
              + e
              + ". Nothing was committed; check free disk space and permissions.",
          e);
    } catch (RuntimeException e) {
      out.discardPrepared();
      throw e;
    }
  }

  /** A new manifest's location in the metadata directory, recorded in {@code out}. */
  String manifestLocation(FileNames.ManifestKind kind, CommitFiles out) {
    return out.add(ops.metadataDir() + "/" + FileNames.manifest(kind));
  }

  /**
   * Writes rows (of {@code schema}) as new data files, one per partition of the table's default
   * spec; each is recorded in {@code out} before it is created.
   */
  public List<DataFile> writeDataFiles(
      TableMetadata base, Schema schema, List<Row> rows, FileFormat format, CommitFiles out)
      throws IOException {
    List<DataFile> files = new ArrayList<>();
    if (rows.isEmpty()) {
      return files;
    }
    PartitionSpec spec = base.spec();
    for (Map.Entry<Row, List<Row>> part : Partitioner.split(spec, schema, rows).entrySet()) {
      String dir = ops.dataDir() + Partitioner.directory(spec, schema, part.getKey());
      String location = out.add(dir + "/" + FileNames.dataFile(format));
      DataFile file =
          DataFileIO.write(out.storage(), location, format, schema, part.getValue().iterator());
      if (!spec.isUnpartitioned()) {
        file = file.toBuilder().specId(spec.specId()).partition(part.getKey()).build();
      }
      files.add(file);
    }
    out.syncDirectoriesNow(); // the data directories, while the manifest is written
    return files;
  }
}
