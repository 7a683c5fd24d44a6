package io.datashard;

import io.datashard.internal.DataFileIO;
import java.util.Locale;

/** The format of a data file. */
public enum FileFormat {
  /** Apache Parquet, the default: columnar, compressed with zstd, statistics per row group. */
  PARQUET("parquet"),
  /** Apache ORC: columnar; needs the optional ORC jars (see the README's dependency list). */
  ORC("orc"),
  /** Apache Avro: row-oriented, cheapest to write for tiny files. */
  AVRO("avro");

  private final String extension;

  FileFormat(String extension) {
    this.extension = extension;
  }

  /** The file name extension, without the dot. */
  public String extension() {
    return extension;
  }

  /** The name as written in Iceberg manifests ({@code PARQUET}, {@code ORC}, {@code AVRO}). */
  public String specName() {
    return name();
  }

  /**
   * Checks that this format can be read and written here, now rather than at the first append.
   *
   * @throws DataShardException naming what to add if its optional jars (ORC) are missing
   */
  public void checkAvailable() {
    DataFileIO.handler(this);
  }

  /** Parses a format name, case-insensitively. */
  public static FileFormat fromName(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ValidationException("Unknown file format '" + name + "': use parquet, orc or avro");
    }
  }
}
