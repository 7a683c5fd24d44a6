package io.datashard;

import java.util.Locale;

/** The format of a data file. */
public enum FileFormat {
  PARQUET("parquet"),
  ORC("orc"),
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

  /** Parses a format name, case-insensitively. */
  public static FileFormat fromName(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ValidationException("Unknown file format '" + name + "': use parquet, orc or avro");
    }
  }
}
