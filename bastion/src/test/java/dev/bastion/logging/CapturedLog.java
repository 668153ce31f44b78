package dev.bastion.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * The log lines every logger writes while a test runs, as their formatted messages. Logback appends
 * from the bastion's threads while the test reads; {@code AppenderBase} appends under the
 * appender's own lock, so every read takes it too.
 */
public final class CapturedLog implements AutoCloseable {
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  private CapturedLog() {
    appender.start();
    root.addAppender(appender);
  }

  /** Captures from now until {@link #close}. */
  public static CapturedLog start() {
    return new CapturedLog();
  }

  /** The lines so far, oldest first. */
  public List<String> messages() {
    synchronized (appender) {
      return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  /** Whether a line so far contains {@code text}. */
  public boolean contains(String text) {
    return messages().stream().anyMatch(m -> m.contains(text));
  }

  /** Forgets the lines so far. */
  public void clear() {
    synchronized (appender) {
      appender.list.clear();
    }
  }

  @Override
  public void close() {
    root.detachAppender(appender);
    appender.stop();
  }
}
