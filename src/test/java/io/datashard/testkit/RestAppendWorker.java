package io.datashard.testkit;

import io.datashard.interop.IcebergJava;
import java.io.BufferedWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.MetadataUpdate;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotRefType;
import org.apache.iceberg.Table;
import org.apache.iceberg.UpdateRequirement;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.iceberg.rest.requests.UpdateTableRequest;
import org.apache.iceberg.rest.requests.UpdateTableRequestParser;

/**
 * A child process that appends rows {worker, seq} to a table through a REST catalog, one commit
 * each, and logs {@code ok SEQ} or {@code failed SEQ ERROR} per row.
 *
 * <p>Mode {@code client}: Apache Iceberg Java's own commit ({@code RESTCatalog}, which retries a
 * lost race by itself). Mode {@code retried}: the snapshot is made by Iceberg Java, and the commit
 * request is sent by this worker with an {@code Idempotency-Key}, twice, as a client does whose
 * first response was lost; both answers must be the same and the row must land once. A 409 makes it
 * build the snapshot again on the newest version, with a new key.
 *
 * <p>Arguments: catalog URI, namespace, table, worker id, number of appends, mode, log file.
 */
public final class RestAppendWorker {
  public static void main(String[] args) throws Exception {
    String uri = args[0];
    TableIdentifier id = TableIdentifier.of(args[1], args[2]);
    int worker = Integer.parseInt(args[3]);
    int count = Integer.parseInt(args[4]);
    boolean retried = args[5].equals("retried");
    Path log = Path.of(args[6]);
    HttpClient http = HttpClient.newHttpClient();
    try (RESTCatalog catalog = new RESTCatalog();
        BufferedWriter out =
            Files.newBufferedWriter(
                log,
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
      catalog.setConf(IcebergJava.conf());
      catalog.initialize(
          "ds", Map.of("uri", uri, "io-impl", "org.apache.iceberg.hadoop.HadoopFileIO"));
      Table table = catalog.loadTable(id);
      for (int seq = 0; seq < count; seq++) {
        List<Map<String, Object>> row = List.of(Map.of("worker", worker, "seq", seq));
        try {
          if (!retried) {
            IcebergJava.append(table, row);
          } else {
            commitTwiceWithOneKey(http, uri, id, table, row);
          }
          out.write("ok " + seq + "\n");
        } catch (RuntimeException e) {
          out.write("failed " + seq + " " + e.toString().replace('\n', ' ') + "\n");
        }
        out.flush();
      }
    }
  }

  private static void commitTwiceWithOneKey(
      HttpClient http, String uri, TableIdentifier id, Table table, List<Map<String, Object>> row)
      throws Exception {
    for (int attempt = 0; attempt < 200; attempt++) {
      table.refresh();
      Snapshot parent = table.currentSnapshot();
      AppendFiles append = table.newAppend();
      append.appendFile(IcebergJava.writeDataFile(table, row));
      Snapshot s = append.apply();
      UpdateTableRequest req =
          new UpdateTableRequest(
              List.of(
                  new UpdateRequirement.AssertRefSnapshotID(
                      "main", parent == null ? null : parent.snapshotId())),
              List.of(
                  new MetadataUpdate.AddSnapshot(s),
                  new MetadataUpdate.SetSnapshotRef(
                      "main", s.snapshotId(), SnapshotRefType.BRANCH, null, null, null)));
      String body = UpdateTableRequestParser.toJson(req);
      String key = UUID.randomUUID().toString();
      HttpRequest post =
          HttpRequest.newBuilder(
                  URI.create(
                      uri + "/v1/namespaces/" + id.namespace().level(0) + "/tables/" + id.name()))
              .header("Content-Type", "application/json")
              .header("Idempotency-Key", key)
              .POST(HttpRequest.BodyPublishers.ofString(body))
              .build();
      HttpResponse<String> first = http.send(post, HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> again = http.send(post, HttpResponse.BodyHandlers.ofString());
      if (again.statusCode() != first.statusCode() || !again.body().equals(first.body())) {
        throw new IllegalStateException(
            "a retried request got another answer: "
                + first.statusCode()
                + " then "
                + again.statusCode()
                + ": "
                + again.body());
      }
      if (first.statusCode() == 200) {
        return;
      }
      if (first.statusCode() != 409) {
        throw new IllegalStateException(
            "commit failed: " + first.statusCode() + " " + first.body());
      }
    }
    throw new IllegalStateException("gave up after 200 conflicts");
  }
}
