package io.datashard.internal.maintenance;

import io.datashard.CloseableIterator;
import io.datashard.DataFile;
import io.datashard.FileFormat;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.TableProperties;
import io.datashard.ValidationException;
import io.datashard.internal.DataFileIO;
import io.datashard.internal.FileNames;
import io.datashard.internal.TableCore;
import io.datashard.internal.commit.CommitFiles;
import io.datashard.internal.commit.CompactionCommit;
import io.datashard.internal.commit.TableOperations;
import io.datashard.internal.deletes.DeleteIndex;
import io.datashard.internal.manifest.ManifestIO;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.internal.scan.TableReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Compaction of small data files: per partition, files smaller than 3/4 of the target size are read
 * and written into files of about the target size, rows unchanged, and committed as a {@code
 * replace} snapshot ({@link CompactionCommit}). Older snapshots keep reading the old files until
 * they expire.
 */
final class Compaction {
  private record GroupKey(int specId, Row partition) {}

  private final TableCore core;
  private final Runnable beforeCommit;

  Compaction(TableCore core, Runnable beforeCommit) {
    this.core = core;
    this.beforeCommit = beforeCommit;
  }

  TableMaintenance.Report run(
      Long targetFileSize, int minInputFiles, boolean dryRun, BiConsumer<Long, Long> progress) {
    TableOperations ops = core.operations();
    TableMaintenance.Report report = new TableMaintenance.Report("compact", dryRun);
    TableMetadata base = ops.refresh();
    long target =
        targetFileSize != null
            ? targetFileSize
            : base.propertyLong(
                TableProperties.TARGET_FILE_SIZE_BYTES,
                TableProperties.TARGET_FILE_SIZE_BYTES_DEFAULT);
    if (target < 1) {
      throw new ValidationException(
          "The target file size of compaction must be positive, got " + target);
    }
    if (minInputFiles < 2) {
      throw new ValidationException(
          "Compaction needs at least 2 input files per output file, got " + minInputFiles);
    }
    Snapshot current = base.currentSnapshot();
    if (current == null) {
      return report;
    }
    Map<GroupKey, List<DataFile>> groups = new LinkedHashMap<>();
    TableReader.Plan plan = core.reader().plan(current);
    for (ManifestIO.Entry e : plan.entries()) {
      DataFile f = e.file;
      // small files, and files with deletes, which a rewrite folds in
      if (f.fileSizeInBytes() < target * 3 / 4 || plan.deletes().forFile(f) != null) {
        groups
            .computeIfAbsent(new GroupKey(f.specId(), f.partition()), k -> new ArrayList<>())
            .add(f);
      }
    }
    List<List<DataFile>> bins = new ArrayList<>();
    for (List<DataFile> small : groups.values()) {
      if (small.size() < minInputFiles
          && small.stream().noneMatch(f -> plan.deletes().forFile(f) != null)) {
        continue;
      }
      List<DataFile> bin = new ArrayList<>();
      long size = 0;
      for (DataFile f : small) {
        if (!bin.isEmpty() && size + f.fileSizeInBytes() > target) {
          bins.add(bin);
          bin = new ArrayList<>();
          size = 0;
        }
        bin.add(f);
        size += f.fileSizeInBytes();
      }
      bins.add(bin);
    }
    bins.removeIf(b -> b.size() < 2 && plan.deletes().forFile(b.get(0)) == null);
    return rewrite(base, bins, dryRun, report, progress);
  }

  /**
   * Rewrites each bin (files of one partition) into one file and commits them all as one {@code
   * replace} snapshot on {@code base}; the report says what was replaced and added.
   */
  TableMaintenance.Report rewrite(
      TableMetadata base,
      List<List<DataFile>> bins,
      boolean dryRun,
      TableMaintenance.Report report,
      BiConsumer<Long, Long> progress) {
    TableOperations ops = core.operations();
    List<DataFile> replaced = new ArrayList<>();
    bins.forEach(replaced::addAll);
    for (DataFile f : replaced) {
      report.replacedFiles.add(f.path());
      report.replacedBytes += f.fileSizeInBytes();
    }
    report.newFileCount = bins.size();
    if (dryRun || bins.isEmpty()) {
      return report;
    }
    Schema schema = base.schema();
    List<DataFile> added = new ArrayList<>();
    CommitFiles files = CommitFiles.over(ops.storage());
    try {
      // compacted files take the table's format
      FileFormat format = DataFileIO.defaultFormat(base.properties());
      long totalBytes = report.replacedBytes;
      long doneBytes = 0;
      progress.accept(0L, totalBytes);
      DeleteIndex deletes = core.reader().deletes(base.currentSnapshot());
      for (List<DataFile> bin : bins) {
        DataFile out = null;
        try (CloseableIterator<Row> rows = core.reader().readFiles(bin, schema, deletes)) {
          if (rows.hasNext()) { // else its deletes removed every row: nothing to write
            String location = files.add(ops.dataDir() + "/" + FileNames.dataFile(format));
            out = DataFileIO.write(files.storage(), location, format, schema, rows);
          }
        }
        DataFile first = bin.get(0);
        if (out != null) {
          added.add(out.toBuilder().specId(first.specId()).partition(first.partition()).build());
        }
        for (DataFile f : bin) {
          doneBytes += f.fileSizeInBytes();
        }
        progress.accept(doneBytes, totalBytes);
      }
    } catch (IOException e) {
      files.discardPrepared();
      throw new UncheckedIOException(
          "Compacting "
              + ops.root()
              + " failed: "
              + e
              + ". Nothing was committed and the new files were removed; check free disk space.",
          e);
    } catch (RuntimeException e) {
      files.discardPrepared();
      throw e;
    }
    try {
      beforeCommit.run();
    } catch (RuntimeException e) {
      files.discardPrepared();
      throw e;
    }
    Snapshot committed =
        core.commit(new CompactionCommit(ops, base, replaced, added), files).value();
    report.snapshotId = committed.snapshotId();
    for (DataFile f : added) {
      report.addedFiles.add(f.path());
      report.addedBytes += f.fileSizeInBytes();
    }
    return report;
  }
}
