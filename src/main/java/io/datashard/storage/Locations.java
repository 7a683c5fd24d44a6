package io.datashard.storage;

/**
 * How locations recorded in table metadata map to local paths. Tables written by Apache Iceberg
 * Java through Hadoop record {@code file:/a/b} (or {@code file:///a/b}); DataShard records plain
 * absolute paths. Both name the same file.
 */
public final class Locations {
  private static final String FILE_SCHEME = "file:";
  private static final java.util.regex.Pattern SCHEME =
      java.util.regex.Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]+):");

  private Locations() {}

  /**
   * The plain path of a location: {@code file:/a/b} and {@code file:///a/b} give {@code /a/b}; a
   * location without the {@code file:} scheme is returned as it is. Percent escapes are not
   * decoded: Hadoop writes paths unescaped.
   */
  public static String stripFileScheme(String location) {
    if (!location.startsWith(FILE_SCHEME)) {
      return location;
    }
    String rest = location.substring(FILE_SCHEME.length());
    while (rest.startsWith("//")) {
      rest = rest.substring(1);
    }
    return rest;
  }

  /**
   * The URI scheme of a location in lower case ({@code s3} for {@code s3://b/k}, {@code file} for
   * {@code file:/a}), or null for a plain path. One letter before a colon is not taken for a
   * scheme.
   */
  public static String scheme(String location) {
    if (location == null) {
      return null;
    }
    java.util.regex.Matcher m = SCHEME.matcher(location);
    return m.find() ? m.group(1).toLowerCase(java.util.Locale.ROOT) : null;
  }
}
