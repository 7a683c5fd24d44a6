package io.datashard.cli;

import io.datashard.DataFile;
import io.datashard.DiskUsage;
import io.datashard.Ref;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.Table;
import io.datashard.Types;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code datashard info}: a summary of a table. */
@Command(
    name = "info",
    mixinStandardHelpOptions = true,
    description =
        "Summarise a table: schema, partition spec, properties, current snapshot, row count, data "
            + "files, bytes and file formats (of the current snapshot).",
    footer = {"", "Exit codes: 0 printed, 1 no table or an unreadable one, 2 bad command line."})
final class InfoCommand implements Callable<Integer> {
  enum Format {
    text,
    json
  }

  @Parameters(
      index = "0",
      paramLabel = "DIR",
      description = "The table directory, or an s3://bucket/prefix location.")
  Path dir;

  @Option(
      names = "--format",
      defaultValue = "text",
      description = "text or json (default: ${DEFAULT-VALUE}).")
  Format format;

  @Mixin Common common;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Table table = common.open(dir);
    Snapshot current = table.currentSnapshot().orElse(null);
    List<DataFile> files =
        current == null ? List.of() : table.scan().useSnapshot(current.snapshotId()).files();
    int retained = table.snapshots().size();
    long rows = 0;
    long bytes = 0;
    Map<String, Long> formats = new TreeMap<>();
    for (DataFile f : files) {
      rows += f.recordCount();
      bytes += f.fileSizeInBytes();
      formats.merge(f.format().name().toLowerCase(Locale.ROOT), 1L, Long::sum);
    }
    Schema schema = table.schema();
    PrintWriter out = spec.commandLine().getOut();
    if (format == Format.json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("location", table.location());
      m.put("format_version", (long) table.formatVersion());
      m.put("table_uuid", table.uuid());
      m.put("metadata_version", (long) table.metadataVersion());
      m.put("metadata_file", table.metadataLocation());
      m.put("schema_id", (long) schema.schemaId());
      List<Object> columns = new ArrayList<>();
      for (Types.NestedField f : schema.columns()) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("id", (long) f.id());
        c.put("name", f.name());
        c.put("type", f.type().toString());
        c.put("required", f.isRequired());
        columns.add(c);
      }
      m.put("columns", columns);
      m.put("partition_spec", partitionText(table));
      m.put("properties", new TreeMap<>(table.properties()));
      m.put("current_snapshot_id", current == null ? null : current.snapshotId());
      m.put(
          "current_snapshot_time",
          current == null ? null : Instant.ofEpochMilli(current.timestampMillis()).toString());
      m.put("snapshots", (long) retained);
      Map<String, Object> refs = new LinkedHashMap<>();
      refs(dir)
          .forEach(
              (name, r) -> refs.put(name, Map.of("type", r.type(), "snapshot_id", r.snapshotId())));
      m.put("refs", refs);
      m.put("rows", rows);
      m.put("data_files", (long) files.size());
      DiskUsage u = table.maintenance().diskUsage();
      Map<String, Object> disk = new LinkedHashMap<>();
      disk.put("total_bytes", u.totalBytes());
      disk.put("live_data_bytes", u.liveDataBytes());
      disk.put("retained_files", u.retainedFiles());
      disk.put("retained_bytes", u.retainedBytes());
      disk.put("awaiting_cleanup_files", u.awaitingCleanupFiles());
      disk.put("awaiting_cleanup_bytes", u.awaitingCleanupBytes());
      disk.put("unreferenced_files", u.unreferencedFiles());
      disk.put("unreferenced_bytes", u.unreferencedBytes());
      m.put("disk", disk);
      m.put("bytes", bytes);
      m.put("formats", new LinkedHashMap<>(formats));
      out.println(Render.json(m));
      return 0;
    }
    out.println("Table:      " + table.location());
    out.println(
        "Format:     Apache Iceberg v"
            + table.formatVersion()
            + ", metadata version "
            + table.metadataVersion()
            + " ("
            + shortName(table.metadataLocation())
            + "), uuid "
            + table.uuid());
    if (schema.columns().isEmpty()) {
      out.println("Schema:     none yet (the first append defines it)");
    } else {
      out.println(
          "Schema:     id "
              + schema.schemaId()
              + ", "
              + schema.columns().size()
              + " column"
              + (schema.columns().size() == 1 ? "" : "s"));
      List<List<String>> cells = new ArrayList<>();
      for (Types.NestedField f : schema.columns()) {
        cells.add(
            List.of(
                Integer.toString(f.id()),
                f.name(),
                f.type().toString(),
                f.isRequired() ? "required" : "optional"));
      }
      for (String line :
          Render.table(List.of("id", "name", "type", "null"), cells, Render.terminalWidth() - 4)) {
        out.println("    " + line);
      }
    }
    out.println("Partition:  " + partitionText(table));
    if (table.properties().isEmpty()) {
      out.println("Properties: none");
    } else {
      out.println("Properties:");
      new TreeMap<>(table.properties()).forEach((k, v) -> out.println("    " + k + " = " + v));
    }
    if (current == null) {
      out.println("Current:    no snapshot yet (empty table)");
    } else {
      out.println(
          "Current:    snapshot "
              + current.snapshotId()
              + " ("
              + current.operation()
              + ", "
              + Instant.ofEpochMilli(current.timestampMillis())
              + "), "
              + retained
              + " snapshot"
              + (retained == 1 ? "" : "s")
              + " retained");
    }
    List<String> refs = new ArrayList<>();
    refs(dir).forEach((name, r) -> refs.add(r.type() + " " + name + " -> " + r.snapshotId()));
    if (!refs.isEmpty()) {
      out.println("Refs:       " + String.join(", ", refs));
    }
    out.println("Rows:       " + Progress.count(rows));
    List<String> fmt = new ArrayList<>();
    formats.forEach((k, v) -> fmt.add(k + " " + v));
    out.println(
        "Data files: "
            + Progress.count(files.size())
            + " ("
            + Progress.bytes(bytes)
            + (fmt.isEmpty() ? "" : "; " + String.join(", ", fmt))
            + ")");
    DiskUsage u = table.maintenance().diskUsage();
    out.println(
        "On disk:    "
            + Progress.bytes(u.totalBytes())
            + " in all: live data "
            + Progress.bytes(u.liveDataBytes())
            + ", metadata and older snapshots' data "
            + Progress.bytes(u.retainedBytes())
            + ", awaiting cleanup "
            + Progress.bytes(u.awaitingCleanupBytes())
            + ", unreferenced "
            + Progress.bytes(u.unreferencedBytes())
            + " ("
            + Progress.count(u.unreferencedFiles())
            + " files)");
    return 0;
  }

  private Map<String, Ref> refs(Path tableDir) {
    return common.open(tableDir).refs();
  }

  private static String shortName(String location) {
    if (location == null) {
      return "";
    }
    int slash = location.lastIndexOf('/', location.lastIndexOf('/') - 1);
    return slash < 0 ? location : location.substring(slash + 1);
  }

  static String partitionText(Table table) {
    List<String> terms = table.partitioning();
    if (terms.isEmpty()) {
      return "unpartitioned";
    }
    return String.join(", ", terms) + " (spec " + table.partitionSpecId() + ")";
  }
}
