package dev.bastion.proxy;

import java.util.concurrent.atomic.LongAdder;

/**
 * Bytes carried between engineers and targets since the process started, for {@code /metrics}. One
 * adder per direction for the whole process: a pump adds once per chunk it forwards, with no
 * lookup.
 */
public final class Traffic {
  /** Target output (stdout and stderr) forwarded to engineers. */
  public static final LongAdder TO_CLIENTS = new LongAdder();

  /** Engineer input forwarded to targets. */
  public static final LongAdder FROM_CLIENTS = new LongAdder();

  private Traffic() {}
}
