package dev.bastion.proxy;

import dev.bastion.keys.CertificateCheck;
import dev.bastion.keys.CertifiedUser;
import dev.bastion.keys.Refusal;
import dev.bastion.ssh.LoginAttributes;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One engineer's SSH connection and the certificate it logged in with, which holds for the whole
 * connection, not only its login: with connection sharing ({@code ControlMaster}) new sessions
 * reuse an authenticated connection for as long as it stays open. So every session start asks
 * {@link #recheck()}, and the connection ends, with all its sessions, when its certificate is
 * revoked or expires (a timer at the end of its validity, clock skew included).
 */
public final class EngineerConnection {
  private static final Logger LOG = LoggerFactory.getLogger(EngineerConnection.class);
  private static final AttributeKey<EngineerConnection> KEY = new AttributeKey<>();

  /** How long an ending connection waits for its sessions to tell the engineer why and end. */
  static final Duration CLOSE_GRACE = SessionLifecycle.TELL_GRACE.plusSeconds(2);

  private final ServerSession ssh;
  private final CertifiedUser user;
  private final EngineerConnections all;
  private final Set<SessionCommand> commands = ConcurrentHashMap.newKeySet();
  private final AtomicReference<String> endedFor = new AtomicReference<>();
  private volatile Future<?> expiry;

  EngineerConnection(ServerSession ssh, CertifiedUser user, EngineerConnections all) {
    this.ssh = ssh;
    this.user = user;
    this.all = all;
  }

  /** The connection of this SSH session, if it logged in with a certificate. */
  static Optional<EngineerConnection> of(ServerSession ssh) {
    return Optional.ofNullable(ssh.getAttribute(KEY));
  }

  /** Attaches to its SSH session and starts the timer that ends it when the certificate does. */
  void attach() {
    ssh.setAttribute(KEY, this);
    Instant end = all.certificates().endOfValidity(user);
    if (end.equals(Instant.MAX)) {
      return;
    }
    long delay = Math.max(0, Duration.between(all.clock().instant(), end).toMillis());
    expiry =
        SessionExecutor.TIMERS.schedule(
            () -> end(Refusal.EXPIRED.code(), expired()), delay, TimeUnit.MILLISECONDS);
  }

  public CertifiedUser user() {
    return user;
  }

  /** Why a session may not start on this connection any more: expired or revoked since login. */
  Optional<CertificateCheck.Refused> recheck() {
    return all.certificates().recheck(user);
  }

  /** After a session was refused for {@code why}: an expired or revoked certificate ends all. */
  void refusedFor(CertificateCheck.Refused why) {
    switch (why.reason()) {
      case EXPIRED -> end(why.reason().code(), expired());
      case REVOKED_SERIAL, REVOKED_IDENTITY -> end(why.reason().code(), why.message());
      default -> {} // e.g. an unreadable revocation list: refuse sessions, keep the connection
    }
  }

  private String expired() {
    return ssh.getAttribute(LoginAttributes.SSO) != null
        ? "single sign-on ended at " + user.validBefore() + " (oidc.certificate_ttl); sign in again"
        : "certificate expired at " + user.validBefore();
  }

  /** A session channel began on this connection; false once the connection is ending. */
  boolean track(SessionCommand command) {
    commands.add(command);
    if (endedFor.get() != null) {
      commands.remove(command);
      return false;
    }
    return true;
  }

  /** Why this connection is ending, or null. */
  String endedFor() {
    return endedFor.get();
  }

  /** A session channel of this connection closed. */
  void untrack(SessionCommand command) {
    commands.remove(command);
    if (endedFor.get() != null && commands.isEmpty()) {
      disconnect();
    }
  }

  /**
   * Ends every session of this connection with {@code why} ("...; session ended"), then closes the
   * connection, also when no session is open; audited once.
   */
  void end(String code, String why) {
    if (!endedFor.compareAndSet(null, why)) {
      return;
    }
    LOG.info("connection of {} (serial {}) ends: {}", user.identity(), user.serialText(), why);
    all.audit(this, code, why);
    for (SessionCommand command : commands) {
      command.terminate(why + "; session ended");
    }
    if (commands.isEmpty()) {
      disconnect();
    } else {
      SessionExecutor.TIMERS.schedule(
          () -> ssh.close(true), CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void disconnect() {
    try {
      ssh.disconnect(
          SshConstants.SSH2_DISCONNECT_BY_APPLICATION,
          "bastion: " + endedFor.get() + "; connection closed");
    } catch (IOException e) {
      ssh.close(true);
    }
  }

  /** The SSH connection closed, for whatever reason. */
  void closed() {
    Future<?> timer = expiry;
    if (timer != null) {
      timer.cancel(false);
    }
  }

  String source() {
    return SessionCommand.source(ssh);
  }
}
