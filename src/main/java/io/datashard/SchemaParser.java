package io.datashard;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses compact schema definitions: a comma-separated list of {@code name type [not null]}, where
 * type is a primitive name, {@code list<T>}, {@code map<K, V>} or {@code struct<name: T, ...>}.
 * Column names may be quoted with backticks.
 */
final class SchemaParser {
  private final String text;
  private int pos;

  private SchemaParser(String text) {
    this.text = text;
  }

  static Schema parse(String definition) {
    if (definition == null || definition.isBlank()) {
      throw new ValidationException(
          "Empty schema definition: give columns as 'name type, ...', "
              + "for example 'id long not null, name string, emb list<float>'");
    }
    SchemaParser p = new SchemaParser(definition);
    List<Types.NestedField> fields = p.fieldList(false);
    p.skipSpace();
    if (p.pos != p.text.length()) {
      throw p.error("unexpected text");
    }
    return new Schema(0, Schema.assignFreshIds(Types.struct(fields), new int[] {0}).fields());
  }

  private List<Types.NestedField> fieldList(boolean inStruct) {
    List<Types.NestedField> fields = new ArrayList<>();
    while (true) {
      skipSpace();
      String name = identifier();
      skipSpace();
      if (inStruct && peek() == ':') {
        pos++;
      }
      Type type = type();
      boolean required = false;
      skipSpace();
      if (matchWord("not")) {
        skipSpace();
        if (!matchWord("null")) {
          throw error("expected 'null' after 'not'");
        }
        required = true;
      }
      fields.add(Types.NestedField.of(0, name, required, type, null));
      skipSpace();
      if (peek() == ',') {
        pos++;
        continue;
      }
      return fields;
    }
  }

  private Type type() {
    skipSpace();
    int start = pos;
    while (pos < text.length()
        && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
      pos++;
    }
    String word = text.substring(start, pos).toLowerCase(Locale.ROOT);
    if (word.isEmpty()) {
      throw error("expected a type");
    }
    skipSpace();
    switch (word) {
      case "list":
      case "array":
        {
          expect('<');
          Type elem = type();
          skipSpace();
          boolean req = false;
          if (matchWord("not")) {
            skipSpace();
            matchWord("null");
            req = true;
            skipSpace();
          }
          expect('>');
          return Types.list(0, req, elem);
        }
      case "map":
        {
          expect('<');
          Type key = type();
          skipSpace();
          expect(',');
          Type value = type();
          skipSpace();
          expect('>');
          return Types.map(0, key, 0, false, value);
        }
      case "struct":
        {
          expect('<');
          List<Types.NestedField> fields = fieldList(true);
          skipSpace();
          expect('>');
          return Types.struct(fields);
        }
      case "decimal":
        {
          int s = pos;
          int close = text.indexOf(')', pos);
          if (peek() != '(' || close < 0) {
            throw error("expected decimal(precision, scale)");
          }
          pos = close + 1;
          return primitive("decimal" + text.substring(s, pos).replace(" ", ""), start);
        }
      case "fixed":
        {
          int s = pos;
          int close = text.indexOf(']', pos);
          if (peek() != '[' || close < 0) {
            throw error("expected fixed[length]");
          }
          pos = close + 1;
          return primitive("fixed" + text.substring(s, pos).replace(" ", ""), start);
        }
      default:
        return primitive(word, start);
    }
  }

  private Type primitive(String name, int at) {
    try {
      return Types.primitive(name);
    } catch (IllegalArgumentException e) {
      throw new ValidationException(
          "Invalid schema definition at character "
              + (at + 1)
              + " of '"
              + text
              + "': "
              + e.getMessage());
    }
  }

  private String identifier() {
    if (peek() == '`') {
      int end = text.indexOf('`', pos + 1);
      if (end < 0) {
        throw error("unclosed backtick");
      }
      String name = text.substring(pos + 1, end);
      pos = end + 1;
      return name;
    }
    int start = pos;
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (Character.isWhitespace(c) || c == ':' || c == ',' || c == '<' || c == '>') {
        break;
      }
      pos++;
    }
    if (start == pos) {
      throw error("expected a column name");
    }
    return text.substring(start, pos);
  }

  private boolean matchWord(String w) {
    if (text.regionMatches(true, pos, w, 0, w.length())) {
      int end = pos + w.length();
      if (end == text.length() || !Character.isLetterOrDigit(text.charAt(end))) {
        pos = end;
        return true;
      }
    }
    return false;
  }

  private void expect(char c) {
    skipSpace();
    if (peek() != c) {
      throw error("expected '" + c + "'");
    }
    pos++;
  }

  private char peek() {
    return pos < text.length() ? text.charAt(pos) : '\0';
  }

  private void skipSpace() {
    while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
      pos++;
    }
  }

  private ValidationException error(String what) {
    return new ValidationException(
        "Invalid schema definition at character "
            + (pos + 1)
            + " of '"
            + text
            + "': "
            + what
            + ". Write columns as 'name type [not null], ...', for example "
            + "'id long not null, name string, emb list<float>, tags map<string, int>, "
            + "pos struct<x: double, y: double>'.");
  }
}
