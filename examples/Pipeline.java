import io.datashard.ChangeBatch;
import io.datashard.ChangeConsumer;
import io.datashard.DataShard;
import io.datashard.Row;
import io.datashard.Schema;
import io.datashard.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A pipeline stage: an inference logger appends predictions to one table while a feature builder
 * follows it as the named consumer "features" and writes one derived row per new prediction into
 * another table, effectively once: the output transaction records which changes it covers, so a
 * builder that crashes after writing and before moving its cursor does not write a batch twice when
 * it starts again. Here the builder "restarts" halfway (a new consumer object, as a new process
 * would have) and goes on where the output says it stopped.
 *
 * <p>Run (after {@code mvn -B -q package -DskipTests}, which also compiles the examples): {@code
 * java -cp "target/test-classes:target/classes:target/lib/*" Pipeline [DIR]}
 */
public final class Pipeline {
  private Pipeline() {}

  public static void main(String[] args) throws Exception {
    Path dir =
        (args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("datashard-example"))
            .resolve("pipeline");
    Table predictions =
        DataShard.create(
            dir.resolve("predictions"), Schema.parse("id long not null, score double"));
    Table features =
        DataShard.create(dir.resolve("features"), Schema.parse("id long not null, score2 double"));

    int n = 200;
    Thread logger =
        new Thread(
            () -> {
              Table t = DataShard.open(dir.resolve("predictions"));
              for (long i = 0; i < n; i++) {
                t.append(List.of(Map.of("id", i, "score", i / (double) n)));
              }
            });
    logger.start();

    long written = 0;
    for (int run = 0; run < 2; run++) {
      // each run is what one process of the builder would do; the second one starts where the
      // output table says the first one stopped
      ChangeConsumer builder = predictions.consumer("features").writingTo(features);
      for (int batches = 0; batches < (run == 0 ? 5 : Integer.MAX_VALUE); batches++) {
        ChangeBatch batch = builder.follow(Duration.ofSeconds(2));
        if (batch.isEmpty()) {
          break; // nothing new for 2 s: the logger is done
        }
        builder.commit(
            batch,
            tx -> {
              for (Row r : batch.rows()) {
                if (r.get("_change_type").equals("INSERT")) {
                  double s = r.get("score", Double.class);
                  tx.append(Map.of("id", r.get("id"), "score2", s * s));
                }
              }
            });
        written += batch.rows().size();
      }
    }
    logger.join();
    long rows = features.refresh().scan().count();
    System.out.println(
        "predictions: " + predictions.refresh().scan().count() + ", features: " + rows);
    if (rows != n || written != n) {
      throw new IllegalStateException("expected " + n + " feature rows, got " + rows);
    }
  }
}
