package io.datashard.internal.expr;

import io.datashard.Expression;
import io.datashard.Expressions;
import io.datashard.ValidationException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses the text form of a filter (grammar in {@link Expressions}) by recursive descent. Errors
 * name the position (1-based character) and what was expected there.
 */
public final class ExpressionParser {
  private enum Kind {
    WORD,
    QUOTED_NAME,
    STRING,
    NUMBER,
    SYMBOL,
    END
  }

  private record Token(Kind kind, String text, int pos) {
    boolean is(String keyword) {
      return kind == Kind.WORD && text.equalsIgnoreCase(keyword);
    }

    boolean isSymbol(String s) {
      return kind == Kind.SYMBOL && text.equals(s);
    }

    String shown() {
      switch (kind) {
        case END:
          return "the end of the text";
        case STRING:
          return "'" + text + "'";
        case QUOTED_NAME:
          return "\"" + text + "\"";
        default:
          return "'" + text + "'";
      }
    }
  }

  private final String text;
  private final List<Token> tokens;
  private int i;

  private ExpressionParser(String text) {
    this.text = text;
    this.tokens = tokenize(text);
  }

  public static Expression parse(String text) {
    if (text == null || text.isBlank()) {
      throw new ValidationException(
          "The filter is empty: write a condition such as \"score > 0.5 and tag = 'x'\".");
    }
    ExpressionParser p = new ExpressionParser(text);
    Expression e = p.or();
    if (p.peek().kind != Kind.END) {
      throw p.error("expected 'and', 'or' or the end of the filter");
    }
    return e;
  }

  private Token peek() {
    return tokens.get(i);
  }

  private Token next() {
    Token t = tokens.get(i);
    if (t.kind != Kind.END) {
      i++;
    }
    return t;
  }

  private ValidationException error(String expected) {
    Token t = peek();
    return new ValidationException(
        "Invalid filter \""
            + text
            + "\": "
            + expected
            + " at position "
            + (t.pos + 1)
            + ", found "
            + t.shown()
            + ". Write filters like \"score > 0.5 and tag in ('a', 'b') and name is not null\".");
  }

  private Expression or() {
    Expression left = and();
    while (peek().is("or")) {
      next();
      left = Expressions.or(left, and());
    }
    return left;
  }

  private Expression and() {
    Expression left = unary();
    while (peek().is("and")) {
      next();
      left = Expressions.and(left, unary());
    }
    return left;
  }

  private Expression unary() {
    Token t = peek();
    if (t.is("not")) {
      next();
      return Expressions.not(unary());
    }
    if (t.isSymbol("(")) {
      next();
      Expression e = or();
      if (!peek().isSymbol(")")) {
        throw error("expected ')' to close the '(' at position " + (t.pos + 1));
      }
      next();
      return e;
    }
    if (t.is("true") || t.is("false")) {
      next();
      return t.is("true") ? Expressions.alwaysTrue() : Expressions.alwaysFalse();
    }
    return predicate();
  }

