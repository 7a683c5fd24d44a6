package io.datashard.internal.scan;

import io.datashard.CloseableIterator;
import io.datashard.DataShardException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Reads several sources (data files) at once on a small thread pool and hands out their rows in
 * source order, so the result is the same as reading them one after the other. At most {@code
 * threads} sources are open at a time, and each buffers at most {@link #BATCHES} batches of {@link
 * #BATCH} rows ahead of the consumer, so memory stays bounded however many rows there are. Closing
 * the iterator stops the readers, closes their sources and waits (up to ten seconds) for the reader
 * threads to end.
 */
public final class ParallelRows<T> implements CloseableIterator<T> {
  static final int BATCH = 256;
  static final int BATCHES = 8;

  private static final Object END = new Object();

  private final List<Supplier<CloseableIterator<T>>> sources;
  private final ExecutorService pool;
  private final int threads;
  private final Deque<Reader> inFlight = new ArrayDeque<>();
  private final List<Thread> poolThreads = new ArrayList<>();
  private int nextSource;
  private List<T> batch = List.of();
  private int pos;
  private boolean closed;

  public ParallelRows(List<Supplier<CloseableIterator<T>>> sources, int threads) {
    this.sources = sources;
    this.threads = Math.max(1, threads);
    this.pool =
        Executors.newFixedThreadPool(
            this.threads,
            r -> {
              Thread t = new Thread(r, "datashard-read");
              t.setDaemon(true);
              synchronized (poolThreads) {
                poolThreads.add(t);
              }
              return t;
            });
    fill();
  }

  /** One source being read into a bounded queue of batches. */
  private final class Reader implements Runnable {
    final Supplier<CloseableIterator<T>> source;
    final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(BATCHES + 1);
    volatile boolean stop;
    Future<?> future;

    Reader(Supplier<CloseableIterator<T>> source) {
      this.source = source;
    }

    @Override
    public void run() {
      try (CloseableIterator<T> rows = source.get()) {
        List<T> b = new ArrayList<>(BATCH);
        while (!stop && rows.hasNext()) {
          b.add(rows.next());
          if (b.size() == BATCH) {
            queue.put(b);
            b = new ArrayList<>(BATCH);
          }
        }
        if (!b.isEmpty() && !stop) {
          queue.put(b);
        }
        queue.put(END);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException | Error e) {
        queue.clear();
        queue.offer(e);
      }
    }
  }

  private void fill() {
    while (inFlight.size() < threads && nextSource < sources.size()) {
      Reader r = new Reader(sources.get(nextSource++));
      r.future = pool.submit(r);
      inFlight.addLast(r);
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public boolean hasNext() {
    while (pos >= batch.size()) {
      if (closed || inFlight.isEmpty()) {
        return false;
      }
      Reader head = inFlight.peekFirst();
      Object item;
      try {
        item = head.queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        close();
        throw new DataShardException("Interrupted while reading the table", e);
      }
      if (item == END) {
        inFlight.removeFirst();
        fill();
        continue;
      }
      if (item instanceof RuntimeException) {
        close();
        throw (RuntimeException) item;
      }
      if (item instanceof Error) {
        close();
        throw (Error) item;
      }
      batch = (List<T>) item;
      pos = 0;
    }
    return true;
  }

  @Override
  public T next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return batch.get(pos++);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Reader r : inFlight) {
      r.stop = true;
      r.queue.clear(); // unblocks a reader waiting to put; it then sees stop and closes its source
    }
    pool.shutdown();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
        pool.shutdownNow();
      }
      // The pool counts as terminated while its last thread is still on its way out; wait for the
      // threads themselves, so that none is left running once close returns.
      List<Thread> started;
      synchronized (poolThreads) {
        started = new ArrayList<>(poolThreads);
      }
      for (Thread t : started) {
        long left = deadline - System.nanoTime();
        if (left > 0) {
          TimeUnit.NANOSECONDS.timedJoin(t, left);
        }
      }
    } catch (InterruptedException e) {
      pool.shutdownNow();
      Thread.currentThread().interrupt();
    }
    inFlight.clear();
  }
}
