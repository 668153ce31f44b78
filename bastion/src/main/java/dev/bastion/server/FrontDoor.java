package dev.bastion.server;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import java.net.InetAddress;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where {@link SourceThrottle} meets MINA: a throttled address's connection is closed as its
 * session is created, before key exchange costs anything (MINA accepts the next connection only
 * after this one's session exists, so the counts cannot race); the refusal goes to the {@link
 * RefusalTally}, so a flood is counted rather than written one by one.
 */
final class FrontDoor implements SessionListener {
  private static final Logger LOG = LoggerFactory.getLogger(FrontDoor.class);

  /** Set while the session counts as unauthenticated; cleared once, by login or close. */
  private static final AttributeKey<AtomicBoolean> UNAUTHENTICATED = new AttributeKey<>();

  private final SourceThrottle throttle;
  private final RefusalTally tally;
  private final Clock clock;

  FrontDoor(SourceThrottle throttle, RefusalTally tally, Clock clock) {
    this.throttle = throttle;
    this.tally = tally;
    this.clock = clock;
  }

  /**
   * Right after the connection is accepted, before any key exchange work. (MINA also offers {@code
   * IoServiceEventListener.connectionAccepted}, but 2.20 leaves the socket open when it refuses.)
   */
  @Override
  public void sessionCreated(Session session) {
    InetAddress address = CertificateLogin.address(session.getIoSession().getRemoteAddress());
    SourceThrottle.Refusal refusal = address == null ? null : throttle.admit(address);
    if (refusal == null) {
      // The throttle counts it as unauthenticated until it logs in or closes.
      session.setAttribute(UNAUTHENTICATED, new AtomicBoolean(address != null));
      return;
    }
    session.close(true);
    String source = address.getHostAddress();
    boolean first =
        tally.refused(
            new AuditEvent(
                clock.instant(),
                AuditKind.CONNECTION_REFUSED,
                null,
                null,
                source,
                null,
                null,
                null,
                refusal.code,
                "closed before key exchange: " + refusal.text + " from " + source));
    if (first) {
      LOG.warn("connections from {} closed before key exchange: {}", source, refusal.text);
    }
  }

  @Override
  public void sessionEvent(Session session, Event event) {
    if (event == Event.Authenticated && stillUnauthenticated(session)) {
      throttle.authenticated(CertificateLogin.address(session.getIoSession().getRemoteAddress()));
    }
  }

  @Override
  public void sessionClosed(Session session) {
    if (stillUnauthenticated(session)) {
      throttle.closedUnauthenticated(
          CertificateLogin.address(session.getIoSession().getRemoteAddress()));
      FailedLogin.closedWithoutLogin(session, tally);
    }
  }

  private static boolean stillUnauthenticated(Session session) {
    AtomicBoolean flag = session.getAttribute(UNAUTHENTICATED);
    return flag != null && flag.getAndSet(false);
  }
}
