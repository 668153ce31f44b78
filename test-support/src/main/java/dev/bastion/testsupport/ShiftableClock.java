package dev.bastion.testsupport;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The system clock, which a test can move forward or stop at an instant: what the bastion believes
 * the time is.
 */
public final class ShiftableClock extends Clock {
  private volatile Duration shift = Duration.ZERO;
  private volatile Instant stoppedAt;

  /** Moves the clock forward (a stopped clock stays stopped, later). */
  public void moveForward(Duration by) {
    Instant stopped = stoppedAt;
    if (stopped != null) {
      stoppedAt = stopped.plus(by);
    } else {
      shift = shift.plus(by);
    }
  }

  /** Stops the clock at {@code at}: it says {@code at} until moved. */
  public void stopAt(Instant at) {
    stoppedAt = at;
  }

  @Override
  public Instant instant() {
    Instant stopped = stoppedAt;
    return stopped != null ? stopped : Instant.now().plus(shift);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException();
  }
}
