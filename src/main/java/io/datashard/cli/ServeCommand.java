package io.datashard.cli;

import io.datashard.CatalogServer;
import io.datashard.TableOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "serve",
    description = {
      "Serve a warehouse folder (or an s3://bucket/prefix) as an Apache Iceberg REST catalog: Spark, Trino, Flink, pyiceberg "
          + "and DuckDB connect with the URI it prints (http://HOST:PORT).",
      "Namespace a.b is the folder WAREHOUSE/a/b; table a.b.t is WAREHOUSE/a/b/t, an ordinary "
          + "DataShard table the CLI and library open directly while it is served."
    })
final class ServeCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "WAREHOUSE",
      description =
          "The warehouse folder, or s3://bucket/prefix (endpoint, region and credentials from "
              + "AWS_ENDPOINT_URL, AWS_REGION and the usual AWS credentials).")
  Path warehouse;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      description = "The port (default 8181; 0 picks a free one).")
  int port = 8181;

  @Option(
      names = "--bind",
      paramLabel = "ADDRESS",
      description =
          "The address to listen on (default 127.0.0.1, this machine only; 0.0.0.0 for all).")
  String bind = "127.0.0.1";

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description =
          "A file holding the bearer token every request must carry (clients: catalog property "
              + "token=..., or credential=client:TOKEN).")
  Path tokenFile;

  @Option(
      names = "--max-body-bytes",
      paramLabel = "N",
      description = "The largest request body accepted (default 16777216).")
  long maxBodyBytes = 16L << 20;

  @Option(
      names = "--no-durable",
      description = "Do not force files to disk (faster, not safe against power loss).")
  boolean noDurable;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    String token = null;
    if (tokenFile != null) {
      try {
        token = Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
      } catch (NoSuchFileException e) {
        throw new CliException(
            "Token file " + tokenFile + " does not exist. Write the token into it first.");
      } catch (IOException e) {
        throw new CliException("Cannot read token file " + tokenFile + ": " + e.getMessage());
      }
      if (token.isEmpty()) {
        throw new CliException("Token file " + tokenFile + " is empty. Write the token into it.");
      }
    }
    CatalogServer server =
        CatalogServer.builder(Common.location(warehouse))
            .bind(bind)
            .port(port)
            .token(token)
            .maxBodyBytes(maxBodyBytes)
            .options(TableOptions.defaults().withDurable(!noDurable))
            .start();
    PrintWriter out = spec.commandLine().getOut();
    out.println(
        "Iceberg REST catalog for "
            + server.warehouse()
            + " at "
            + server.uri()
            + (token != null ? " (bearer token required)" : ""));
    out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(server::close));
    server.awaitTermination();
    return 0;
  }
}
