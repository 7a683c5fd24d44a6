package io.datashard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.datashard.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Damaged tables and bad input, one case per row: each must end in a clear DataShard error (the
 * expected exception type, and a message naming the file or field and the problem), never an
 * unexpected exception, and must not lose anything committed: once the damage is repaired (the file
 * restored or removed), or when bad input was rejected, the table reads the same rows.
 */
class CorruptionCasesTest {
  @TempDir static Path tmp;

  private static int counted;

  /** A table with two commits (rows 1, 2 and then 3) and helpers to damage and restore it. */
  static final class Fixture {
    final Path dir;
    final Table table;
    final List<Long> rows;
    private final Map<Path, byte[]> saved = new LinkedHashMap<>();

    Fixture(Path dir) {
      this.dir = dir;
      this.table =
          DataShard.create(
              dir, Schema.parse("id long not null, name string, n int, d decimal(5,2)"));
      table.append(List.of(rec(1, "a"), rec(2, "b")));
      table.append(List.of(rec(3, "c")));
      this.rows = ids(DataShard.open(dir));
    }

    static Map<String, Object> rec(long id, String name) {
      Map<String, Object> m = new HashMap<>();
      m.put("id", id);
      m.put("name", name);
      return m;
    }

    Path metadata() {
      return dir.resolve("metadata");
    }

    Path version(int n) {
      return metadata().resolve("v" + n + ".metadata.json");
    }

    Path latest() {
      return version(3);
    }

    Path hint() {
      return metadata().resolve("version-hint.text");
    }

    Path manifestList() {
      String l = table.refresh().currentSnapshot().orElseThrow().manifestList();
      return Path.of(l.startsWith("file:") ? l.substring(5) : l);
    }

    Path manifest() throws Exception {
      try (Stream<Path> s = Files.list(metadata())) {
        return s.filter(p -> p.getFileName().toString().endsWith("-m0.avro"))
            .findFirst()
            .orElseThrow();
      }
    }

    Path dataFile() {
      String p = table.scan().files().get(0).path();
      return Path.of(p.startsWith("file:") ? p.substring(5) : p);
    }

    /** Remembers a file's bytes (once) so {@link #repair()} can put them back. */
    byte[] save(Path p) throws Exception {
      if (!saved.containsKey(p)) {
        saved.put(p, Files.exists(p) ? Files.readAllBytes(p) : null);
      }
      byte[] b = saved.get(p);
      return b == null ? null : b.clone();
    }

    void write(Path p, byte[] bytes) throws Exception {
      save(p);
      Files.write(p, bytes);
    }

    void write(Path p, String text) throws Exception {
      write(p, text.getBytes(StandardCharsets.UTF_8));
    }

    void truncate(Path p) throws Exception {
      byte[] b = save(p);
      write(p, Arrays.copyOf(b, b.length / 2));
    }

    void flip(Path p, int offset, int bit) throws Exception {
      byte[] b = save(p);
      int at = offset >= 0 ? offset : b.length + offset;
      b[at] ^= (byte) (1 << bit);
      write(p, b);
    }

    void delete(Path p) throws Exception {
      save(p);
      Files.delete(p);
    }

    void editJson(Path p, String from, String to) throws Exception {
      String s = new String(save(p), StandardCharsets.UTF_8);
      assertThat(s).contains(from);
      write(p, s.replaceFirst(Pattern.quote(from), Matcher.quoteReplacement(to)));
    }

    /** Puts back every damaged file (and removes files the case added). */
    void repair() throws Exception {
      for (Map.Entry<Path, byte[]> e : saved.entrySet()) {
        if (e.getValue() == null) {
          Files.deleteIfExists(e.getKey());
        } else {
          Files.write(e.getKey(), e.getValue());
        }
      }
      saved.clear();
    }

    /** Opens the table afresh and reads every row. */
    List<Long> read() {
      return ids(DataShard.open(dir));
    }
  }

  static List<Long> ids(Table t) {
    List<Long> out = new ArrayList<>();
    for (Row r : t.scan().toList()) {
      out.add((Long) r.get("id"));
    }
    out.sort(Long::compare);
    return out;
  }

  interface Body {
    void run(Fixture f) throws Exception;
  }

  /** One case: its name and its body. */
  record Case(String name, Body body) {
    @Override
    public String toString() {
      return name;
    }
  }

