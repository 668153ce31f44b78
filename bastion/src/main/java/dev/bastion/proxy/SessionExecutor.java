package dev.bastion.proxy;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one session's events one at a time, in the order they were posted, on a small pool that all
 * sessions share. Events never block (every slow step is a future whose completion is posted as
 * another event), so two threads serve any number of sessions, and a session's state needs no
 * locks: only its own events touch it.
 */
final class SessionExecutor implements Executor {
  private static final Logger LOG = LoggerFactory.getLogger(SessionExecutor.class);
  private static final int BATCH = 64;

  static final ExecutorService SHARED =
      Executors.newFixedThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "session-events");
            t.setDaemon(true);
            return t;
          });

  /** Timers of all sessions (grace periods); each fires by posting an event to its session. */
  static final ScheduledExecutorService TIMERS =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "session-timers");
            t.setDaemon(true);
            return t;
          });

  private final Executor pool;
  private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();

  SessionExecutor(Executor pool) {
    this.pool = pool;
  }

  @Override
  public void execute(Runnable event) {
    queue.add(event);
    schedule();
  }

  /** Posts {@code event} after {@code delay}. */
  void later(Duration delay, Runnable event) {
    TIMERS.schedule(() -> execute(event), delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      pool.execute(this::drain);
    }
  }

  /** Runs a batch, then lets other sessions have the thread before the next batch. */
  private void drain() {
    Runnable event;
    for (int n = 0; n < BATCH && (event = queue.poll()) != null; n++) {
      try {
        event.run();
      } catch (RuntimeException e) {
        LOG.error("session event failed", e);
      }
    }
    scheduled.set(false);
    if (!queue.isEmpty()) {
      schedule();
    }
  }
}