  private Expression predicate() {
    Token c = peek();
    String column;
    if (c.kind == Kind.QUOTED_NAME) {
      column = c.text;
    } else if (c.kind == Kind.WORD
        && !ExpressionText.KEYWORDS.contains(c.text.toLowerCase(Locale.ROOT))) {
      column = c.text;
    } else {
      throw error("expected a column name, 'not' or '('");
    }
    next();
    Token op = peek();
    if (op.kind == Kind.SYMBOL) {
      Expression.Operation operation;
      switch (op.text) {
        case "=":
        case "==":
          operation = Expression.Operation.EQ;
          break;
        case "!=":
        case "<>":
          operation = Expression.Operation.NOT_EQ;
          break;
        case "<":
          operation = Expression.Operation.LT;
          break;
        case "<=":
          operation = Expression.Operation.LT_EQ;
          break;
        case ">":
          operation = Expression.Operation.GT;
          break;
        case ">=":
          operation = Expression.Operation.GT_EQ;
          break;
        default:
          throw error(
              "expected an operator (=, !=, <, <=, >, >=, in, not in, is null, is not null, starts with)"
                  + " after column "
                  + ExpressionText.column(column));
      }
      next();
      if (peek().is("null")) {
        throw error(
            "a comparison with null is never true; write '"
                + ExpressionText.column(column)
                + (operation == Expression.Operation.NOT_EQ ? " is not null'" : " is null'")
                + " instead. Problem");
      }
      Object value = literal();
      switch (operation) {
        case EQ:
          return Expressions.equal(column, value);
        case NOT_EQ:
          return Expressions.notEqual(column, value);
        case LT:
          return Expressions.lessThan(column, value);
        case LT_EQ:
          return Expressions.lessThanOrEqual(column, value);
        case GT:
          return Expressions.greaterThan(column, value);
        default:
          return Expressions.greaterThanOrEqual(column, value);
      }
    }
    if (op.is("is")) {
      next();
      boolean negated = false;
      if (peek().is("not")) {
        next();
        negated = true;
      }
      if (!peek().is("null")) {
        throw error("expected 'null' after 'is" + (negated ? " not'" : "'"));
      }
      next();
      return negated ? Expressions.notNull(column) : Expressions.isNull(column);
    }
    boolean negated = false;
    if (op.is("not")) {
      next();
      negated = true;
    }
    Token kw = peek();
    if (kw.is("in")) {
      next();
      if (!peek().isSymbol("(")) {
        throw error("expected '(' and a list of values after 'in'");
      }
      next();
      List<Object> values = new ArrayList<>();
      if (peek().isSymbol(")")) {
        throw error("expected at least one value in the 'in' list");
      }
      while (true) {
        if (peek().is("null")) {
          throw error(
              "null cannot be in an 'in' list (a comparison with null is never true); use "
                  + "'"
                  + ExpressionText.column(column)
                  + " is null' with 'or'. Problem");
        }
        values.add(literal());
        if (peek().isSymbol(",")) {
          next();
          continue;
        }
        if (peek().isSymbol(")")) {
          next();
          break;
        }
        throw error("expected ',' or ')' in the 'in' list");
      }
      return negated ? Expressions.notIn(column, values) : Expressions.in(column, values);
    }
    if (kw.is("starts")) {
      next();
      if (!peek().is("with")) {
        throw error("expected 'with' after 'starts'");
      }
      next();
      String prefix = string("a quoted prefix after 'starts with'");
      return negated
          ? Expressions.notStartsWith(column, prefix)
          : Expressions.startsWith(column, prefix);
    }
    if (kw.is("like")) {
      next();
      Token pattern = peek();
      String p = string("a quoted pattern after 'like'");
      int pct = p.indexOf('%');
      if (pct != p.length() - 1 || p.indexOf('_') >= 0) {
        i--;
        throw error(
            "'like' takes only a prefix pattern ending in one '%' (such as 'ab%'), without '_'; "
                + "for other patterns there is no support. Problem with pattern "
                + pattern.shown());
      }
      String prefix = p.substring(0, p.length() - 1);
      return negated
          ? Expressions.notStartsWith(column, prefix)
          : Expressions.startsWith(column, prefix);
    }
    if (negated) {
      throw error("expected 'in', 'starts with' or 'like' after 'not'");
    }
    throw error(
        "expected an operator (=, !=, <, <=, >, >=, in, not in, is null, is not null, starts with)"
            + " after column "
            + ExpressionText.column(column));
  }

  private String string(String expected) {
    Token t = peek();
    if (t.kind != Kind.STRING) {
      throw error("expected " + expected);
    }
    next();
    return t.text;
  }

  private Object literal() {
    Token t = peek();
    switch (t.kind) {
      case STRING:
        next();
        return t.text;
      case NUMBER:
        next();
        return number(t.text);
      case WORD:
        if (t.is("true") || t.is("false")) {
          next();
          return Boolean.valueOf(t.text.toLowerCase(Locale.ROOT));
        }
        throw error(
            "expected a value (a number, a 'quoted string', true or false; dates and times are quoted)");
      default:
        throw error(
            "expected a value (a number, a 'quoted string', true or false; dates and times are quoted)");
    }
  }

  private static Object number(String s) {
    if (s.matches("-?\\d+")) {
      BigInteger b = new BigInteger(s);
      return b.bitLength() < 64 ? (Object) b.longValue() : new BigDecimal(b);
    }
    return new BigDecimal(s);
  }

