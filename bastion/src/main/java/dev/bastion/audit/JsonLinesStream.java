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
 * {@code audit.json_lines}: every audit event as one JSON line, written by its own thread so that a
 * slow or full disk never holds up the audit writer or a session. The queue is bounded: events that
 * do not fit are dropped and counted, and lines that cannot be written are counted; both counts are
 * logged when the stream works again. The database stays the record of truth.
 */
public final class JsonLinesStream implements AuditStream {
  private static final Logger LOG = LoggerFactory.getLogger(JsonLinesStream.class);
  static final int QUEUE_LIMIT = 10_000;
  private static final int BATCH = 256;
  private static final AuditEvent STOP =
      new AuditEvent(null, null, null, null, null, null, null, null, null, null);

  private final BlockingQueue<AuditEvent> queue;
  private final int limit;
  private final StreamFile out;
  private final AuditJson json;
  private final String name;
  private final Thread thread;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  // Written only on the stream's thread.
  private long droppedReported;
  private long failedReported;

  JsonLinesStream(StreamFile out, String name, String node, int limit) {
    this.queue = new ArrayBlockingQueue<>(limit);
    this.limit = limit;
    this.out = out;
    this.name = name;
    this.json = new AuditJson(node);
    this.thread = new Thread(this::run, "audit-stream");
    thread.setDaemon(true);
    thread.start();
  }

  /** Streams to {@code audit.json_lines}: {@code stdout} or a file opened (and checked) now. */
  public static JsonLinesStream open(String target, String node) throws IOException {
    if (target.equals("stdout")) {
      return new JsonLinesStream(StreamFile.of(System.out), target, node, QUEUE_LIMIT);
    }
    try {
      return new JsonLinesStream(
          StreamFile.open(java.nio.file.Path.of(target)), target, node, QUEUE_LIMIT);
    } catch (IOException e) {
      throw new IOException(
          "audit.json_lines: cannot open " + target + " for appending: " + describe(e), e);
    }
  }

  @Override
  public void publish(AuditEvent event) {
    if (!queue.offer(event)) {
      dropped.incrementAndGet();
    }
  }

  /** Events not streamed because the queue was full. */
  public long dropped() {
    return dropped.get();
  }

  /** Events not streamed because writing failed. */
  public long failed() {
    return failed.get();
  }

  private void run() {
    List<AuditEvent> batch = new ArrayList<>(BATCH);
    byte[][] lines = new byte[BATCH][];
    try {
      while (true) {
        batch.add(queue.take());
        queue.drainTo(batch, BATCH - 1);
        boolean stop = batch.removeIf(event -> event == STOP);
        write(batch, lines);
        batch.clear();
        if (stop) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void write(List<AuditEvent> batch, byte[][] lines) {
    int count = 0;
    for (AuditEvent event : batch) {
      lines[count++] = json.line(event);
    }
    if (count == 0) {
      return;
    }
    try {
      out.append(lines, count);
      reportRecovery();
    } catch (IOException | RuntimeException e) {
      if (failed.getAndAdd(count) == failedReported) {
        LOG.error(
            "audit stream {}: cannot write: {}; events are still in the database",
            name,
            describe(e));
      }
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

  private static String describe(Exception e) {
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
  }

  /** Writes every queued event (up to 10 s), then closes the file. */
  @Override
  public void close() {
    try {
      if (!queue.offer(STOP, 10, TimeUnit.SECONDS)) {
        LOG.error("audit stream {}: still full after 10 s at shutdown", name);
      }
      thread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    out.close();
  }
}
