package io.datashard.internal;

import io.datashard.CloseableIterator;
import io.datashard.DataFile;
import io.datashard.DataShardException;
import io.datashard.FileFormat;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.TableProperties;
import io.datashard.Types;
import io.datashard.ValidationException;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.internal.parquet.ParquetFormat;
import io.datashard.internal.scan.TableReader;
import io.datashard.storage.Locations;
import io.datashard.storage.Storage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a data file written elsewhere before an append adds it to a table: it must lie under an
 * allowed location (the table directory, or a root listed in {@link
 * TableProperties#DATA_FILES_ALLOWED_ROOTS}), also after resolving symbolic links; exist with the
 * stated size; be of the stated format; have columns that fit the table schema (by field id, or by
 * name when the file has no ids); and hold the stated number of records. The file is read once to
 * check its rows against the schema and to compute the column metrics that go into the manifest
 * (value, null and NaN counts, lower and upper bounds; for Parquet also the column sizes its footer
 * records).
 */
public final class DataFileRegistration {
  private final TableReader reader;
  private final TableMetadata base;
  private boolean byName;

  private Set<Path> live; // paths of the base snapshot's files, read once per append

  public DataFileRegistration(TableReader reader, TableMetadata base) {
    this.reader = reader;
    this.base = base;
  }

  private static boolean exists(Storage storage, String location) {
    try {
      return storage.exists(location);
    } catch (IOException e) {
      return false;
    }
  }

  private ValidationException refuse(String path, String problem, String fix) {
    return new ValidationException(
        "Cannot add data file "
            + path
            + " to table "
            + reader.operations().root()
            + ": "
            + problem
            + ". "
            + fix
            + " Nothing was committed.");
  }

  /** The checked file, with the table's spec id and the metrics read from it. */
  public DataFile check(DataFile f) {
    String given = f.path();
    Path path = location(given);
    String location = path.toString();
    Storage storage = reader.operations().storage();
    if (!exists(storage, location)) {
      throw refuse(
          given,
          "the file does not exist (or is not a regular file)",
          "Write the file first, and give its full path.");
    }
    List<Path> roots = allowedRoots();
    Path real;
    try {
      real = Path.of(storage.realLocation(location));
    } catch (IOException e) {
      throw refuse(
          given,
          "its location cannot be resolved (" + e + ")",
          "Check that the file and its " + "directories exist and are readable.");
    }
    if (!under(path, roots, null) || !under(real, roots, storage)) {
      throw refuse(
          given,
          "it lies outside the table's allowed locations"
              + (real.equals(path) ? "" : " (it resolves to " + real + ")")
              + "; allowed are "
              + roots,
          "Copy the file into the table directory, or list its directory in the table property "
              + TableProperties.DATA_FILES_ALLOWED_ROOTS
              + ".");
    }
    long size;
    try {
      size = storage.length(real.toString());
    } catch (IOException e) {
      throw refuse(given, "its size cannot be read (" + e + ")", "Check its permissions.");
    }
    if (size != f.fileSizeInBytes()) {
      throw refuse(
          given,
          "it has " + size + " bytes, but the DataFile says " + f.fileSizeInBytes(),
          "Give its actual size (the file may have been changed, or the wrong file was named).");
    }
    if (live == null) {
      live = new HashSet<>();
      for (DataFile existing : reader.files(base.currentSnapshot())) {
        live.add(Path.of(reader.operations().canonicalPath(existing.path())));
      }
    }
    if (live.contains(path)) {
      throw refuse(
          given,
          "it is already part of the table (adding it again would duplicate its rows)",
          "Add each file once.");
    }
    FileFormat actual = sniff(storage, real.toString());
    if (actual != f.format()) {
      throw refuse(
          given,
          "it is not a "
              + f.format()
              + " file ("
              + (actual == null
                  ? "its content is none of " + "Parquet, ORC or Avro"
                  : "it is a " + actual + " file")
              + ")",
          "State the file's real format.");
    }
    Types.StructType partitionType = base.spec().partitionType(base.schema());
    if (f.partition().size() != partitionType.fields().size()) {
      throw refuse(
          given,
          "it has "
              + f.partition().size()
              + " partition values, but the table's partition spec "
              + "has "
              + partitionType.fields().size()
              + " fields",
          "Give one value per partition field.");
    }
    FormatHandler handler = DataFileIO.handler(f.format());
    Schema schema = base.schema();
    checkColumns(given, handler, location, schema);
    RowMetrics metrics = new RowMetrics(schema);
    try (CloseableIterator<Row> rows =
        handler.read(reader.operations().storage(), location, schema)) {
      while (rows.hasNext()) {
        metrics.add(rows.next());
      }
    } catch (DataShardException e) {
      throw refuse(
          given,
          "its rows cannot be read with the table's schema: " + e.getMessage(),
          "Write the file with a schema compatible with the table's.");
    } catch (RuntimeException e) {
      throw refuse(
          given,
          "its rows cannot be read with the table's schema: " + e,
          "Write the file with a schema compatible with the table's.");
    }
    if (metrics.rowCount() != f.recordCount()) {
      throw refuse(
          given,
          "it holds " + metrics.rowCount() + " records, but the DataFile says " + f.recordCount(),
          "Give its actual record count.");
    }
    DataFile.Builder out =
        metrics
            .toDataFile(location, f.format(), size)
            .specId(base.spec().specId())
            .partition(f.partition());
    if (f.format() == FileFormat.PARQUET) {
      try {
        out.columnSizes(ParquetFormat.columnSizes(reader.operations().storage(), location));
      } catch (IOException e) {
        throw refuse(given, "its Parquet footer cannot be read (" + e + ")", "Check the file.");
      }
    }
    if (f.sortOrderId() != null) {
      out.sortOrderId(f.sortOrderId());
    }
    return out.build();
  }

  private void checkColumns(String given, FormatHandler handler, String location, Schema schema) {
    List<FormatHandler.FileColumn> columns;
    try {
      columns = handler.columns(reader.operations().storage(), location);
    } catch (IOException | RuntimeException e) {
      throw refuse(
          given,
          "it cannot be read as " + schemaFormat(handler) + ": " + e.getMessage(),
          "Check that the file is complete.");
    }
    boolean byId = columns.stream().anyMatch(c -> c.id != null);
    byName = !byId;
    List<String> missing = new ArrayList<>();
    int matched = 0;
    for (Types.NestedField t : schema.columns()) {
      boolean found =
          columns.stream()
              .anyMatch(c -> byId ? Integer.valueOf(t.id()).equals(c.id) : t.name().equals(c.name));
      if (found) {
        matched++;
      } else if (t.isRequired()) {
        missing.add(t.name() + (byId ? " (id " + t.id() + ")" : ""));
      }
    }
    if (matched == 0 || !missing.isEmpty()) {
      throw refuse(
          given,
          "its schema is not compatible with the table's: "
              + (matched == 0
                  ? "none of its columns "
                      + columns
                      + " is a column of the table "
                      + schema.asStruct()
                      + (byId ? " by field id" : " by name")
                  : "it lacks the required column(s) " + String.join(", ", missing)),
          "Write the file with the table's columns (Iceberg field ids, or the same names).");
    }
  }

  /** True if the file last checked has no field ids, so its columns were matched by name. */
  public boolean matchedByName() {
    return byName;
  }

  private static String schemaFormat(FormatHandler h) {
    return h.getClass().getSimpleName().replace("Format", "");
  }

  private Path location(String given) {
    Path path = Path.of(Locations.stripFileScheme(given));
    if (!path.isAbsolute()) {
      path = Path.of(reader.operations().root()).resolve(path);
    }
    return path.normalize();
  }

  private List<Path> allowedRoots() {
    List<Path> roots = new ArrayList<>();
    roots.add(Path.of(reader.operations().root()).toAbsolutePath().normalize());
    Map<String, String> props = base.properties();
    String extra = props.get(TableProperties.DATA_FILES_ALLOWED_ROOTS);
    if (extra != null) {
      for (String r : extra.split(",")) {
        if (!r.isBlank()) {
          roots.add(Path.of(r.trim()).toAbsolutePath().normalize());
        }
      }
    }
    return roots;
  }

  /**
   * True if {@code p} is inside one of the roots (compared with the roots' real locations in {@code
   * storage}, if given).
   */
  private static boolean under(Path p, List<Path> roots, Storage storage) {
    for (Path r : roots) {
      Path root = r;
      if (storage != null) {
        try {
          root = Path.of(storage.realLocation(r.toString()));
        } catch (IOException e) {
          continue; // a root that is not there holds no file
        }
      }
      if (p.startsWith(root) && !p.equals(root)) {
        return true;
      }
    }
    return false;
  }

  /** The format a file's magic bytes show, or null. */
  static FileFormat sniff(Storage storage, String location) {
    byte[] head = new byte[4];
    try (Storage.InputFile in = storage.open(location)) {
      if (in.length() < 3 || in.read(0, head, 0, (int) Math.min(4, in.length())) < 3) {
        return null;
      }
    } catch (IOException e) {
      return null;
    }
    if (head[0] == 'P' && head[1] == 'A' && head[2] == 'R' && head[3] == '1') {
      return FileFormat.PARQUET;
    }
    if (head[0] == 'O' && head[1] == 'b' && head[2] == 'j' && head[3] == 1) {
      return FileFormat.AVRO;
    }
    if (head[0] == 'O' && head[1] == 'R' && head[2] == 'C') {
      return FileFormat.ORC;
    }
    return null;
  }
}
