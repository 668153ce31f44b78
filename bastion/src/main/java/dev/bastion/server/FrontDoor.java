package dev.bastion.server;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.io.IoAcceptor;
import org.apache.sshd.common.io.IoServiceEventListener;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where {@link SourceThrottle} meets MINA: a throttled address's connection is closed as it is
 * accepted, before key exchange costs anything (MINA calls {@link #connectionAccepted} before it
 * creates the session, and accepts the next connection only after this one's session exists); the
 * refusal goes to the {@link RefusalTally}, so a flood is counted rather than written one by one.
 */
final class FrontDoor implements IoServiceEventListener, SessionListener {
  private static final Logger LOG = LoggerFactory.getLogger(FrontDoor.class);

  /** Set while the session counts as unauthenticated; cleared once, by login or close. */
  private static final AttributeKey<AtomicBoolean> UNAUTHENTICATED = new AttributeKey<>();

  /** Thrown to make MINA close a connection at once. */
  private static final class Closed extends IOException {
    Closed(String message) {
      super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this; // expected, and cheap under a flood
    }
  }

  private final SourceThrottle throttle;
  private final RefusalTally tally;
  private final Clock clock;

  FrontDoor(SourceThrottle throttle, RefusalTally tally, Clock clock) {
    this.throttle = throttle;
    this.tally = tally;
    this.clock = clock;
  }

  @Override
  public void connectionAccepted(
      IoAcceptor acceptor, SocketAddress local, SocketAddress remote, SocketAddress service)
      throws IOException {
    InetAddress address = CertificateLogin.address(remote);
    if (address == null) {
      return;
    }
    SourceThrottle.Refusal refusal = throttle.admit(address);
    if (refusal == null) {
      return;
    }
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
    throw new Closed(refusal.text);
  }

  @Override
  public void sessionCreated(Session session) {
    // The throttle counted this connection as unauthenticated when it admitted it.
    session.setAttribute(UNAUTHENTICATED, new AtomicBoolean(true));
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
    }
  }

  private static boolean stillUnauthenticated(Session session) {
    AtomicBoolean flag = session.getAttribute(UNAUTHENTICATED);
    return flag != null && flag.getAndSet(false);
  }
}
