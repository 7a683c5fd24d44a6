package io.datashard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.management.ThreadMXBean;
import io.datashard.DataShard;
import io.datashard.DataShardException;
import io.datashard.Schema;
import io.datashard.Table;
import io.datashard.internal.manifest.ManifestIO;
import io.datashard.internal.meta.TableMetadata;
import io.datashard.internal.meta.TableMetadataParser;
import io.datashard.interop.IcebergJava;
import io.datashard.storage.InMemoryStorage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * Fuzzes the parsers of untrusted table files: {@link TableMetadataParser#fromJson} and the Avro
 * readers of {@link ManifestIO} (manifest lists and manifests). Inputs are valid files of a real
 * table (written by DataShard, and by Apache Iceberg Java for manifests, which are compressed) with
 * random mutations: bit flips, truncation, inserted, removed and overwritten bytes, huge varints
 * (declared lengths and counts) and, for JSON, known keys given other values or types or removed.
 * Every input must give a parsed value or a {@link DataShardException} (in practice {@link
 * io.datashard.CorruptTableException}); any other exception, more than {@value #TIME_LIMIT_MS} ms
 * (a hang), an OutOfMemoryError, or more than {@value #ALLOCATION_LIMIT} bytes allocated while
 * parsing one small input fails the property.
 *
 * <p>CI runs {@code jqwik.tries.default} tries per property
 * (src/test/resources/junit-platform.properties); a long run: {@code mvn test -Dtest=ParserFuzzTest
 * -Djqwik.tries.default=100000}. jqwik prints the seed of each property; a failing input is printed
 * as hex.
 */
class ParserFuzzTest {
  static final long TIME_LIMIT_MS = 10_000;
  static final long ALLOCATION_LIMIT = 256L * 1024 * 1024;
  private static final int STRIDE = Integer.getInteger("datashard.fuzz.stride", 29);
  private static final AtomicLong EXECUTIONS = new AtomicLong();
  private static final AtomicLong PARSED = new AtomicLong();
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static Path dir;
  private static byte[] metadataJson;
  private static final List<byte[]> metadataSeeds = new ArrayList<>();
  private static final List<byte[]> manifestLists = new ArrayList<>();
  private static final List<byte[]> manifests = new ArrayList<>();
  private static ExecutorService worker;

  @BeforeContainer
  static void writeSeedFiles() throws Exception {
    dir = Files.createTempDirectory("datashard-fuzz");
    Path t = dir.resolve("t");
    Table table =
        DataShard.create(
            t,
            Schema.parse(
                "id long not null, name string, ts timestamptz, d decimal(9,2), "
                    + "day date, tags list<string>, attrs map<string, int>, emb list<float>"));
    for (int i = 0; i < 3; i++) {
      Map<String, Object> r = new HashMap<>();
      r.put("id", (long) i);
      r.put("name", "name-" + i);
      r.put("ts", "2026-01-0" + (i + 1) + "T00:00:00Z");
      r.put("d", new BigDecimal("12.5" + i));
      r.put("day", LocalDate.of(2026, 1, i + 1));
      r.put("tags", List.of("a", "b"));
      r.put("attrs", Map.of("k", i));
      r.put("emb", List.of(0.5f, 1.5f));
      table.append(List.of(r));
    }
    metadataJson = Files.readAllBytes(t.resolve("metadata/v4.metadata.json"));
    collectAvro(t.resolve("metadata"));
    Path iceberg = IcebergJava.writeSampleTable(dir.resolve("iceberg"));
    collectAvro(iceberg.resolve("metadata"));
    metadataSeeds.add(metadataJson);
    try (var s = Files.list(iceberg.resolve("metadata"))) {
      // the newest metadata file Apache Iceberg Java wrote (sort orders, refs, statistics keys...)
      Path newest =
          s.filter(p -> p.getFileName().toString().endsWith(".metadata.json"))
              .max(Comparator.comparing(p -> p.getFileName().toString()))
              .orElseThrow();
      metadataSeeds.add(Files.readAllBytes(newest));
    }
    assertThat(manifestLists).hasSizeGreaterThanOrEqualTo(4);
    assertThat(manifests).hasSizeGreaterThanOrEqualTo(4);
    worker =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread th = new Thread(r, "parser-fuzz");
              th.setDaemon(true);
              return th;
            });
  }

  private static void collectAvro(Path metadataDir) throws IOException {
    try (var s = Files.list(metadataDir)) {
      for (Path p : s.sorted().toList()) {
        String n = p.getFileName().toString();
        if (n.startsWith(".") || !n.endsWith(".avro")) {
          continue;
        }
        (n.startsWith("snap-") ? manifestLists : manifests).add(Files.readAllBytes(p));
      }
    }
  }

  @AfterContainer
  static void cleanUp() throws IOException {
    System.out.println(
        "ParserFuzzTest: "
            + EXECUTIONS.get()
            + " parser executions, "
            + PARSED.get()
            + " of them parsed without error");
    worker.shutdownNow();
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
            Files.delete(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  // ------------------------------------------------------------------ mutations

  /** One byte-level mutation at a relative position of the input. */
  record Mutation(int kind, double where, int value, int length) {
    byte[] apply(byte[] in) {
      int pos = Math.min(in.length, (int) (where * in.length));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      switch (kind) {
        case 0:
          { // flip one bit
            if (in.length == 0) {
              return in;
            }
            byte[] b = in.clone();
            int at = Math.min(pos, b.length - 1);
            b[at] ^= (byte) (1 << (value & 7));
            return b;
          }
        case 1: // truncate
          return Arrays.copyOf(in, pos);
        case 2:
          { // insert bytes
            Random r = new Random(value);
            out.write(in, 0, pos);
            for (int i = 0; i < length; i++) {
              out.write(r.nextInt(256));
            }
            out.write(in, pos, in.length - pos);
            return out.toByteArray();
          }
        case 3:
          { // remove bytes
            int end = Math.min(in.length, pos + length);
            out.write(in, 0, pos);
            out.write(in, end, in.length - end);
            return out.toByteArray();
          }
        case 4:
          { // overwrite a byte
            if (in.length == 0) {
              return in;
            }
            byte[] b = in.clone();
            b[Math.min(pos, b.length - 1)] = (byte) value;
            return b;
          }
        default:
          { // overwrite with a huge or negative zig-zag varint (a declared length or count)
            long[] huge = {
              Integer.MAX_VALUE,
              1_500_000_000L,
              1L << 40,
              Long.MAX_VALUE,
              -1,
              -(1L << 35),
              1_000_000
            };
            ByteArrayOutputStream v = new ByteArrayOutputStream();
            BinaryEncoder e = EncoderFactory.get().directBinaryEncoder(v, null);
            try {
              e.writeLong(huge[value % huge.length]);
              e.flush();
            } catch (IOException x) {
              throw new UncheckedIOException(x);
            }
            byte[] varint = v.toByteArray();
            byte[] b = in.clone();
            for (int i = 0; i < varint.length && pos + i < b.length; i++) {
              b[pos + i] = varint[i];
            }
            return b;
          }
      }
    }
  }

  @Provide
  Arbitrary<List<Mutation>> byteMutations() {
    Arbitrary<Mutation> one =
        Combinators.combine(
                Arbitraries.integers().between(0, 5),
                Arbitraries.doubles().between(0, 1),
                Arbitraries.integers().between(0, 255),
                Arbitraries.integers().between(1, 64))
            .as(Mutation::new);
    return one.list().ofMinSize(1).ofMaxSize(4);
  }

  static byte[] mutate(byte[] in, List<Mutation> ms) {
    byte[] b = in;
    for (Mutation m : ms) {
      b = m.apply(b);
    }
    return b;
  }

  /** Replacement values for known metadata keys: wrong types, extremes, empties. */
  private static final List<JsonNode> ODD_VALUES;

  static {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ArrayNode mixed = f.arrayNode().add(1).add("a").addNull();
    ObjectNode obj = f.objectNode().put("a", 1);
    ODD_VALUES =
        List.of(
            f.nullNode(),
            f.textNode(""),
            f.textNode("x"),
            f.numberNode(-1),
            f.numberNode(0),
            f.numberNode(3),
            f.numberNode(99),
            f.numberNode(Integer.MAX_VALUE + 1L),
            f.numberNode(Long.MAX_VALUE),
            f.numberNode(new BigDecimal("1e400")),
            f.numberNode(new BigInteger("123456789012345678901234567890")),
            f.numberNode(1.5),
            f.booleanNode(true),
            f.arrayNode(),
            f.objectNode(),
            mixed,
            obj,
            f.textNode("file:/../../etc/passwd"),
            f.textNode("\u0000\uFFFF"));
  }

  /** A structural mutation: the value at the n-th field of the JSON tree replaced or removed. */
  record JsonMutation(int field, int replacement, boolean remove) {}

  @Provide
  Arbitrary<List<JsonMutation>> jsonMutations() {
    Arbitrary<JsonMutation> one =
        Combinators.combine(
                Arbitraries.integers().between(0, 10_000),
                Arbitraries.integers().between(0, ODD_VALUES.size() - 1),
                Arbitraries.of(true, false))
            .as(JsonMutation::new);
    return one.list().ofMinSize(1).ofMaxSize(3);
  }

  private static void fields(JsonNode node, List<Object[]> out) {
    if (node.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> it = node.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        out.add(new Object[] {node, e.getKey()});
        fields(e.getValue(), out);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        out.add(new Object[] {node, i});
        fields(node.get(i), out);
      }
    }
  }

  static byte[] mutateJson(byte[] json, List<JsonMutation> ms) throws IOException {
    JsonNode root = MAPPER.readTree(json);
    for (JsonMutation m : ms) {
      List<Object[]> all = new ArrayList<>();
      fields(root, all);
      Object[] target = all.get(m.field() % all.size());
      JsonNode value = ODD_VALUES.get(m.replacement());
      if (target[1] instanceof String) {
        ObjectNode o = (ObjectNode) target[0];
        if (m.remove()) {
          o.remove((String) target[1]);
        } else {
          o.set((String) target[1], value.deepCopy());
        }
      } else {
        ArrayNode a = (ArrayNode) target[0];
        if (m.remove()) {
          a.remove((Integer) target[1]);
        } else {
          a.set((Integer) target[1], value.deepCopy());
        }
      }
    }
    return MAPPER.writeValueAsBytes(root);
  }

  // ------------------------------------------------------------------ the checks

  /**
   * Runs one parse on the worker thread with a time limit, and checks the outcome: a value, or a
   * DataShardException; never another exception, a hang, an OutOfMemoryError, or a huge allocation.
   */
  static <T> T check(String what, byte[] input, Callable<T> parse) {
    EXECUTIONS.incrementAndGet();
    ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    Future<Object[]> f =
        worker.submit(
            () -> {
              long id = Thread.currentThread().getId();
              long before = mx.getThreadAllocatedBytes(id);
              Object result;
              try {
                result = parse.call();
              } catch (Throwable t) {
                result = t;
              }
              return new Object[] {result, mx.getThreadAllocatedBytes(id) - before};
            });
    Object[] outcome;
    try {
      outcome = f.get(TIME_LIMIT_MS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw new AssertionError(
          what + " did not finish within " + TIME_LIMIT_MS + " ms on input " + hex(input));
    } catch (InterruptedException | ExecutionException e) {
      throw new AssertionError(what + ": " + e, e);
    }
    long allocated = (Long) outcome[1];
    if (allocated > ALLOCATION_LIMIT) {
      throw new AssertionError(
          what
              + " allocated "
              + allocated
              + " bytes for a "
              + input.length
              + "-byte input "
              + hex(input));
    }
    Object result = outcome[0];
    if (result instanceof Throwable) {
      Throwable t = (Throwable) result;
      if (t instanceof DataShardException) {
        assertThat(t.getMessage()).as("error message").isNotBlank();
        return null;
      }
      throw new AssertionError(
          what + " threw " + t + " (not a DataShardException) on input " + hex(input), t);
    }
    PARSED.incrementAndGet();
    @SuppressWarnings("unchecked")
    T value = (T) result;
    return value;
  }

  private static String hex(byte[] b) {
    return b.length > 256
        ? HexFormat.of().formatHex(b, 0, 256)
            + "... ("
            + b.length
            + " bytes; replay with the "
            + "printed jqwik seed)"
        : HexFormat.of().formatHex(b);
  }

  static TableMetadata parseMetadata(byte[] json) {
    TableMetadata m =
        check(
            "TableMetadataParser.fromJson",
            json,
            () -> TableMetadataParser.fromJson("/fuzz/v1.metadata.json", json));
    if (m != null) {
      // whatever parses must also write back out, and parse again
      byte[] again = check("TableMetadataParser.toJson", json, () -> TableMetadataParser.toJson(m));
      assertThat(again).as("toJson of a parsed metadata file").isNotNull();
      check(
          "TableMetadataParser.fromJson(toJson)",
          again,
          () -> TableMetadataParser.fromJson("/fuzz/v2.metadata.json", again));
    }
    return m;
  }

  static void readManifestList(byte[] bytes) {
    List<ManifestIO.Manifest> list =
        check(
            "ManifestIO.readList",
            bytes,
            () ->
                ManifestIO.readList(
                    InMemoryStorage.of(Map.of("/fuzz/snap.avro", bytes)), "/fuzz/snap.avro"));
    if (list != null) {
      assertThat(list).allSatisfy(m -> assertThat(m.path).isNotNull());
    }
  }

  static void readManifest(byte[] bytes, boolean recordedLength) {
    long length = recordedLength ? bytes.length : 0;
    ManifestIO.Manifest m =
        new ManifestIO.Manifest(
            "/fuzz/m.avro", length, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, null, null);
    List<ManifestIO.Entry> entries =
        check(
            "ManifestIO.liveEntries",
            bytes,
            () ->
                ManifestIO.liveEntries(
                    InMemoryStorage.of(Map.of("/fuzz/m.avro", bytes)), m, p -> p));
    if (entries != null) {
      assertThat(entries).allSatisfy(e -> assertThat(e.file.path()).isNotNull());
    }
  }

  @Example
  void seedFilesParse() {
    for (byte[] b : metadataSeeds) {
      assertThat(parseMetadata(b)).isNotNull();
    }
    for (byte[] b : manifestLists) {
      assertThat(
              check(
                  "readList",
                  b,
                  () -> ManifestIO.readList(InMemoryStorage.of(Map.of("/l", b)), "/l")))
          .isNotEmpty();
    }
    for (byte[] b : manifests) {
      ManifestIO.Manifest m =
          new ManifestIO.Manifest("/m", b.length, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, null, null);
      assertThat(
              check(
                  "liveEntries",
                  b,
                  () -> ManifestIO.liveEntries(InMemoryStorage.of(Map.of("/m", b)), m, p -> p)))
          .isNotEmpty();
    }
  }

  @Property
  void mutatedMetadataBytesParseOrFailClearly(
      @ForAll("byteMutations") List<Mutation> ms, @ForAll("seedIndex") int seed) {
    parseMetadata(mutate(metadataSeeds.get(seed % metadataSeeds.size()), ms));
  }

  @Property
  void metadataWithChangedValuesParsesOrFailsClearly(
      @ForAll("jsonMutations") List<JsonMutation> ms, @ForAll("seedIndex") int seed)
      throws IOException {
    parseMetadata(mutateJson(metadataSeeds.get(seed % metadataSeeds.size()), ms));
  }

  @Property
  void mutatedManifestListsReadOrFailClearly(
      @ForAll("byteMutations") List<Mutation> ms, @ForAll("seedIndex") int seed) {
    readManifestList(mutate(manifestLists.get(seed % manifestLists.size()), ms));
  }

  @Property
  void mutatedManifestsReadOrFailClearly(
      @ForAll("byteMutations") List<Mutation> ms,
      @ForAll("seedIndex") int seed,
      @ForAll boolean recordedLength) {
    readManifest(mutate(manifests.get(seed % manifests.size()), ms), recordedLength);
  }

  @Provide
  Arbitrary<Integer> seedIndex() {
    return Arbitraries.integers().between(0, 1_000);
  }

  /**
   * Pathological JSON: deep nesting, huge numbers and strings, many keys; each gives a clear error
   * or a value.
   */
  @Example
  void pathologicalJsonFailsClearly() throws IOException {
    List<byte[]> inputs = new ArrayList<>();
    inputs.add(("[".repeat(200_000)).getBytes(StandardCharsets.US_ASCII));
    inputs.add(
        ("{\"a\":".repeat(50_000) + "1" + "}".repeat(50_000)).getBytes(StandardCharsets.US_ASCII));
    inputs.add(
        ("{\"format-version\": 2" + "0".repeat(1_000_000) + "}")
            .getBytes(StandardCharsets.US_ASCII));
    ObjectNode big = (ObjectNode) MAPPER.readTree(metadataJson);
    big.put("location", "x".repeat(3_000_000));
    inputs.add(MAPPER.writeValueAsBytes(big));
    ObjectNode many = (ObjectNode) MAPPER.readTree(metadataJson);
    ObjectNode props = many.putObject("properties");
    for (int i = 0; i < 100_000; i++) {
      props.put("k" + i, "v" + i);
    }
    inputs.add(MAPPER.writeValueAsBytes(many));
    for (byte[] in : inputs) {
      parseMetadata(in);
    }
  }

  /**
   * Avro files declare lengths and counts before the data (header entries, block sizes, string and
   * byte lengths, array and map counts). A declared 1.5 GB must be refused from the file's length,
   * not allocated: with every such varint of every seed file overwritten in turn, no read may
   * allocate more than {@value #ALLOCATION_LIMIT} bytes.
   */
  @Example
  void hugeDeclaredLengthsAreNotAllocated() {
    int checked = 0;
    List<byte[]> seeds = new ArrayList<>(manifestLists);
    seeds.addAll(manifests);
    for (int s = 0; s < seeds.size(); s++) {
      byte[] seed = seeds.get(s);
      boolean isList = s < manifestLists.size();
      // every position of the header (where the declared lengths of the schema and other entries
      // are), then every STRIDE-th position of the blocks (-Ddatashard.fuzz.stride=1 for all)
      for (int pos = 0; pos < seed.length; pos += pos < 512 ? 1 : STRIDE) {
        for (int v : new int[] {1, 3}) {
          byte[] b = new Mutation(5, (double) pos / seed.length + 1e-9, v, 1).apply(seed);
          if (isList) {
            readManifestList(b);
          } else {
            readManifest(b, true);
          }
          checked++;
        }
      }
    }
    System.out.println(
        "ParserFuzzTest: " + checked + " inputs with a huge declared length checked");
    assertThat(checked).isGreaterThan(1000);
  }
}
