package io.datashard;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * An iterator that holds open files until it is closed. Use it in try-with-resources:
 *
 * <pre>{@code
 * try (CloseableIterator<Row> rows = table.scan().iterator()) {
 *   while (rows.hasNext()) { ... }
 * }
 * }</pre>
 */
public interface CloseableIterator<T> extends Iterator<T>, AutoCloseable {
  /** Releases the files this iterator holds open. Never throws a checked exception. */
  @Override
  void close();

  /** Reads the rest into a list and closes. */
  default List<T> toList() {
    try {
      List<T> out = new ArrayList<>();
      while (hasNext()) {
        out.add(next());
      }
      return out;
    } finally {
      close();
    }
  }

  /** An iterator over a list, holding nothing open. */
  static <T> CloseableIterator<T> of(Iterator<T> it) {
    return new CloseableIterator<T>() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public T next() {
        return it.next();
      }

      @Override
      public void close() {}
    };
  }
}
