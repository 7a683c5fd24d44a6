package io.datashard.testkit;

import io.datashard.storage.S3Storage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3-API server for tests: S3Proxy started as a child process on 127.0.0.1, storing its
 * objects in a directory (the {@code filesystem-nio2} blob store). Its {@code If-None-Match: *} is
 * atomic, which is all that DataShard's commits rely on. The jar comes from the build ({@code
 * datashard.s3proxy.jar}, copied by Maven).
 */
public final class S3Proxy implements AutoCloseable {
  /** The access key the server accepts. */
  public static final String ACCESS_KEY = "datashard-test";

  /** The secret key the server accepts. */
  public static final String SECRET_KEY = "datashard-test-secret";

  private final Process process;
  private final String endpoint;
  private final Path log;

  private S3Proxy(Process process, String endpoint, Path log) {
    this.process = process;
    this.endpoint = endpoint;
    this.log = log;
  }

  /** Starts a server whose objects live under {@code dir}, and waits until it answers. */
  public static S3Proxy start(Path dir) throws IOException {
    String jar = System.getProperty("datashard.s3proxy.jar", "target/s3proxy/s3proxy.jar");
    if (!Files.isRegularFile(Path.of(jar))) {
      throw new IllegalStateException(
          "No S3Proxy jar at " + jar + ": run the tests through Maven, which copies it there");
    }
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path blobs = Files.createDirectories(dir.resolve("blobs"));
    Path props = dir.resolve("s3proxy.properties");
    String endpoint = "http://127.0.0.1:" + port;
    Files.writeString(
        props,
        String.join(
            "\n",
            "s3proxy.endpoint=" + endpoint,
            "s3proxy.authorization=aws-v2-or-v4",
            "s3proxy.identity=" + ACCESS_KEY,
            "s3proxy.credential=" + SECRET_KEY,
            "jclouds.provider=filesystem-nio2",
            "jclouds.filesystem.basedir=" + blobs,
            ""),
        StandardCharsets.UTF_8);
    Path log = dir.resolve("s3proxy.log");
    Process p =
        new ProcessBuilder(
                List.of(
                    ChildJvm.javaBinary(),
                    "-Xmx512m",
                    "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1",
                    "-jar",
                    jar,
                    "--properties",
                    props.toString()))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    S3Proxy proxy = new S3Proxy(p, endpoint, log);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      if (!p.isAlive()) {
        throw new IOException("S3Proxy exited at start: " + Files.readString(log));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        break;
      } catch (IOException notYet) {
        if (System.nanoTime() > deadline) {
          proxy.close();
          throw new IOException("S3Proxy did not start in 60 s: " + Files.readString(log));
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException(e);
        }
      }
    }
    return proxy;
  }

  /** The endpoint URL, {@code http://127.0.0.1:PORT}. */
  public String endpoint() {
    return endpoint;
  }

  /** A storage that talks to this server. */
  public S3Storage storage() {
    return S3Storage.builder()
        .endpoint(endpoint)
        .region("us-east-1")
        .credentials(ACCESS_KEY, SECRET_KEY)
        .pathStyle(true)
        .build();
  }

  /** A plain SDK client for this server (to set up buckets, or look behind DataShard's back). */
  public S3Client client() {
    return S3Client.builder()
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .endpointOverride(java.net.URI.create(endpoint))
        .region(Region.US_EAST_1)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
        .forcePathStyle(true)
        .build();
  }

  /** Creates a bucket. */
  public void createBucket(String name) {
    try (S3Client c = client()) {
      c.createBucket(b -> b.bucket(name));
    }
  }

  /** The environment a child process needs to reach this server through the usual AWS variables. */
  public java.util.Map<String, String> environment() {
    return java.util.Map.of(
        "AWS_ENDPOINT_URL", endpoint,
        "AWS_REGION", "us-east-1",
        "AWS_ACCESS_KEY_ID", ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY", SECRET_KEY);
  }

  /** The server's log so far (for failure messages). */
  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
