package io.datashard.cli;

import io.datashard.Schema;
import io.datashard.Table;
import io.datashard.Type;
import io.datashard.Types;
import io.datashard.UpdatePartitioning;
import io.datashard.UpdateProperties;
import io.datashard.UpdateSchema;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Schema, partition and property evolution from the command line. */
@Command(
    name = "alter",
    description = {
      "Change a table's schema, its partitioning of new data, or its properties.",
      "Data files are not rewritten: they are read by field id, and files written under an "
          + "earlier partition spec keep it. Schema changes commit first (one commit), then "
          + "partition changes (one commit), then property changes (one commit); each is atomic."
    })
final class AlterCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "DIR",
      description = "The table directory, or an s3://bucket/prefix location.")
  Path dir;

  @Option(
      names = "--add-column",
      paramLabel = "'NAME TYPE [not null]'",
      description = "Add a column, e.g. 'weight double' (repeatable).")
  List<String> addColumns = new ArrayList<>();

  @Option(names = "--drop-column", paramLabel = "NAME", description = "Drop a column.")
  List<String> dropColumns = new ArrayList<>();

  @Option(
      names = "--rename-column",
      paramLabel = "OLD=NEW",
      description = "Rename a column, e.g. score=loss (repeatable).")
  Map<String, String> renames = new LinkedHashMap<>();

  @Option(
      names = "--widen-column",
      paramLabel = "NAME=TYPE",
      description = "Widen a column's type: int=long, float=double, or a decimal's precision.")
  Map<String, String> widens = new LinkedHashMap<>();

  @Option(
      names = "--partition-by",
      paramLabel = "TERM",
      description =
          "Partition new data also by this term: a column, year(col), month(col), day(col), "
              + "hour(col), bucket(N, col), truncate(W, col) (repeatable).")
  List<String> partitionBy = new ArrayList<>();

  @Option(
      names = "--drop-partition",
      paramLabel = "TERM",
      description = "Stop partitioning new data by this term or field name (repeatable).")
  List<String> dropPartitions = new ArrayList<>();

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Set a table property.")
  Map<String, String> set = new LinkedHashMap<>();

  @Option(names = "--unset", paramLabel = "KEY", description = "Remove a table property.")
  List<String> unset = new ArrayList<>();

  @Mixin Common common;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    boolean schemaChange =
        !addColumns.isEmpty() || !dropColumns.isEmpty() || !renames.isEmpty() || !widens.isEmpty();
    boolean partitionChange = !partitionBy.isEmpty() || !dropPartitions.isEmpty();
    boolean propertyChange = !set.isEmpty() || !unset.isEmpty();
    if (!schemaChange && !partitionChange && !propertyChange) {
      throw new CliException(
          "Nothing to change: give at least one of --add-column, --drop-column, --rename-column, "
              + "--widen-column, --partition-by, --drop-partition, --set or --unset.");
    }
    Table table = common.open(dir);
    PrintWriter out = spec.commandLine().getOut();
    if (schemaChange) {
      UpdateSchema update = table.updateSchema();
      for (String definition : addColumns) {
        Types.NestedField f = column(definition);
        if (f.isRequired()) {
          update.addRequiredColumn(f.name(), f.type());
        } else {
          update.addColumn(f.name(), f.type());
        }
      }
      renames.forEach(update::renameColumn);
      widens.forEach((name, type) -> update.widenColumn(name, type(type)));
      dropColumns.forEach(update::dropColumn);
      Schema after = update.commit();
      out.println("Schema:     " + after.asStruct() + " (id " + after.schemaId() + ")");
    }
    if (partitionChange) {
      UpdatePartitioning update = table.updatePartitioning();
      dropPartitions.forEach(update::remove);
      partitionBy.forEach(update::add);
      List<String> terms = update.commit();
      out.println("Partition:  " + (terms.isEmpty() ? "unpartitioned" : String.join(", ", terms)));
    }
    if (propertyChange) {
      UpdateProperties update = table.updateProperties();
      set.forEach(update::set);
      unset.forEach(update::remove);
      Map<String, String> props = update.commit();
      List<String> changed = new ArrayList<>();
      set.keySet().forEach(k -> changed.add(k + " = " + props.get(k)));
      unset.forEach(k -> changed.add(k + " removed"));
      out.println("Properties: " + String.join(", ", changed));
    }
    return 0;
  }

  /** One column of a schema definition ('name type [not null]'). */
  private static Types.NestedField column(String definition) {
    Schema s = Schema.parse(definition);
    if (s.columns().size() != 1) {
      throw new CliException(
          "--add-column takes one column as 'NAME TYPE [not null]', got '" + definition + "'");
    }
    return s.columns().get(0);
  }

  private static Type type(String name) {
    return Schema.parse("x " + name).columns().get(0).type();
  }
}
