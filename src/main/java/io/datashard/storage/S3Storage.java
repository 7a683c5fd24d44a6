package io.datashard.storage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A {@link Storage} on Amazon S3 or any store that speaks its API and honours conditional writes
 * ({@code If-None-Match: *} on a put, which S3 has since 2024). Locations are {@code
 * s3://bucket/key}; a table at {@code s3://lake/ml/events} keeps its files under that prefix.
 *
 * <p>How the contract maps to S3:
 *
 * <ul>
 *   <li>{@link PendingFile#publish()} is a {@code PutObject} with {@code If-None-Match: *}: the
 *       store accepts exactly one of several writers of one key and answers the others 412, which
 *       becomes {@link FileAlreadyExistsException}. This is the commit point of a table. Files
 *       larger than {@link Builder#multipartThreshold} go up as a multipart upload whose completion
 *       carries the same condition.
 *   <li>When a publish fails without a clear answer (a timeout, a dropped connection, a 5xx), the
 *       same conditional put is sent again with the same bytes: a success means this writer's file
 *       is there; a 412 is followed by a read of the object, and equal bytes mean the first attempt
 *       had landed. Only when that cannot be decided either does publish throw {@link
 *       UncertainPublishException}.
 *   <li>{@link #replace} is a plain put (last writer wins), {@link #syncDirectory} does nothing (a
 *       put is durable when it returns), and directories are key prefixes.
 *   <li>It offers no {@link Capability}: no locks (writers race on the conditional put and rebase,
 *       so group commit across processes is off), and deletes are idempotent.
 *   <li>Reads are ranged GETs, in blocks of {@link Builder#readBlockBytes} at least, so a Parquet
 *       footer and then only the column chunks a scan needs are fetched.
 * </ul>
 *
 * <p>Correctness never depends on {@code If-Match} (compare-and-swap), which some S3-compatible
 * servers answer without making it atomic.
 *
 * <p>{@link #requests()} counts the requests sent by kind, so that the cost of a commit can be
 * measured.
 */
public final class S3Storage implements Storage, AutoCloseable {
  /** The URI scheme of locations on this storage. */
  public static final String SCHEME = "s3://";

  /** The kinds of request counted by {@link #requests()}. */
  public enum Request {
    /** PutObject and the parts of a multipart upload. */
    PUT,
    /** GetObject, whole or ranged. */
    GET,
    /** HeadObject. */
    HEAD,
    /** ListObjectsV2, one per page. */
    LIST,
    /** DeleteObject. */
    DELETE
  }

  private final S3Client client;
  private final S3Client once;
  private final long multipartThreshold;
  private final int readBlockBytes;
  private final Map<Request, AtomicLong> counts = new EnumMap<>(Request.class);
  private final AtomicLong bytesRead = new AtomicLong();

  private S3Storage(Builder b) {
    this.client = buildClient(b, true);
    this.once = buildClient(b, false);
    this.multipartThreshold = b.multipartThreshold;
    this.readBlockBytes = b.readBlockBytes;
    for (Request r : Request.values()) {
      counts.put(r, new AtomicLong());
    }
  }

  /**
   * A client; without {@code retries} it sends each request once, as conditional puts need: the
   * SDK's own retry of a put that had landed would be answered 412 and read as a lost race.
   */
  private static S3Client buildClient(Builder b, boolean retries) {
    S3ClientBuilder cb =
        S3Client.builder()
            .httpClientBuilder(
                UrlConnectionHttpClient.builder()
                    .connectionTimeout(b.connectTimeout)
                    .socketTimeout(b.requestTimeout))
            .overrideConfiguration(
                o -> {
                  o.apiCallTimeout(b.requestTimeout);
                  b.interceptors.forEach(o::addExecutionInterceptor);
                  if (retries) {
                    o.retryStrategy(RetryMode.STANDARD);
                  } else {
                    o.retryStrategy(AwsRetryStrategy.doNotRetry());
                  }
                });
    String endpoint = b.endpoint != null ? b.endpoint : env("AWS_ENDPOINT_URL_S3");
    if (endpoint == null) {
      endpoint = env("AWS_ENDPOINT_URL");
    }
    if (endpoint != null) {
      cb.endpointOverride(URI.create(endpoint));
    }
    String region = b.region != null ? b.region : env("AWS_REGION");
    if (region == null) {
      region = env("AWS_DEFAULT_REGION");
    }
    if (region != null) {
      cb.region(Region.of(region));
    } else {
      Region found = null;
      try {
        if (endpoint != null) {
          throw SdkClientException.create("a custom endpoint: no region lookup");
        }
        found = new DefaultAwsRegionProviderChain().getRegion(); // profiles, instance metadata
      } catch (SdkException none) {
        // no region configured anywhere
      }
      // a custom endpoint usually ignores the region; on AWS, requests follow the bucket's region
      cb.region(found != null ? found : Region.US_EAST_1);
      cb.crossRegionAccessEnabled(found == null && endpoint == null);
    }
    if (b.accessKey != null) {
      cb.credentialsProvider(
          StaticCredentialsProvider.create(AwsBasicCredentials.create(b.accessKey, b.secretKey)));
    } else {
      cb.credentialsProvider(DefaultCredentialsProvider.builder().build());
    }
    boolean pathStyle =
        b.pathStyle != null
            ? b.pathStyle
            : "true".equalsIgnoreCase(env("DATASHARD_S3_PATH_STYLE")) || endpoint != null;
    cb.forcePathStyle(pathStyle);
    return cb.build();
  }

  private static String env(String name) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? null : v.trim();
  }

  /**
   * A storage configured from the usual AWS settings: {@code AWS_ENDPOINT_URL} (or {@code
   * AWS_ENDPOINT_URL_S3}), {@code AWS_REGION}, and credentials from the default chain (the {@code
   * AWS_ACCESS_KEY_ID} / {@code AWS_SECRET_ACCESS_KEY} variables, {@code AWS_PROFILE} and the
   * shared config files, instance roles). Path-style addressing is used with a custom endpoint or
   * when {@code DATASHARD_S3_PATH_STYLE=true}.
   */
  public static S3Storage fromEnvironment() {
    return builder().build();
  }

  /** A builder; what it leaves unset comes from the environment as in {@link #fromEnvironment}. */
  public static Builder builder() {
    return new Builder();
  }

  /** True if {@code location} is on S3 ({@code s3://...}). */
  public static boolean isS3(String location) {
    return location != null && location.startsWith(SCHEME);
  }

  /** Settings for an {@link S3Storage}. */
  public static final class Builder {
    private String endpoint;
    private String region;
    private String accessKey;
    private String secretKey;
    private Boolean pathStyle;
    private long multipartThreshold = 16L << 20;
    private int readBlockBytes = 64 << 10;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private final List<ExecutionInterceptor> interceptors = new ArrayList<>();
    private Duration requestTimeout = Duration.ofSeconds(60);

    private Builder() {}

    /** The endpoint URL, such as {@code http://127.0.0.1:9000}, instead of AWS's. */
    public Builder endpoint(String value) {
      this.endpoint = value;
      return this;
    }

    /** The region, such as {@code eu-west-1}. */
    public Builder region(String value) {
      this.region = value;
      return this;
    }

    /** Fixed credentials instead of the default chain. */
    public Builder credentials(String accessKeyId, String secretAccessKey) {
      this.accessKey = accessKeyId;
      this.secretKey = secretAccessKey;
      return this;
    }

    /** Path-style addressing ({@code endpoint/bucket/key}) instead of virtual-host style. */
    public Builder pathStyle(boolean value) {
      this.pathStyle = value;
      return this;
    }

    /** Files at least this large are uploaded in parts (16 MiB by default; at least 5 MiB). */
    public Builder multipartThreshold(long bytes) {
      if (bytes < (5L << 20)) {
        throw new IllegalArgumentException("multipart threshold must be at least 5 MiB: " + bytes);
      }
      this.multipartThreshold = bytes;
      return this;
    }

    /** The smallest ranged read (64 KiB by default): small reads nearby are served from it. */
    public Builder readBlockBytes(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("read block must be positive: " + bytes);
      }
      this.readBlockBytes = bytes;
      return this;
    }

    /** How long one request may take before it counts as failed (60 s by default). */
    public Builder requestTimeout(Duration value) {
      this.requestTimeout = value;
      return this;
    }

    /**
     * An SDK interceptor that sees every request (for metrics or tracing; the tests inject faults
     * with one).
     */
    public Builder interceptor(ExecutionInterceptor value) {
      interceptors.add(value);
      return this;
    }

    /** Builds the storage. */
    public S3Storage build() {
      return new S3Storage(this);
    }
  }

  /** The requests sent so far, by kind. */
  public Map<Request, Long> requests() {
    Map<Request, Long> out = new EnumMap<>(Request.class);
    counts.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  /** The bytes received in GET answers so far. */
  public long bytesRead() {
    return bytesRead.get();
  }

  private void count(Request r) {
    counts.get(r).incrementAndGet();
  }

  /** A location split into bucket and key. */
  record Key(String bucket, String key) {}

  static Key key(String location) {
    if (!isS3(location)) {
      throw new IllegalArgumentException(
          "Not an S3 location: '" + location + "' (expected s3://bucket/key)");
    }
    String rest = location.substring(SCHEME.length());
    int slash = rest.indexOf('/');
    if (slash <= 0) {
      throw new IllegalArgumentException(
          "S3 location '" + location + "' has no bucket or no key (expected s3://bucket/key)");
    }
    String key = rest.substring(slash + 1);
    while (key.endsWith("/")) {
      key = key.substring(0, key.length() - 1);
    }
    return new Key(rest.substring(0, slash), key);
  }

  private static String prefix(Key dir) {
    return dir.key().isEmpty() ? "" : dir.key() + "/";
  }

  private static IOException io(String what, String location, SdkException e) {
    if (e instanceof S3Exception s && s.statusCode() == 404) {
      NoSuchFileException n = new NoSuchFileException(location);
      n.initCause(e);
      return n;
    }
    return new IOException(what + " " + location + " failed: " + e.getMessage(), e);
  }

  @Override
  public PendingFile create(String location) {
    key(location); // validates
    return new S3PendingFile(location);
  }

  @Override
  public InputFile open(String location) throws IOException {
    Key k = key(location);
    // One ranged GET of the file's tail finds its length and holds a Parquet footer, or all of a
    // small file (a manifest), so most files need no second request.
    count(Request.GET);
    ResponseBytes<GetObjectResponse> tail;
    try {
      tail =
          client.getObjectAsBytes(
              GetObjectRequest.builder()
                  .bucket(k.bucket())
                  .key(k.key())
                  .range("bytes=-" + readBlockBytes)
                  .build());
    } catch (S3Exception e) {
      if (e.statusCode() == 416) { // an empty file has no tail
        return new S3InputFile(location, k, headLength(location, k), new byte[0], -1);
      }
      throw io("Opening", location, e);
    } catch (SdkException e) {
      throw io("Opening", location, e);
    }
    byte[] block = tail.asByteArray();
    bytesRead.addAndGet(block.length);
    long length = totalLength(tail.response().contentRange(), block.length);
    return new S3InputFile(location, k, length, block, length - block.length);
  }

  /** The total length in a {@code Content-Range: bytes a-b/total} answer. */
  private static long totalLength(String contentRange, long fallback) {
    if (contentRange == null) {
      return fallback; // the whole object came back
    }
    int slash = contentRange.lastIndexOf('/');
    try {
      return Long.parseLong(contentRange.substring(slash + 1).trim());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  @Override
  public byte[] readAll(String location) throws IOException {
    Key k = key(location);
    count(Request.GET);
    try {
      ResponseBytes<GetObjectResponse> r =
          client.getObjectAsBytes(
              GetObjectRequest.builder().bucket(k.bucket()).key(k.key()).build());
      byte[] bytes = r.asByteArray();
      bytesRead.addAndGet(bytes.length);
      return bytes;
    } catch (SdkException e) {
      throw io("Reading", location, e);
    }
  }

  private long headLength(String location, Key k) throws IOException {
    count(Request.HEAD);
    try {
      HeadObjectResponse r = client.headObject(h -> h.bucket(k.bucket()).key(k.key()));
      return r.contentLength();
    } catch (SdkException e) {
      throw io("Looking up", location, e);
    }
  }

  @Override
  public boolean exists(String location) throws IOException {
    try {
      headLength(location, key(location));
      return true;
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  @Override
  public long length(String location) throws IOException {
    return headLength(location, key(location));
  }

  @Override
  public boolean delete(String location) throws IOException {
    if (!exists(location)) {
      return false;
    }
    Key k = key(location);
    count(Request.DELETE);
    try {
      client.deleteObject(d -> d.bucket(k.bucket()).key(k.key()));
      return true;
    } catch (SdkException e) {
      throw io("Deleting", location, e);
    }
  }

  @Override
  public List<String> list(String directory) throws IOException {
    Key dir = key(directory);
    String prefix = prefix(dir);
    List<String> names = new ArrayList<>();
    for (ListObjectsV2Response r : pages(directory, dir, prefix, "/")) {
      for (S3Object o : r.contents()) {
        String name = o.key().substring(prefix.length());
        if (!name.isEmpty()) {
          names.add(name);
        }
      }
      for (CommonPrefix p : r.commonPrefixes()) {
        String name = p.prefix().substring(prefix.length());
        if (name.endsWith("/")) {
          name = name.substring(0, name.length() - 1);
        }
        if (!name.isEmpty()) {
          names.add(name);
        }
      }
    }
    return names;
  }

  @Override
  public List<FileInfo> walk(String directory) throws IOException {
    Key dir = key(directory);
    String prefix = prefix(dir);
    List<FileInfo> out = new ArrayList<>();
    for (ListObjectsV2Response r : pages(directory, dir, prefix, null)) {
      for (S3Object o : r.contents()) {
        if (o.key().length() > prefix.length()) {
          out.add(
              new FileInfo(
                  SCHEME + dir.bucket() + "/" + o.key(),
                  o.size(),
                  o.lastModified() == null ? 0 : o.lastModified().toEpochMilli()));
        }
      }
    }
    return out;
  }

  /** Every page of a listing (one LIST request each), with or without a delimiter. */
  private List<ListObjectsV2Response> pages(
      String directory, Key dir, String prefix, String delimiter) throws IOException {
    List<ListObjectsV2Response> out = new ArrayList<>();
    String token = null;
    do {
      ListObjectsV2Request.Builder req =
          ListObjectsV2Request.builder().bucket(dir.bucket()).prefix(prefix);
      if (delimiter != null) {
        req.delimiter(delimiter);
      }
      if (token != null) {
        req.continuationToken(token);
      }
      count(Request.LIST);
      ListObjectsV2Response r;
      try {
        r = client.listObjectsV2(req.build());
      } catch (SdkException e) {
        throw io("Listing", directory, e);
      }
      out.add(r);
      token = Boolean.TRUE.equals(r.isTruncated()) ? r.nextContinuationToken() : null;
    } while (token != null);
    return out;
  }

  @Override
  public void syncDirectory(String directory) {
    key(directory); // a put is durable when it returns; there is nothing to sync
  }

  @Override
  public void replace(String location, byte[] content) throws IOException {
    Key k = key(location);
    count(Request.PUT);
    try {
      client.putObject(put(k).build(), RequestBody.fromBytes(content));
    } catch (SdkException e) {
      throw io("Writing", location, e);
    }
  }

  @Override
  public boolean isDurable() {
    return true;
  }

  @Override
  public void close() {
    client.close();
    once.close();
  }

  @Override
  public String toString() {
    return "S3Storage";
  }

  private static PutObjectRequest.Builder put(Key k) {
    return PutObjectRequest.builder()
        .bucket(k.bucket())
        .key(k.key())
        .contentType("application/octet-stream");
  }

  /** True for an answer that says the key already exists (or a racing write of it won). */
  private static boolean lostRace(SdkException e) {
    return e instanceof S3Exception s && (s.statusCode() == 412 || s.statusCode() == 409);
  }

  /** True for a failure after which the put may or may not have taken effect. */
  private static boolean unclear(SdkException e) {
    if (e instanceof S3Exception s) {
      return s.statusCode() >= 500 || s.statusCode() == 408;
    }
    if (e instanceof ApiCallTimeoutException || e instanceof ApiCallAttemptTimeoutException) {
      return true;
    }
    // a failure on the wire (reset, timeout) is unclear; one before sending (no credentials) is not
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t instanceof IOException) {
        return true;
      }
    }
    return false;
  }

  /**
   * Publishes {@code bytes} at {@code k} only if the key is free; decides an unclear outcome by
   * sending the same conditional put again and, on 412, comparing what is stored.
   */
  private long publishBytes(String location, Key k, byte[] bytes, int len) throws IOException {
    SdkException first;
    try {
      conditionalPut(k, bytes, len);
      return len;
    } catch (SdkException e) {
      if (lostRace(e)) {
        throw exists(location, e);
      }
      if (!unclear(e)) {
        throw io("Publishing", location, e);
      }
      first = e;
    }
    for (int attempt = 0; attempt < UNCLEAR_RETRIES; attempt++) {
      pause(attempt);
      try {
        conditionalPut(k, bytes, len);
        return len; // the first attempt had not landed, this one did
      } catch (SdkException e) {
        if (lostRace(e)) {
          Boolean ours = sameBytes(k, bytes, len);
          if (ours == null) {
            continue;
          }
          if (ours) {
            return len; // the first attempt had landed
          }
          throw exists(location, e);
        }
        if (!unclear(e)) {
          break;
        }
      }
    }
    throw new UncertainPublishException(
        "Publishing " + location + " failed without a clear answer: " + first.getMessage(), first);
  }

  /** How often an unclear conditional put is sent again before its outcome is called unknown. */
  private static final int UNCLEAR_RETRIES = 5;

  /**
   * Waits before the {@code attempt}-th resend: 25 ms doubling to 400 ms, with jitter, so a resend
   * does not meet the same dropped connection or overloaded server at once.
   */
  private static void pause(int attempt) throws IOException {
    long base = 25L << Math.min(attempt, 4);
    try {
      Thread.sleep(base + ThreadLocalRandom.current().nextLong(base));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while resending a conditional put");
    }
  }

  private void conditionalPut(Key k, byte[] bytes, int len) {
    count(Request.PUT);
    once.putObject(
        put(k).ifNoneMatch("*").contentLength((long) len).build(),
        RequestBody.fromBytes(len == bytes.length ? bytes : Arrays.copyOf(bytes, len)));
  }

  /** True if the stored object holds these bytes, false if others, null if it cannot be read. */
  private Boolean sameBytes(Key k, byte[] bytes, int len) {
    count(Request.GET);
    try {
      byte[] stored =
          client
              .getObjectAsBytes(GetObjectRequest.builder().bucket(k.bucket()).key(k.key()).build())
              .asByteArray();
      return Arrays.equals(stored, 0, stored.length, bytes, 0, len);
    } catch (SdkException e) {
      return null;
    }
  }

  private static FileAlreadyExistsException exists(String location, SdkException e) {
    FileAlreadyExistsException x =
        new FileAlreadyExistsException(location, null, "another writer published it first");
    x.initCause(e);
    return x;
  }

  /** A file buffered in memory, then sent whole (or in parts when large) on publish. */
  private final class S3PendingFile implements PendingFile {
    private final String location;
    private final Key key;
    private final Buffer buffer = new Buffer();
    private String uploadId;
    private final List<CompletedPart> parts = new ArrayList<>();
    private long sentBytes;
    private boolean done;

    S3PendingFile(String location) {
      this.location = location;
      this.key = key(location);
    }

    /** Grows in memory; sends a part of a multipart upload each time the threshold is passed. */
    private final class Buffer extends ByteArrayOutputStream {
      Buffer() {
        super(8192);
      }

      @Override
      public synchronized void write(int b) {
        super.write(b);
        maybeSendPart();
      }

      @Override
      public synchronized void write(byte[] b, int off, int len) {
        super.write(b, off, len);
        maybeSendPart();
      }

      byte[] bytes() {
        return buf;
      }
    }

    private void maybeSendPart() {
      if (buffer.size() < multipartThreshold) {
        return;
      }
      try {
        if (uploadId == null) {
          count(Request.PUT);
          uploadId =
              client
                  .createMultipartUpload(
                      c ->
                          c.bucket(key.bucket())
                              .key(key.key())
                              .contentType("application/octet-stream"))
                  .uploadId();
        }
        sendPart();
      } catch (SdkException e) {
        throw new java.io.UncheckedIOException(io("Uploading a part of", location, e));
      }
    }

    /** Uploads what the buffer holds as the next part and empties the buffer. */
    private void sendPart() {
      int number = parts.size() + 1;
      long size = buffer.size();
      count(Request.PUT);
      String etag =
          client
              .uploadPart(
                  u ->
                      u.bucket(key.bucket())
                          .key(key.key())
                          .uploadId(uploadId)
                          .partNumber(number)
                          .contentLength(size),
                  RequestBody.fromBytes(buffer.toByteArray()))
              .eTag();
      parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
      sentBytes += size;
      buffer.reset();
    }

    @Override
    public String location() {
      return location;
    }

    @Override
    public OutputStream stream() {
      return buffer;
    }

    @Override
    public long position() {
      return sentBytes + buffer.size();
    }

    @Override
    public long publish() throws IOException {
      if (done) {
        throw new IllegalStateException("already published or aborted: " + location);
      }
      done = true;
      if (uploadId == null) {
        return publishBytes(location, key, buffer.bytes(), buffer.size());
      }
      try {
        if (buffer.size() > 0) {
          sendPart();
        }
        count(Request.PUT);
        once.completeMultipartUpload(
            CompleteMultipartUploadRequest.builder()
                .bucket(key.bucket())
                .key(key.key())
                .uploadId(uploadId)
                .ifNoneMatch("*")
                .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build())
                .build());
        return sentBytes;
      } catch (SdkException e) {
        abortUpload();
        if (lostRace(e)) {
          throw exists(location, e);
        }
        if (unclear(e)) {
          throw new UncertainPublishException(
              "Completing the upload of " + location + " failed: " + e.getMessage(), e);
        }
        throw io("Publishing", location, e);
      }
    }

    private void abortUpload() {
      if (uploadId == null) {
        return;
      }
      try {
        client.abortMultipartUpload(a -> a.bucket(key.bucket()).key(key.key()).uploadId(uploadId));
      } catch (SdkException ignored) {
        // an upload left behind costs storage until the bucket's lifecycle rule removes it
      }
      uploadId = null;
    }

    @Override
    public void abort() {
      if (!done) {
        done = true;
        abortUpload();
      }
      buffer.reset();
    }
  }

  /** Ranged reads, with the last block kept for the small reads that follow nearby. */
  private final class S3InputFile implements InputFile {
    private final String location;
    private final Key key;
    private final long length;
    private byte[] block;
    private long blockStart;

    S3InputFile(String location, Key key, long length, byte[] block, long blockStart) {
      this.location = location;
      this.key = key;
      this.length = length;
      this.block = block;
      this.blockStart = blockStart;
    }

    @Override
    public String location() {
      return location;
    }

    @Override
    public long length() {
      return length;
    }

    @Override
    public int read(long position, byte[] buf, int off, int len) throws IOException {
      if (position >= length) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      int want = (int) Math.min(len, length - position);
      if (blockStart < 0 || position < blockStart || position + want > blockStart + block.length) {
        long end = Math.min(length, position + Math.max(want, readBlockBytes)) - 1;
        count(Request.GET);
        try {
          block =
              client
                  .getObjectAsBytes(
                      GetObjectRequest.builder()
                          .bucket(key.bucket())
                          .key(key.key())
                          .range("bytes=" + position + "-" + end)
                          .build())
                  .asByteArray();
        } catch (SdkException e) {
          blockStart = -1;
          throw io("Reading", location, e);
        }
        blockStart = position;
        bytesRead.addAndGet(block.length);
        if (block.length == 0) {
          return -1;
        }
      }
      int from = (int) (position - blockStart);
      int n = Math.min(want, block.length - from);
      System.arraycopy(block, from, buf, off, n);
      return n;
    }

    @Override
    public void close() {
      block = new byte[0];
      blockStart = -1;
    }
  }
}