  private List<Token> tokenize(String s) {
    List<Token> out = new ArrayList<>();
    int p = 0;
    int n = s.length();
    while (p < n) {
      char ch = s.charAt(p);
      if (Character.isWhitespace(ch)) {
        p++;
        continue;
      }
      int start = p;
      if (ch == '\'' || ch == '"') {
        StringBuilder sb = new StringBuilder();
        p++;
        boolean closed = false;
        while (p < n) {
          char c = s.charAt(p);
          if (c == ch) {
            if (p + 1 < n && s.charAt(p + 1) == ch) {
              sb.append(ch);
              p += 2;
              continue;
            }
            p++;
            closed = true;
            break;
          }
          sb.append(c);
          p++;
        }
        if (!closed) {
          throw new ValidationException(
              "Invalid filter \""
                  + s
                  + "\": the "
                  + (ch == '\'' ? "string" : "quoted name")
                  + " starting at position "
                  + (start + 1)
                  + " is not closed. End it with "
                  + ch
                  + " (write a "
                  + ch
                  + " inside it twice).");
        }
        out.add(new Token(ch == '\'' ? Kind.STRING : Kind.QUOTED_NAME, sb.toString(), start));
        continue;
      }
      if (Character.isDigit(ch)
          || ((ch == '-' || ch == '.') && p + 1 < n && Character.isDigit(s.charAt(p + 1)))) {
        p++;
        while (p < n && Character.isDigit(s.charAt(p))) {
          p++;
        }
        if (p < n && s.charAt(p) == '.') {
          p++;
          while (p < n && Character.isDigit(s.charAt(p))) {
            p++;
          }
        }
        if (p < n && (s.charAt(p) == 'e' || s.charAt(p) == 'E')) {
          int q = p + 1;
          if (q < n && (s.charAt(q) == '+' || s.charAt(q) == '-')) {
            q++;
          }
          if (q < n && Character.isDigit(s.charAt(q))) {
            p = q;
            while (p < n && Character.isDigit(s.charAt(p))) {
              p++;
            }
          }
        }
        if (p + 1 < n
            && (s.charAt(p) == '-' || s.charAt(p) == ':')
            && Character.isDigit(s.charAt(p + 1))) {
          int end = p;
          while (end < n
              && !Character.isWhitespace(s.charAt(end))
              && s.charAt(end) != ')'
              && s.charAt(end) != ',') {
            end++;
          }
          throw new ValidationException(
              "Invalid filter \""
                  + s
                  + "\": "
                  + s.substring(start, end)
                  + " at position "
                  + (start + 1)
                  + " looks like a date or time; quote it ('"
                  + s.substring(start, end)
                  + "'), and it is "
                  + "converted by the column's type.");
        }
        if (p < n && (Character.isLetter(s.charAt(p)) || s.charAt(p) == '_')) {
          throw new ValidationException(
              "Invalid filter \""
                  + s
                  + "\": '"
                  + s.substring(start, p + 1)
                  + "...' at position "
                  + (start + 1)
                  + " is not a number. Quote text values ('abc'), and dates "
                  + "and times too ('2026-01-31').");
        }
        out.add(new Token(Kind.NUMBER, s.substring(start, p), start));
        continue;
      }
      if (Character.isLetter(ch) || ch == '_') {
        p++;
        while (p < n
            && (Character.isLetterOrDigit(s.charAt(p))
                || s.charAt(p) == '_'
                || s.charAt(p) == '.')) {
          p++;
        }
        out.add(new Token(Kind.WORD, s.substring(start, p), start));
        continue;
      }
      String two = p + 1 < n ? s.substring(p, p + 2) : "";
      if (two.equals("<=")
          || two.equals(">=")
          || two.equals("!=")
          || two.equals("<>")
          || two.equals("==")) {
        out.add(new Token(Kind.SYMBOL, two, start));
        p += 2;
        continue;
      }
      if ("=<>(),".indexOf(ch) >= 0) {
        out.add(new Token(Kind.SYMBOL, String.valueOf(ch), start));
        p++;
        continue;
      }
      throw new ValidationException(
          "Invalid filter \""
              + s
              + "\": unexpected character '"
              + ch
              + "' at position "
              + (start + 1)
              + ". Quote text values ('abc'), and column names with other characters (\"my col\").");
    }
    out.add(new Token(Kind.END, "", n));
    return out;
  }
}
