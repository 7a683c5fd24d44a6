package io.datashard.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datashard.Append;
import io.datashard.FileFormat;
import io.datashard.Snapshot;
import io.datashard.Table;
import io.datashard.ValidationException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "append",
    description =
        "Append the records of a JSON-lines file in one commit; prints the new " + "snapshot id.")
final class AppendCommand implements Callable<Integer> {
  static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_LONG_FOR_INTS);

  @Parameters(
      index = "0",
      paramLabel = "DIR",
      description = "The table directory, or an s3://bucket/prefix location.")
  Path dir;

  @Option(
      names = "--file",
      required = true,
      paramLabel = "F",
      description = "JSON lines, one object per line ('-' for standard input).")
  String file;

  @Option(
      names = "--file-format",
      paramLabel = "FORMAT",
      description =
          "Write this append's data file as parquet, orc or avro instead of the table's default "
              + "(write.format.default).")
  String fileFormat;

  @Option(
      names = "--branch",
      paramLabel = "NAME",
      description = "Commit to this branch instead of main.")
  String branch;

  @Mixin Common common;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    FileFormat format = fileFormat == null ? null : FileFormat.fromName(fileFormat);
    Table table = common.open(dir);
    List<Integer> lines = new ArrayList<>();
    List<Object> records = readJsonLines(file, lines);
    if (records.isEmpty()) {
      throw new CliException(
          "No records in " + file + ": the file has no JSON objects, so nothing was committed");
    }
    Snapshot s;
    try {
      Append append = table.newAppend().format(format).addAll(records);
      if (branch != null) {
        append.toBranch(branch);
      }
      s = append.commit();
    } catch (ValidationException e) {
      throw withLineNumber(e, lines);
    }
    spec.commandLine().getOut().println(s.snapshotId());
    return 0;
  }

  private static final Pattern RECORD = Pattern.compile("\\brecord (\\d+)\\b");

  /**
   * Names the input line of the record a validation error is about ("record 3" is line 5 of the
   * file).
   */
  private ValidationException withLineNumber(ValidationException e, List<Integer> lines) {
    Matcher m = RECORD.matcher(e.getMessage());
    if (!m.find()) {
      return e;
    }
    int index = Integer.parseInt(m.group(1));
    if (index < 0 || index >= lines.size()) {
      return e;
    }
    String where =
        "line " + lines.get(index) + " of " + (file.equals("-") ? "standard input" : file);
    return new ValidationException(
        e.getMessage().substring(0, m.start())
            + where
            + e.getMessage().substring(m.end())
            + " Nothing was committed.",
        e);
  }

  static List<Object> readJsonLines(String file, List<Integer> lineNumbers) throws IOException {
    List<Object> records = new ArrayList<>();
    BufferedReader in;
    try {
      in =
          file.equals("-")
              ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
              : Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new CliException("Input file " + file + " does not exist: check the path");
    }
    try (BufferedReader r = in) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.isBlank()) {
          continue;
        }
        Object v;
        try {
          v = JSON.readValue(line, Object.class);
        } catch (JsonProcessingException e) {
          throw new CliException(
              "Line "
                  + n
                  + " of "
                  + file
                  + " is not valid JSON ("
                  + e.getOriginalMessage()
                  + "). Nothing was committed; fix the line and run the append again.");
        }
        if (!(v instanceof Map)) {
          throw new CliException(
              "Line "
                  + n
                  + " of "
                  + file
                  + " is not a JSON object: each line must be one "
                  + "record like {\"id\": 1}. Nothing was committed.");
        }
        records.add(v);
        lineNumbers.add(n);
      }
    } catch (MalformedInputException e) {
      throw new CliException(
          "Input file " + file + " is not valid UTF-8 text. Nothing was committed.");
    }
    return records;
  }
}
