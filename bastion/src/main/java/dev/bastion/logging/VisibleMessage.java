package dev.bastion.logging;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.bastion.recorder.VisibleText;

/**
 * {@code %vmsg}: the log message with control characters as visible escapes. Log lines carry user
 * names, key ids and commands chosen by whoever connects; a newline in one must not start a forged
 * line, and an escape sequence must not drive the terminal of whoever reads the log.
 */
public final class VisibleMessage extends MessageConverter {
  @Override
  public String convert(ILoggingEvent event) {
    return VisibleText.escape(super.convert(event));
  }
}
