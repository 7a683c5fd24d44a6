package io.datashard.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datashard.testkit.S3Proxy;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The storage contract on a real S3-API server (S3Proxy on 127.0.0.1). */
class S3StorageContractTest extends StorageContractTest {
  private static Path dir;
  private static S3Proxy server;
  private static int roots;

  @BeforeAll
  static void startServer() throws IOException {
    dir = Files.createTempDirectory("datashard-s3-contract");
    server = S3Proxy.start(dir);
    server.createBucket("contract");
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @Override
  protected Storage newStorage() {
    return server.storage();
  }

  @Override
  protected String newRoot() {
    return "s3://contract/root" + (roots++);
  }

  @Override
  protected boolean localPaths() {
    return false;
  }

  @Test
  void aLargeFileGoesUpInPartsAndIsStillExclusive() throws IOException {
    S3Storage s3 =
        S3Storage.builder()
            .endpoint(server.endpoint())
            .credentials(S3Proxy.ACCESS_KEY, S3Proxy.SECRET_KEY)
            .multipartThreshold(5L << 20)
            .build();
    byte[] data = new byte[12 << 20];
    new Random(7).nextBytes(data);
    String loc = root + "/big.bin";
    try (Storage.PendingFile out = s3.create(loc)) {
      for (int i = 0; i < data.length; i += 1 << 20) {
        out.stream().write(data, i, 1 << 20);
      }
      assertThat(out.publish()).isEqualTo(data.length);
    }
    assertThat(s3.requests().get(S3Storage.Request.PUT)).isGreaterThan(2); // create, parts, done
    assertThat(Arrays.equals(s3.readAll(loc), data)).isTrue();
    try (Storage.PendingFile again = s3.create(loc)) {
      again.stream().write(data, 0, 6 << 20);
      assertThatThrownBy(again::publish).isInstanceOf(FileAlreadyExistsException.class);
    }
    assertThat(Arrays.equals(s3.readAll(loc), data)).isTrue();
    s3.close();
  }

  @Test
  void smallReadsNearbyShareOneRangedGet() throws IOException {
    S3Storage s3 = server.storage();
    byte[] data = new byte[300_000];
    new Random(3).nextBytes(data);
    String loc = root + "/ranged.bin";
    try (Storage.PendingFile out = s3.create(loc)) {
      out.stream().write(data);
      out.publish();
    }
    Map<S3Storage.Request, Long> before = s3.requests();
    byte[] buf = new byte[8];
    try (Storage.InputFile in = s3.open(loc)) {
      in.readFully(data.length - 8, buf, 0, 8); // a footer's length and magic
      in.readFully(data.length - 8, buf, 0, 8);
      assertThat(buf).isEqualTo(Arrays.copyOfRange(data, data.length - 8, data.length));
      byte[] mid = new byte[100];
      in.readFully(1000, mid, 0, 100);
      in.readFully(1100, mid, 0, 100);
      assertThat(mid).isEqualTo(Arrays.copyOfRange(data, 1100, 1200));
    }
    long gets = s3.requests().get(S3Storage.Request.GET) - before.get(S3Storage.Request.GET);
    assertThat(gets).isEqualTo(2); // the tail (with the footer) at open, then the block at 1000
    s3.close();
  }

  @Test
  void locationsThatAreNotS3AreRefusedClearly() {
    S3Storage s3 = server.storage();
    assertThatThrownBy(() -> s3.create("/tmp/x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("s3://bucket/key");
    assertThatThrownBy(() -> s3.exists("s3://bucket-only"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no bucket or no key");
    s3.close();
  }
}
