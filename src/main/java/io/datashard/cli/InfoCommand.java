package io.datashard.cli;

import io.datashard.DataFile;
import io.datashard.Schema;
import io.datashard.Snapshot;
import io.datashard.TableOptions;
import io.datashard.Types;
import io.datashard.internal.TableCore;
import io.datashard.internal.meta.PartitionSpec;
import io.datashard.internal.meta.TableMetadata;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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

  @Parameters(index = "0", paramLabel = "DIR", description = "The table directory.")
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
    TableCore core = TableCore.open(dir, TableOptions.defaults().withDurable(!common.noFsync));
    TableMetadata meta = core.refresh();
    Snapshot current = meta.currentSnapshot();
    List<DataFile> files = core.reader().files(current);
    long rows = 0;
    long bytes = 0;
    Map<String, Long> formats = new TreeMap<>();
    for (DataFile f : files) {
      rows += f.recordCount();
      bytes += f.fileSizeInBytes();
      formats.merge(f.format().name().toLowerCase(java.util.Locale.ROOT), 1L, Long::sum);
    }
    Schema schema = meta.schema();
    PrintWriter out = spec.commandLine().getOut();
    if (format == Format.json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("location", core.location());
      m.put("format_version", (long) meta.formatVersion());
      m.put("table_uuid", meta.tableUuid());
      m.put("metadata_version", (long) meta.version());
      m.put("metadata_file", meta.metadataFileLocation());
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
      m.put("partition_spec", partitionText(meta.spec(), schema));
      m.put("properties", new TreeMap<>(meta.properties()));
      m.put("current_snapshot_id", current == null ? null : current.snapshotId());
      m.put(
          "current_snapshot_time",
          current == null ? null : Instant.ofEpochMilli(current.timestampMillis()).toString());
      m.put("snapshots", (long) meta.snapshots().size());
      Map<String, Object> refs = new LinkedHashMap<>();
      refs(dir)
          .forEach(
              (name, r) -> refs.put(name, Map.of("type", r.type(), "snapshot_id", r.snapshotId())));
      m.put("refs", refs);
      m.put("rows", rows);
      m.put("data_files", (long) files.size());
      m.put("bytes", bytes);
      m.put("formats", new LinkedHashMap<>(formats));
      out.println(Render.json(m));
      return 0;
    }
    out.println("Table:      " + core.location());
    out.println(
        "Format:     Apache Iceberg v"
            + meta.formatVersion()
            + ", metadata version "
            + meta.version()
            + " ("
            + shortName(meta.metadataFileLocation())
            + "), uuid "
            + meta.tableUuid());
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
    out.println("Partition:  " + partitionText(meta.spec(), schema));
    if (meta.properties().isEmpty()) {
      out.println("Properties: none");
    } else {
      out.println("Properties:");
      new TreeMap<>(meta.properties()).forEach((k, v) -> out.println("    " + k + " = " + v));
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
              + meta.snapshots().size()
              + " snapshot"
              + (meta.snapshots().size() == 1 ? "" : "s")
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
    return 0;
  }

  private Map<String, io.datashard.Ref> refs(Path tableDir) {
    return common.open(tableDir).refs();
  }

  private static String shortName(String location) {
    if (location == null) {
      return "";
    }
    int slash = location.lastIndexOf('/', location.lastIndexOf('/') - 1);
    return slash < 0 ? location : location.substring(slash + 1);
  }

  static String partitionText(PartitionSpec spec, Schema schema) {
    if (spec.isUnpartitioned()) {
      return "unpartitioned";
    }
    List<String> parts = new ArrayList<>();
    for (PartitionSpec.Field f : spec.fields()) {
      Types.NestedField source = schema.findField(f.sourceId());
      String col = source == null ? "#" + f.sourceId() : source.name();
      parts.add(f.transform().equals("identity") ? col : f.transform() + "(" + col + ")");
    }
    return String.join(", ", parts) + " (spec " + spec.specId() + ")";
  }
}
