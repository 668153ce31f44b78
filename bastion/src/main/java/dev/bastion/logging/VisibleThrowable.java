package dev.bastion.logging;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import dev.bastion.recorder.VisibleText;

/**
 * {@code %vex}: stack traces as usual, with the messages of the exceptions (which may quote what a
 * client sent) escaped as {@link VisibleMessage} escapes the log message.
 */
public final class VisibleThrowable extends ThrowableProxyConverter {
  @Override
  protected String throwableProxyToString(IThrowableProxy thrown) {
    return super.throwableProxyToString(Escaped.of(thrown));
  }

  /** A throwable as logback sees it, with its message and those of its causes escaped. */
  private record Escaped(IThrowableProxy thrown) implements IThrowableProxy {
    static IThrowableProxy of(IThrowableProxy thrown) {
      return thrown == null ? null : new Escaped(thrown);
    }

    @Override
    public String getOverridingMessage() {
      return VisibleText.escape(thrown.getOverridingMessage());
    }

    @Override
    public String getMessage() {
      return VisibleText.escape(thrown.getMessage());
    }

    @Override
    public String getClassName() {
      return thrown.getClassName();
    }

    @Override
    public StackTraceElementProxy[] getStackTraceElementProxyArray() {
      return thrown.getStackTraceElementProxyArray();
    }

    @Override
    public int getCommonFrames() {
      return thrown.getCommonFrames();
    }

    @Override
    public IThrowableProxy getCause() {
      return of(thrown.getCause());
    }

    @Override
    public IThrowableProxy[] getSuppressed() {
      IThrowableProxy[] suppressed = thrown.getSuppressed();
      if (suppressed == null) {
        return null;
      }
      IThrowableProxy[] escaped = new IThrowableProxy[suppressed.length];
      for (int i = 0; i < suppressed.length; i++) {
        escaped[i] = of(suppressed[i]);
      }
      return escaped;
    }

    @Override
    public boolean isCyclic() {
      return thrown.isCyclic();
    }
  }
}
