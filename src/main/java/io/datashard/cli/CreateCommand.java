package io.datashard.cli;

import io.datashard.DataShard;
import io.datashard.FileFormat;
import io.datashard.Schema;
import io.datashard.Table;
import io.datashard.TableProperties;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "create", description = "Create a table in a directory.")
final class CreateCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "DIR",
      description = "The table directory, or an s3://bucket/prefix location.")
  Path dir;

  @Option(
      names = "--schema",
      paramLabel = "COLUMNS",
      description =
          "Columns as 'name type [not null], ...', e.g. 'id long, name string, emb list<float>, "
              + "ts timestamptz'. Without it, the first append defines the schema.")
  String schema;

  @Option(
      names = "--partition-by",
      paramLabel = "TERMS",
      description =
          "Partition by these terms, comma-separated or repeated: a column name, year(col), month(col), "
              + "day(col), hour(col), bucket(N, col), truncate(W, col). Needs --schema.")
  List<String> partitionBy = new ArrayList<>();

  @Option(
      names = "--property",
      paramLabel = "KEY=VALUE",
      description = "A table property (repeatable).")
  Map<String, String> properties = new LinkedHashMap<>();

  @Option(
      names = "--file-format",
      paramLabel = "FORMAT",
      description =
          "Format of the table's data files: parquet (default), orc or avro (the table property "
              + "write.format.default). ORC needs the optional jars in target/lib-orc.")
  String fileFormat;

  @Mixin Common common;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    DataShard.TableBuilder b = Common.table(dir).durable(!common.noFsync);
    if (schema != null) {
      b.schema(Schema.parse(schema));
    }
    properties.forEach(b::property);
    if (fileFormat != null) {
      FileFormat f = FileFormat.fromName(fileFormat);
      f.checkAvailable(); // fails now, not at the first append, if ORC is missing
      b.property(TableProperties.DEFAULT_FILE_FORMAT, f.name().toLowerCase(Locale.ROOT));
    }
    for (String terms : partitionBy) {
      b.partitionBy(splitTopLevel(terms).toArray(new String[0]));
    }
    Table t = b.create();
    spec.commandLine()
        .getOut()
        .println(
            "Created table "
                + t.location()
                + (schema == null
                    ? " (schema from the first append)"
                    : " with " + t.schema().columns().size() + " columns")
                + (t.partitioning().isEmpty()
                    ? ""
                    : ", partitioned by " + String.join(", ", t.partitioning())));
    return 0;
  }

  /** Splits on commas outside parentheses: {@code day(ts), bucket(16, id)} gives two terms. */
  static List<String> splitTopLevel(String s) {
    List<String> out = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        out.add(s.substring(start, i).trim());
        start = i + 1;
      }
    }
    out.add(s.substring(start).trim());
    out.removeIf(String::isEmpty);
    return out;
  }
}
