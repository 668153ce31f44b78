package dev.bastion.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The log pattern's converters: one event is one line, whatever its message and exception say. */
class VisibleLogLinesTest {
  @Test
  void messagesAndExceptionMessagesKeepTheirControlCharactersVisible() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    PatternLayout layout = new PatternLayout();
    layout.setContext(context);
    layout.getInstanceConverterMap().put("vmsg", VisibleMessage::new);
    layout.getInstanceConverterMap().put("vex", VisibleThrowable::new);
    layout.setPattern("%level %vmsg%n%vex");
    layout.start();
    Logger logger = context.getLogger("test");
    Exception thrown =
        new IllegalStateException(
            "bad\nINFO forged", new RuntimeException("cause \u001b]52;c;eA==\u0007"));
    LoggingEvent event =
        new LoggingEvent(
            Logger.class.getName(),
            logger,
            Level.WARN,
            "login of {} failed",
            thrown,
            new Object[] {"x\r\nINFO login accepted: root"});

    String text = layout.doLayout(event);
    String[] lines = text.split("\n");
    assertEquals("WARN login of x\\r\\nINFO login accepted: root failed", lines[0]);
    assertTrue(lines[1].startsWith("java.lang.IllegalStateException: bad\\nINFO forged"), lines[1]);
    assertTrue(text.contains("Caused by: java.lang.RuntimeException: cause \\e]52;c;eA==\\x07"));
    assertFalse(text.contains("\u001b") || text.contains("\r") || text.contains("\u0007"), text);
    for (String line : lines) {
      assertFalse(line.startsWith("INFO"), line);
    }
  }

  @Test
  void aMessageNoCallerBoundedIsCutWithAMarker() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    PatternLayout layout = new PatternLayout();
    layout.setContext(context);
    layout.getInstanceConverterMap().put("vmsg", VisibleMessage::new);
    layout.setPattern("%vmsg");
    layout.start();
    LoggingEvent event =
        new LoggingEvent(
            Logger.class.getName(),
            context.getLogger("test"),
            Level.INFO,
            "user {}",
            null,
            new Object[] {"a".repeat(200_000)});

    String line = layout.doLayout(event);
    assertTrue(line.length() <= VisibleMessage.LIMIT, "length " + line.length());
    assertTrue(line.endsWith(" chars]"), line.substring(line.length() - 40));
  }
}