  /**
   * Asserts {@code t} is a {@code type} whose message contains every fragment (case-insensitive).
   */
  static void assertError(
      Throwable t, Class<? extends DataShardException> type, String... fragments) {
    assertThat(t).as("expected a %s", type.getSimpleName()).isNotNull();
    if (!type.isInstance(t)) {
      throw new AssertionError("expected " + type.getName() + " but got " + t, t);
    }
    for (String f : fragments) {
      assertThat(t.getMessage()).as("message of %s", t).containsIgnoringCase(f);
    }
  }

  /** Opening and fully reading the table fails with {@code type} naming the fragments. */
  static void readFails(Fixture f, Class<? extends DataShardException> type, String... fragments) {
    assertError(catchThrowable(f::read), type, fragments);
  }

  /** After repairing the damage, the table reads its rows and takes a new commit. */
  static void repairedReadsTheSameRows(Fixture f) throws Exception {
    f.repair();
    assertThat(f.read()).isEqualTo(f.rows);
    DataShard.open(f.dir).append(List.of(Fixture.rec(4, "d")));
    List<Long> expected = new ArrayList<>(f.rows);
    expected.add(4L);
    assertThat(f.read()).isEqualTo(expected);
  }

  /** Bad input was rejected: the table still reads exactly its rows. */
  static void unchanged(Fixture f) {
    assertThat(f.read()).isEqualTo(f.rows);
    assertThat(DataShard.open(f.dir).snapshots()).hasSize(2);
  }

  /**
   * Appending {@code record} fails with a ValidationException naming the fragments; nothing
   * changes.
   */
  static void rejects(Fixture f, Object record, String... fragments) {
    assertError(
        catchThrowable(
            () -> DataShard.open(f.dir).append(Arrays.asList(Fixture.rec(9, "ok"), record))),
        ValidationException.class,
        fragments);
    unchanged(f);
  }

  static Map<String, Object> with(String key, Object value) {
    Map<String, Object> m = Fixture.rec(7, "x");
    m.put(key, value);
    return m;
  }

  record CliResult(int code, String out, String err) {}

