package dev.bastion.hostile;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** The system clock, which a test can move forward: what the bastion believes the time is. */
final class ShiftableClock extends Clock {
  private volatile Duration shift = Duration.ZERO;

  void moveForward(Duration by) {
    shift = shift.plus(by);
  }

  @Override
  public Instant instant() {
    return Instant.now().plus(shift);
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
