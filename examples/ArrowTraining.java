import io.datashard.DataShard;
import io.datashard.Schema;
import io.datashard.Table;
import io.datashard.arrow.ArrowBatches;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;

/**
 * Arrow batches for ML code: embeddings ({@code list<float>}) and labels streamed out of a scan as
 * Apache Arrow record batches of bounded size, one reused {@code VectorSchemaRoot}.
 *
 * <p>Needs the optional Arrow dependency ({@code arrow-vector}, {@code arrow-memory-unsafe}) on the
 * classpath (it is not in {@code target/lib}) and, on Java 17, {@code
 * --add-opens=java.base/java.nio=ALL-UNNAMED}. The build runs it in {@code ExamplesTest}.
 */
public final class ArrowTraining {
  private ArrowTraining() {}

  public static void main(String[] args) throws Exception {
    Path dir =
        (args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("datashard-example"))
            .resolve("training");
    Table table =
        DataShard.create(dir, Schema.parse("id long not null, emb list<float>, label long"));
    List<Object> records = new ArrayList<>();
    for (long i = 0; i < 1000; i++) {
      records.add(Map.of("id", i, "emb", new float[] {i, i / 2f, -i}, "label", i % 2));
    }
    table.append(records);

    long rows = 0;
    double sum = 0;
    int batchesSeen = 0;
    try (BufferAllocator allocator = new RootAllocator();
        ArrowBatches batches =
            ArrowBatches.of(table.scan().select("emb", "label"), allocator, 256)) {
      while (batches.hasNext()) {
        VectorSchemaRoot batch = batches.next(); // valid until the next call
        ListVector emb = (ListVector) batch.getVector("emb");
        Float4Vector values = (Float4Vector) emb.getDataVector();
        BigIntVector label = (BigIntVector) batch.getVector("label");
        for (int r = 0; r < batch.getRowCount(); r++) {
          int start = emb.getElementStartIndex(r);
          sum += values.get(start) * (label.get(r) == 1 ? 1 : 0); // stand-in for a training step
        }
        rows += batch.getRowCount();
        batchesSeen++;
      }
    }
    System.out.println(rows + " rows in " + batchesSeen + " Arrow batches; checksum " + sum);
    if (rows != 1000 || batchesSeen != 4 || sum != 250_000) {
      throw new AssertionError("unexpected batches");
    }
  }
}