  static CliResult cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
    return new CliResult(code, out.toString(), err.toString());
  }

  static List<Case> cases() {
    List<Case> c = new ArrayList<>();
    // ---- metadata JSON
    c.add(
        new Case(
            "metadata JSON truncated",
            f -> {
              f.truncate(f.latest());
              readFails(f, CorruptTableException.class, "v3.metadata.json", "not valid JSON");
              repairedReadsTheSameRows(f);
            }));
    c.add(
        new Case(
            "metadata JSON bit flip in the opening brace",
            f -> {
              f.flip(f.latest(), 0, 1);
              readFails(f, CorruptTableException.class, "v3.metadata.json", "not valid JSON");
              repairedReadsTheSameRows(f);
            }));
    c.add(
        new Case(
            "metadata JSON bit flip in a key name",
            f -> {
              f.editJson(f.latest(), "\"format-version\"", "\"format-versiom\"");
              readFails(f, CorruptTableException.class, "v3.metadata.json", "format-version");
              repairedReadsTheSameRows(f);
            }));
    c.add(
        new Case(
            "metadata JSON bit flip in the manifest list path",
            f -> {
              String name = f.manifestList().getFileName().toString();
              f.editJson(f.latest(), name, name.replaceFirst("snap-", "snaq-"));
              readFails(f, CorruptTableException.class, "snaq-", "missing");
              repairedReadsTheSameRows(f);
            }));
    c.add(
        new Case(
            "metadata JSON empty file",
            f -> {
              f.write(f.latest(), new byte[0]);
              readFails(f, CorruptTableException.class, "v3.metadata.json", "empty");
              repairedReadsTheSameRows(f);
            }));
    c.add(
        new Case(
            "metadata JSON is an array, not an object",
            f -> {
              f.write(f.latest(), "[1, 2, 3]");
              readFails(f, CorruptTableException.class, "v3.metadata.json", "JSON object");
              repairedReadsTheSameRows(f);
            }));
    c.add(
        new Case(
            "metadata format-version 3",
            f -> {
              f.editJson(f.latest(), "\"format-version\":2", "\"format-version\":3");
              readFails(f, CorruptTableException.class, "v3.metadata.json", "format version 3");
              repairedReadsTheSameRows(f);
            }));
    c.add(
        new Case(
            "metadata format-version 99",
            f -> {
              f.editJson(f.latest(), "\"format-version\":2", "\"format-version\":99");
              readFails(f, CorruptTableException.class, "v3.metadata.json", "format version 99");
              repairedReadsTheSameRows(f);
            }));
    c.add(
        new Case(
            "metadata format-version of the wrong type",
            f -> {
              f.editJson(f.latest(), "\"format-version\":2", "\"format-version\":\"two\"");
              readFails(
                  f, CorruptTableException.class, "v3.metadata.json", "format-version", "integer");
              repairedReadsTheSameRows(f);
            }));
    c.add(
        new Case(
            "metadata current-snapshot-id names no snapshot",
            f -> {
              long id = f.table.refresh().currentSnapshot().orElseThrow().snapshotId();
              f.editJson(
                  f.latest(), "\"current-snapshot-id\":" + id, "\"current-snapshot-id\":12345");
              readFails(f, CorruptTableException.class, "v3.metadata.json", "12345");
              repairedReadsTheSameRows(f);
            }));
    c.add(
        new Case(
            "metadata snapshot timestamp-ms of the wrong type",
            f -> {
              f.editJson(f.latest(), "\"timestamp-ms\":", "\"timestamp-ms\":\"yesterday\", \"x\":");
              readFails(f, CorruptTableException.class, "v3.metadata.json", "timestamp-ms");
              repairedReadsTheSameRows(f);
            }));
    // ---- version hint
    c.add(
        new Case(
            "version hint points nowhere",
            f -> {
              f.write(f.hint(), "42");
              assertThat(f.read()).isEqualTo(f.rows);
              repairedReadsTheSameRows(f);
            }));
    c.add(
        new Case(
            "version hint holds garbage",
            f -> {
              f.write(f.hint(), new byte[] {0, (byte) 0xff, 'x', '\n'});
              assertThat(f.read()).isEqualTo(f.rows);
              repairedReadsTheSameRows(f);
            }));
    c.add(
        new Case(
            "version hint points backwards",
            f -> {
              f.write(f.hint(), "1");
              assertThat(f.read()).isEqualTo(f.rows);
              DataShard.open(f.dir).append(List.of(Fixture.rec(5, "e")));
              assertThat(f.read()).contains(1L, 2L, 3L, 5L).hasSize(4);
            }));
    c.add(
        new Case(
            "version hint points backwards to a removed version",
            f -> {
              Files.delete(f.version(1));
              f.write(f.hint(), "1");
              assertThat(f.read()).isEqualTo(f.rows);
            }));
    c.add(
        new Case(
            "version hint is negative or overflows",
            f -> {
              f.write(f.hint(), "-3");
              assertThat(f.read()).isEqualTo(f.rows);
              f.write(f.hint(), "99999999999999999999");
              assertThat(f.read()).isEqualTo(f.rows);
              repairedReadsTheSameRows(f);
            }));
    c.add(
        new Case(
            "version hint missing",
            f -> {
              f.delete(f.hint());
              assertThat(f.read()).isEqualTo(f.rows);
              repairedReadsTheSameRows(f);
            }));
    // ---- foreign files in metadata/
    c.add(
        new Case(
            "foreign files in metadata/ are ignored",
            f -> {
              f.write(f.metadata().resolve("v5.metadata.json.tmp"), "{garbage");
              f.write(f.metadata().resolve("notes.txt"), "hello");
              f.write(f.metadata().resolve(".v3.metadata.json.crc"), new byte[] {1, 2, 3});
              f.write(f.metadata().resolve("v4.metadata.json.bak"), "{}");
              assertThat(f.read()).isEqualTo(f.rows);
              DataShard.open(f.dir).append(List.of(Fixture.rec(5, "e")));
              assertThat(f.read()).hasSize(4);
            }));
    c.add(
        new Case(
            "an empty v7.metadata.json after a gap, without a hint",
            f -> {
              f.delete(f.hint());
              f.write(f.version(7), new byte[0]);
              readFails(f, CorruptTableException.class, "v7.metadata.json", "empty");
              repairedReadsTheSameRows(f);
            }));
    c.add(
        new Case(
            "an empty next version v4.metadata.json",
            f -> {
              f.write(f.version(4), new byte[0]);
              readFails(f, CorruptTableException.class, "v4.metadata.json", "empty");
              assertError(
                  catchThrowable(() -> DataShard.open(f.dir).append(List.of(Fixture.rec(5, "e")))),
                  CorruptTableException.class,
                  "v4.metadata.json");
              repairedReadsTheSameRows(f);
            }));
    // ---- manifest list
    c.add(
        new Case(
            "manifest list truncated",
            f -> {
              f.truncate(f.manifestList());
              readFails(
                  f,
                  CorruptTableException.class,
                  f.manifestList().getFileName().toString(),
                  "manifest list");
              repairedReadsTheSameRows(f);
            }));
    c.add(
        new Case(
            "manifest list bit flip in the Avro magic",
            f -> {
              f.flip(f.manifestList(), 0, 0);
              readFails(
                  f,
                  CorruptTableException.class,
                  f.manifestList().getFileName().toString(),
                  "manifest list");
              repairedReadsTheSameRows(f);
            }));
    c.add(
        new Case(
            "manifest list bit flip in the last sync marker",
            f -> {
              f.flip(f.manifestList(), -3, 4);
              readFails(
                  f,
                  CorruptTableException.class,
                  f.manifestList().getFileName().toString(),
                  "sync marker");
              repairedReadsTheSameRows(f);
            }));
    c.add(
        new Case(
            "manifest list missing",
            f -> {
              f.delete(f.manifestList());
              readFails(
                  f,
                  CorruptTableException.class,
                  f.manifestList().getFileName().toString(),
                  "missing");
              repairedReadsTheSameRows(f);
            }));
    // ---- manifest
    c.add(
        new Case(
            "manifest truncated",
            f -> {
              f.truncate(f.manifest());
              readFails(
                  f,
                  CorruptTableException.class,
                  f.manifest().getFileName().toString(),
                  "truncated");
              repairedReadsTheSameRows(f);
            }));
    c.add(
        new Case(
            "manifest bit flip in the Avro magic",
            f -> {
              f.flip(f.manifest(), 1, 3);
              readFails(
                  f,
                  CorruptTableException.class,
                  f.manifest().getFileName().toString(),
                  "manifest");
              repairedReadsTheSameRows(f);
            }));
    c.add(
        new Case(
            "manifest bit flip in the last sync marker",
            f -> {
              f.flip(f.manifest(), -1, 7);
              readFails(
                  f,
                  CorruptTableException.class,
                  f.manifest().getFileName().toString(),
                  "sync marker");
              repairedReadsTheSameRows(f);
            }));
    c.add(
        new Case(
            "manifest missing",
            f -> {
              Path m = f.manifest();
              f.delete(m);
              readFails(f, CorruptTableException.class, m.getFileName().toString(), "missing");
              repairedReadsTheSameRows(f);
            }));
    // ---- data file
    c.add(
        new Case(
            "data file truncated",
            f -> {
              f.truncate(f.dataFile());
              readFails(f, CorruptTableException.class, f.dataFile().getFileName().toString());
              repairedReadsTheSameRows(f);
            }));
    c.add(
        new Case(
            "data file bit flip in the footer magic",
            f -> {
              f.flip(f.dataFile(), -2, 0);
              readFails(f, CorruptTableException.class, f.dataFile().getFileName().toString());
              repairedReadsTheSameRows(f);
            }));
    c.add(
        new Case(
            "data file bit flips in the column pages",
            f -> {
              byte[] b = f.save(f.dataFile());
              // page data starts after the 4-byte magic and the page header; flip one bit in each
              // early byte
              for (int at = 4; at < Math.min(60, b.length - 8); at += 7) {
                Fixture g = f;
                g.flip(f.dataFile(), at, 2);
                Throwable t = catchThrowable(g::read);
                if (t != null) {
                  assertError(
                      t, CorruptTableException.class, f.dataFile().getFileName().toString());
                } else {
                  // a flip the format cannot detect must not invent rows
                  assertThat(g.read()).hasSameSizeAs(f.rows);
                }
                g.repair();
              }
              repairedReadsTheSameRows(f);
            }));
    c.add(
        new Case(
            "data file missing",
            f -> {
              f.delete(f.dataFile());
              readFails(
                  f, CorruptTableException.class, f.dataFile().getFileName().toString(), "missing");
              repairedReadsTheSameRows(f);
            }));
    c.add(
        new Case(
            "data file replaced by a longer file",
            f -> {
              byte[] b = f.save(f.dataFile());
              byte[] longer = Arrays.copyOf(b, b.length + 100);
              f.write(f.dataFile(), longer);
              readFails(f, CorruptTableException.class, f.dataFile().getFileName().toString());
              repairedReadsTheSameRows(f);
            }));
    // ---- table location
    c.add(
        new Case(
            "no table at the path",
            f -> {
              assertError(
                  catchThrowable(() -> DataShard.open(f.dir.resolve("nope"))),
                  TableNotFoundException.class,
                  "nope",
                  "no table");
              unchanged(f);
            }));
    // ---- records
    c.add(
        new Case("record with a wrong type", f -> rejects(f, with("id", "seven"), "id", "seven")));
    c.add(
        new Case(
            "record with a null in a required column",
            f -> rejects(f, with("id", null), "id", "required")));
    c.add(
        new Case(
            "record with an unknown column", f -> rejects(f, with("colour", "red"), "colour")));
    c.add(
        new Case(
            "long overflowing an int column", f -> rejects(f, with("n", 1L << 40), "n", "int")));
    c.add(
        new Case(
            "decimal precision too large",
            f -> rejects(f, with("d", new BigDecimal("123456.7")), "d", "digits")));
    c.add(
        new Case(
            "decimal scale too large",
            f -> rejects(f, with("d", new BigDecimal("1.234")), "d", "rounded")));
    c.add(
        new Case(
            "string with a lone surrogate (not valid UTF-16, cannot be UTF-8)",
            f -> rejects(f, with("name", "ok\uD800bad"), "name", "surrogate")));
    c.add(
        new Case(
            "byte array in a string column",
            f ->
                rejects(f, with("name", new byte[] {(byte) 0xc3, (byte) 0x28}), "name", "string")));
    c.add(new Case("a null record", f -> rejects(f, null, "null")));
    c.add(
        new Case(
            "a 10 MB string round-trips",
            f -> {
              String big = "é".repeat(5 * 1024 * 1024);
              DataShard.open(f.dir).append(List.of(with("name", big)));
              Row r =
                  DataShard.open(f.dir).scan().toList().stream()
                      .filter(x -> x.get("id").equals(7L))
                      .findFirst()
                      .orElseThrow();
              assertThat((String) r.get("name")).isEqualTo(big);
            }));
    // ---- CLI input
    c.add(
        new Case(
            "CLI: bad JSON line names its line number",
            f -> {
              Path in = f.dir.resolveSibling(f.dir.getFileName() + ".jsonl");
              Files.writeString(in, "{\"id\": 10}\n{\"id\": 11,\n{\"id\": 12}\n");
              CliResult r = cli("append", f.dir.toString(), "--file", in.toString());
              assertThat(r.code()).isNotZero();
              assertThat(r.err()).contains("Line 2", in.toString(), "not valid JSON");
              unchanged(f);
            }));
    c.add(
        new Case(
            "CLI: a JSON line that is not an object",
            f -> {
              Path in = f.dir.resolveSibling(f.dir.getFileName() + ".jsonl");
              Files.writeString(in, "{\"id\": 10}\n\n[1, 2]\n");
              CliResult r = cli("append", f.dir.toString(), "--file", in.toString());
              assertThat(r.code()).isNotZero();
              assertThat(r.err()).contains("Line 3", "not a JSON object");
              unchanged(f);
            }));
    c.add(
        new Case(
            "CLI: input that is not UTF-8",
            f -> {
              Path in = f.dir.resolveSibling(f.dir.getFileName() + ".jsonl");
              Files.write(
                  in,
                  new byte[] {
                    '{', '"', 'i', 'd', '"', ':', '1', '}', '\n', (byte) 0xff, (byte) 0xfe, '\n'
                  });
              CliResult r = cli("append", f.dir.toString(), "--file", in.toString());
              assertThat(r.code()).isNotZero();
              assertThat(r.err()).contains(in.toString(), "UTF-8");
              unchanged(f);
            }));
    c.add(
        new Case(
            "CLI: a record of the wrong type names its line and column",
            f -> {
              Path in = f.dir.resolveSibling(f.dir.getFileName() + ".jsonl");
              Files.writeString(in, "{\"id\": 10}\n\n{\"id\": \"eleven\"}\n");
              CliResult r = cli("append", f.dir.toString(), "--file", in.toString());
              assertThat(r.code()).isNotZero();
              assertThat(r.err()).contains("line 3 of " + in, "'id'", "eleven");
              unchanged(f);
            }));
    // ---- registering existing data files
    c.add(
        new Case(
            "registering a data file whose path escapes the table with ../",
            f -> {
              Path outside =
                  externalFile(
                      f,
                      FileFormat.PARQUET,
                      f.dir.resolveSibling(f.dir.getFileName() + "-out.parquet"),
                      "id long not null, name string, n int, d decimal(5,2)");
              String sneaky = f.dir + "/data/../../" + outside.getFileName();
              registerFails(
                  f,
                  dataFile(sneaky, FileFormat.PARQUET, 2, Files.size(outside)),
                  outside.getFileName().toString(),
                  "outside the table's allowed locations");
              assertThat(outside).exists(); // never deleted: not ours
            }));
    c.add(
        new Case(
            "registering a data file through a symlink that points outside the table",
            f -> {
              Path outside =
                  externalFile(
                      f,
                      FileFormat.AVRO,
                      f.dir.resolveSibling(f.dir.getFileName() + "-out.avro"),
                      "id long not null, name string, n int, d decimal(5,2)");
              Path link = f.dir.resolve("data").resolve("link.avro");
              Files.createSymbolicLink(link, outside);
              registerFails(
                  f,
                  dataFile(link.toString(), FileFormat.AVRO, 2, Files.size(outside)),
                  "link.avro",
                  "outside the table's allowed locations",
                  "resolves to " + outside.toRealPath());
              assertThat(outside).exists();
            }));
    c.add(
        new Case(
            "registering a data file of another format than stated",
            f -> {
              Path file =
                  externalFile(
                      f,
                      FileFormat.AVRO,
                      f.dir.resolve("data").resolve("x.parquet"),
                      "id long not null, name string, n int, d decimal(5,2)");
              registerFails(
                  f,
                  dataFile(file.toString(), FileFormat.PARQUET, 2, Files.size(file)),
                  "x.parquet",
                  "not a PARQUET file",
                  "it is a AVRO file");
            }));
    c.add(
        new Case(
            "registering a data file with a wrong record count",
            f -> {
              Path file =
                  externalFile(
                      f,
                      FileFormat.PARQUET,
                      f.dir.resolve("data").resolve("x.parquet"),
                      "id long not null, name string, n int, d decimal(5,2)");
              registerFails(
                  f,
                  dataFile(file.toString(), FileFormat.PARQUET, 5, Files.size(file)),
                  "x.parquet",
                  "holds 2 records",
                  "says 5");
              assertThat(file).exists();
            }));
    c.add(
        new Case(
            "registering a data file with a wrong size",
            f -> {
              Path file =
                  externalFile(
                      f,
                      FileFormat.AVRO,
                      f.dir.resolve("data").resolve("x.avro"),
                      "id long not null, name string, n int, d decimal(5,2)");
              registerFails(
                  f,
                  dataFile(file.toString(), FileFormat.AVRO, 2, Files.size(file) + 1),
                  "x.avro",
                  "bytes, but the DataFile says " + (Files.size(file) + 1));
            }));
    c.add(
        new Case(
            "registering a data file whose column types do not fit the schema",
            f -> {
              Path file =
                  externalFile(
                      f,
                      FileFormat.PARQUET,
                      f.dir.resolve("data").resolve("x.parquet"),
                      "id long not null, name long, n int, d decimal(5,2)");
              registerFails(
                  f,
                  dataFile(file.toString(), FileFormat.PARQUET, 2, Files.size(file)),
                  "x.parquet",
                  "cannot be read with the table's schema",
                  "name");
            }));
    c.add(
        new Case(
            "registering an ORC data file whose column types do not fit the schema",
            f -> {
              Path file =
                  externalFile(
                      f,
                      FileFormat.ORC,
                      f.dir.resolve("data").resolve("x.orc"),
                      "id long not null, name string, n string, d decimal(5,2)");
              registerFails(
                  f,
                  dataFile(file.toString(), FileFormat.ORC, 2, Files.size(file)),
                  "x.orc",
                  "cannot be read with the table's schema",
                  "'n'");
            }));
    c.add(
        new Case(
            "registering a data file that lacks a required column",
            f -> {
              // a plain Avro file without field ids, so columns match by name, and it has no 'id'
              Path file = f.dir.resolve("data").resolve("x.avro");
              org.apache.avro.Schema avro =
                  new org.apache.avro.Schema.Parser()
                      .parse(
                          "{\"type\": \"record\", "
                              + "\"name\": \"r\", \"fields\": [{\"name\": \"name\", \"type\": \"string\"}]}");
              try (DataFileWriter<Object> w =
                  new DataFileWriter<>(new GenericDatumWriter<>(avro))) {
                w.create(avro, file.toFile());
                for (String n : List.of("p", "q")) {
                  GenericData.Record r = new GenericData.Record(avro);
                  r.put(0, n);
                  w.append(r);
                }
              }
              registerFails(
                  f,
                  dataFile(file.toString(), FileFormat.AVRO, 2, Files.size(file)),
                  "x.avro",
                  "not compatible",
                  "lacks the required column(s) id");
            }));
    c.add(
        new Case(
            "registering a data file that is already in the table",
            f -> {
              Path file = f.dataFile();
              registerFails(
                  f,
                  dataFile(file.toString(), FileFormat.PARQUET, 2, Files.size(file)),
                  file.getFileName().toString(),
                  "already part of the table");
              Path copy =
                  externalFile(
                      f,
                      FileFormat.AVRO,
                      f.dir.resolve("data").resolve("twice.avro"),
                      "id long not null, name string, n int, d decimal(5,2)");
              DataFile df = dataFile(copy.toString(), FileFormat.AVRO, 2, Files.size(copy));
              assertError(
                  catchThrowable(
                      () ->
                          DataShard.open(f.dir).newAppend().appendFile(df).appendFile(df).commit()),
                  ValidationException.class,
                  "twice.avro",
                  "given twice");
              unchanged(f);
            }));
    c.add(
        new Case(
            "registering a data file that does not exist",
            f ->
                registerFails(
                    f,
                    dataFile(
                        f.dir.resolve("data/none.parquet").toString(), FileFormat.PARQUET, 1, 10),
                    "none.parquet",
                    "does not exist")));
    return c;
  }

  /**
   * Writes a data file of {@code format} with two rows of {@code schema} (through a scratch table)
   * and copies it to {@code target}.
   */
  static Path externalFile(Fixture f, FileFormat format, Path target, String schema)
      throws Exception {
    Path src = f.dir.resolveSibling(f.dir.getFileName() + "-src-" + System.nanoTime());
    Table t = DataShard.create(src, Schema.parse(schema));
    Map<String, Object> a = new HashMap<>();
    Map<String, Object> b = new HashMap<>();
    String first = t.schema().columns().get(0).name();
    a.put(first, 100L);
    b.put(first, 101L);
    t.newAppend().format(format).add(a).add(b).commit();
    Path file = Path.of(t.scan().files().get(0).path());
    Files.createDirectories(target.getParent());
    Files.copy(file, target);
    return target;
  }

  static DataFile dataFile(String path, FileFormat format, long records, long size) {
    return DataFile.builder()
        .path(path)
        .format(format)
        .recordCount(records)
        .fileSizeInBytes(size)
        .build();
  }

  /**
   * Registering {@code file} fails with a ValidationException naming the fragments; nothing
   * changes.
   */
  static void registerFails(Fixture f, DataFile file, String... fragments) {
    assertError(
        catchThrowable(
            () ->
                DataShard.open(f.dir)
                    .newAppend()
                    .add(Fixture.rec(9, "ok"))
                    .appendFile(file)
                    .commit()),
        ValidationException.class,
        fragments);
    unchanged(f);
  }

  static Stream<Case> caseStream() {
    return cases().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("caseStream")
  void caseEndsInAClearErrorAndLosesNothing(Case c) throws Exception {
    Path dir = tmp.resolve("case-" + Integer.toHexString(c.name().hashCode()));
    c.body().run(new Fixture(dir));
    synchronized (CorruptionCasesTest.class) {
      counted++;
    }
  }

  @AfterAll
  static void report() {
    long distinct = cases().size();
    System.out.println(
        "CorruptionCasesTest: "
            + distinct
            + " distinct cases ("
            + counted
            + " passed in this run)");
    assertThat(distinct).isGreaterThanOrEqualTo(30);
  }
}
