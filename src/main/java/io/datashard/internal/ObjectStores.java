package io.datashard.internal;

import io.datashard.DataShardException;
import io.datashard.storage.S3Storage;
import io.datashard.storage.Storage;

/**
 * The storages for locations with a scheme: one {@link S3Storage} per process, configured from the
 * environment, made on first use (its client is thread-safe and holds its connections).
 */
public final class ObjectStores {
  private static volatile Storage s3;

  private ObjectStores() {}

  /**
   * The process's S3 storage.
   *
   * @throws DataShardException if the AWS SDK is not on the classpath
   */
  public static Storage s3() {
    Storage s = s3;
    if (s == null) {
      synchronized (ObjectStores.class) {
        s = s3;
        if (s == null) {
          try {
            s = S3Storage.fromEnvironment();
          } catch (RuntimeException e) {
            throw new DataShardException(
                "Cannot set up access to S3: "
                    + e.getMessage()
                    + ". Set AWS_REGION (and AWS_ENDPOINT_URL for an S3-compatible server) and"
                    + " credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE).",
                e);
          } catch (LinkageError e) {
            throw new DataShardException(
                "Tables on s3:// need the AWS SDK for Java v2, which is not on the classpath ("
                    + e
                    + "). Add software.amazon.awssdk:s3 and software.amazon.awssdk:"
                    + "url-connection-client to your build; bin/datashard takes them from "
                    + "target/lib-s3, which 'mvn package' fills.",
                e);
          }
          s3 = s;
        }
      }
    }
    return s;
  }
}
