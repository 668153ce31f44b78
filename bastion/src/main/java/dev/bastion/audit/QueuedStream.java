package dev.bastion.audit;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An audit stream written by its own thread, so that a slow disk or an absent collector never holds
 * up the audit writer or a session. The queue is bounded: events that do not fit are dropped and
 * counted, and events that cannot be written are counted; both counts are logged when the stream
 * works again. The database stays the record of truth.
 */
class QueuedStream implements AuditStream {
  private static final Logger LOG = LoggerFactory.getLogger(QueuedStream.class);
  static final int QUEUE_LIMIT = 10_000;
  private static final int BATCH = 256;
  private static final AuditEvent STOP =
      new AuditEvent(null, null, null, null, null, null, null, null, null, null);

  /** Where the stream's thread writes. */
  interface Output {
    /**
     * Writes the events in order, or throws: they are then counted as not written. May wait on the
     * stream's thread (for a collector to come back) until {@link #stopWaiting()}.
     */
    void write(List<AuditEvent> events) throws IOException;

    /** Called once at shutdown, from another thread: give up waiting. */
    default void stopWaiting() {}

    void close();
  }

  private final BlockingQueue<AuditEvent> queue;
  private final int limit;
  private final Output out;
  private final String name;
  private final Thread thread;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  // Written only on the stream's thread.
  private long droppedReported;
  private long failedReported;

  QueuedStream(Output out, String name, int limit) {
    this.queue = new ArrayBlockingQueue<>(limit);
    this.limit = limit;
    this.out = out;
    this.name = name;
    this.thread = new Thread(this::run, "audit-stream " + name);
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public final void publish(AuditEvent event) {
    if (!queue.offer(event)) {
      dropped.incrementAndGet();
    }
  }

  /** Events not streamed because the queue was full. */
  public final long dropped() {
    return dropped.get();
  }

  /** Events not streamed because writing failed. */
  public final long failed() {
    return failed.get();
  }

  private void run() {
    List<AuditEvent> batch = new ArrayList<>(BATCH);
    try {
      while (true) {
        batch.add(queue.take());
        queue.drainTo(batch, BATCH - 1);
        boolean stop = batch.removeIf(event -> event == STOP);
        if (!batch.isEmpty()) {
          write(batch);
        }
        batch.clear();
        if (stop) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void write(List<AuditEvent> batch) {
    try {
      out.write(batch);
      reportRecovery();
    } catch (IOException | RuntimeException e) {
      // Only this thread adds to failed; it logs first, so whoever sees the count sees the line.
      if (failed.get() == failedReported) {
        LOG.error(
            "audit stream {}: cannot write: {}; events are still in the database",
            name,
            describe(e));
      }
      failed.addAndGet(batch.size());
    }
  }

  /** After a successful write: what was lost before it, once. */
  private void reportRecovery() {
    long lostFull = dropped.get();
    if (lostFull != droppedReported) {
      LOG.warn(
          "audit stream {}: {} events dropped because its queue of {} was full (total {});"
              + " they are in the database",
          name,
          lostFull - droppedReported,
          limit,
          lostFull);
      droppedReported = lostFull;
    }
    long lostFailed = failed.get();
    if (lostFailed != failedReported) {
      LOG.warn(
          "audit stream {}: writing again; {} events could not be written (total {});"
              + " they are in the database",
          name,
          lostFailed - failedReported,
          lostFailed);
      failedReported = lostFailed;
    }
  }

  static String describe(Exception e) {
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
  }

  /**
   * Writes every queued event (up to 10 s; an output waiting for its destination gives up at once),
   * logs what was lost, then closes the output.
   */
  @Override
  public final void close() {
    try {
      out.stopWaiting();
      if (!queue.offer(STOP, 10, TimeUnit.SECONDS)) {
        LOG.error("audit stream {}: still full after 10 s at shutdown", name);
      }
      thread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long lost = dropped.get() - droppedReported + failed.get() - failedReported;
    if (lost > 0 && !thread.isAlive()) {
      LOG.warn(
          "audit stream {}: {} events were not written before shutdown; they are in the database",
          name,
          lost);
    }
    out.close();
  }
}
