package dev.bastion.audit;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends batches of audit events to the collector on the stream's own thread. It connects when the
 * first batch comes; while the collector cannot be reached it holds that batch and tries again
 * after 1 s, doubling to 30 s (the queue behind it fills, then drops and counts); a connection the
 * collector closed is opened again before the next batch. A batch whose write fails is counted as
 * not sent, never sent twice. At shutdown it stops waiting for an absent collector.
 */
final class SyslogSender implements QueuedStream.Output {
  private static final Logger LOG = LoggerFactory.getLogger(SyslogSender.class);

  /** Opens a connection to the collector (resolving its name again each time). */
  interface Connector {
    SyslogConnection connect() throws IOException;
  }

  private final String name;
  private final SyslogMessage format;
  private final Connector connector;
  private final Duration firstDelay;
  private final Duration maxDelay;
  private final CountDownLatch stopping = new CountDownLatch(1);
  private final Runnable onClose;
  private SyslogConnection connection;
  private boolean unreachable;
  private boolean givenUp;

  SyslogSender(
      String name,
      SyslogMessage format,
      Connector connector,
      Duration firstDelay,
      Duration maxDelay,
      Runnable onClose) {
    this.name = name;
    this.format = format;
    this.connector = connector;
    this.firstDelay = firstDelay;
    this.maxDelay = maxDelay;
    this.onClose = onClose;
  }

  @Override
  public void write(List<AuditEvent> events) throws IOException {
    List<byte[]> messages = new ArrayList<>(events.size());
    for (AuditEvent event : events) {
      messages.add(format.of(event));
    }
    if (connection != null && connection.closedByCollector()) {
      LOG.info("audit stream {}: the collector closed the connection; connecting again", name);
      drop();
    }
    if (connection == null) {
      connection = connect();
    }
    try {
      connection.send(messages);
    } catch (IOException e) {
      drop();
      throw e;
    }
  }

  /** Connects, waiting with backoff while the collector cannot be reached. */
  private SyslogConnection connect() throws IOException {
    long delay = firstDelay.toMillis();
    while (true) {
      if (givenUp) {
        throw new IOException("the collector was not reached before shutdown");
      }
      try {
        SyslogConnection open = connector.connect();
        if (unreachable) {
          LOG.info("audit stream {}: the collector is reached again", name);
          unreachable = false;
        }
        return open;
      } catch (IOException | RuntimeException e) {
        if (!unreachable) {
          LOG.error(
              "audit stream {}: cannot reach the collector: {}; trying again every {} s at most,"
                  + " events wait in the queue",
              name,
              QueuedStream.describe(e),
              maxDelay.toSeconds());
          unreachable = true;
        }
        if (stopping.getCount() == 0) {
          givenUp = true;
          continue;
        }
      }
      try {
        if (stopping.await(delay, TimeUnit.MILLISECONDS)) {
          // Shutting down: one more attempt, then give up.
          delay = 0;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while waiting for the collector");
      }
      delay = Math.min(Math.max(delay, 1) * 2, maxDelay.toMillis());
    }
  }

  private void drop() {
    if (connection != null) {
      connection.close();
      connection = null;
    }
  }

  @Override
  public void stopWaiting() {
    stopping.countDown();
  }

  @Override
  public void close() {
    drop();
    onClose.run();
  }
}
