package dev.bastion.logging;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.bastion.recorder.VisibleText;

/**
 * {@code %vmsg}: the log message with control characters as visible escapes. Log lines carry user
 * names, key ids and commands chosen by whoever connects; a newline in one must not start a forged
 * line, and an escape sequence must not drive the terminal of whoever reads the log. Messages are
 * also cut at {@value #LIMIT} characters (with a marker), whatever a caller forgot to bound.
 */
public final class VisibleMessage extends MessageConverter {
  /** The longest message written; the places that log client text bound it far lower. */
  static final int LIMIT = 4096;

  @Override
  public String convert(ILoggingEvent event) {
    return VisibleText.fit(super.convert(event), LIMIT);
  }
}
