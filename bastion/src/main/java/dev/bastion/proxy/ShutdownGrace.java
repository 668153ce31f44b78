package dev.bastion.proxy;

import dev.bastion.keys.TimeSpans;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * A node going away behind a load balancer ({@code ssh.shutdown_grace}): it admits no new session,
 * tells each live one when it will be ended, and lets them go on until then or until they end on
 * their own, whichever comes first; {@link #endNow} (a second signal) cuts the wait short. Ending
 * the sessions that are left is the caller's next step ({@link LiveSessions#drain} with {@link
 * #ENDED}).
 */
public final class ShutdownGrace {
  /** What a session asked for on this node from now on is told. */
  public static final String REFUSED =
      "this bastion node is shutting down and starts no new session; connect again to reach"
          + " another node";

  /** What the sessions still live at the end are told, and their audit rows say. */
  public static final String ENDED = "this bastion node shut down; session ended";

  private static final DateTimeFormatter AT =
      DateTimeFormatter.ofPattern("HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

  private final LiveSessions live;
  private final Clock clock;
  private volatile boolean hurried;

  public ShutdownGrace(LiveSessions live, Clock clock) {
    this.live = live;
    this.clock = clock;
  }

  /**
   * Refuses new sessions, tells the live ones, and waits up to {@code grace} for them to end;
   * returns whether none is left.
   */
  public boolean await(Duration grace) throws InterruptedException {
    live.refuseNew(REFUSED);
    if (grace.isZero() || hurried) {
      return live.count() == 0;
    }
    String notice =
        "this bastion node is shutting down; this session will be ended at "
            + AT.format(clock.instant().plus(grace))
            + " (in "
            + TimeSpans.describe(grace)
            + ")";
    for (ProxiedSession session : live.all()) {
      session.notice(notice);
    }
    return live.awaitNone(grace, () -> hurried);
  }

  /** Ends the wait of {@link #await} now (a second SIGTERM or SIGINT). */
  public void endNow() {
    hurried = true;
    live.wake();
  }
}
