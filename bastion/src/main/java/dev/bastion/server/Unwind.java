package dev.bastion.server;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts a start has brought up so far, stopped again, newest first, if the start fails before
 * {@link #keep}: a port in use or a database that cannot be reached leaves no thread, port or
 * connection behind. Used in a try-with-resources around the start.
 */
public final class Unwind implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Unwind.class);

  private final Deque<AutoCloseable> parts = new ArrayDeque<>();
  private boolean kept;

  /** {@code part}, stopped if the start fails from here on. */
  public <T extends AutoCloseable> T add(T part) {
    parts.push(part);
    return part;
  }

  /** The start succeeded: the parts stay up, now owned by what was started. */
  public void keep() {
    kept = true;
  }

  /**
   * Unless kept: stops every part, newest first; a part that fails to stop is logged, not thrown.
   */
  @Override
  public void close() {
    if (kept) {
      return;
    }
    while (!parts.isEmpty()) {
      AutoCloseable part = parts.pop();
      try {
        part.close();
      } catch (Exception e) {
        LOG.warn(
            "stopping {} after a failed start: {}", part.getClass().getSimpleName(), e.toString());
      }
    }
  }
}
