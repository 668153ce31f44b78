package dev.bastion.proxy;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditLog;
import dev.bastion.keys.CertificateValidator;
import dev.bastion.keys.CertifiedUser;
import dev.bastion.keys.Refusal;
import dev.bastion.keys.Revocation;
import dev.bastion.keys.Revocations;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.server.session.ServerSession;

/** Every engineer connection logged in right now, so that a revocation can end them. */
public final class EngineerConnections {
  private final Set<EngineerConnection> open = ConcurrentHashMap.newKeySet();
  private final CertificateValidator certificates;
  private final AuditLog audit;
  private final Clock clock;

  public EngineerConnections(CertificateValidator certificates, AuditLog audit, Clock clock) {
    this.certificates = certificates;
    this.audit = audit;
    this.clock = clock;
  }

  /** A certificate login succeeded (on a MINA thread; nothing here blocks). */
  public void loggedIn(ServerSession ssh, String userName, CertifiedUser user) {
    EngineerConnection connection = new EngineerConnection(ssh, user, this);
    connection.attach();
    open.add(connection);
    ssh.addCloseFutureListener(
        closed -> {
          open.remove(connection);
          connection.closed();
        });
  }

  /**
   * Ends every connection whose certificate is revoked in {@code revocations}, sessions first (each
   * told why); returns how many.
   */
  public int endRevoked(Revocations.Lookup revocations) {
    int ended = 0;
    for (EngineerConnection connection : open) {
      CertifiedUser user = connection.user();
      Optional<Revocation> hit = revocations.find(user.serial(), user.identity());
      if (hit.isPresent() && connection.endedFor() == null) {
        Refusal code =
            hit.get().kind() == Revocation.Kind.SERIAL
                ? Refusal.REVOKED_SERIAL
                : Refusal.REVOKED_IDENTITY;
        connection.end(code.code(), "your certificate was revoked (" + hit.get().describe() + ")");
        ended++;
      }
    }
    return ended;
  }

  public int count() {
    return open.size();
  }

  CertificateValidator certificates() {
    return certificates;
  }

  Clock clock() {
    return clock;
  }

  void audit(EngineerConnection connection, String code, String why) {
    CertifiedUser user = connection.user();
    audit.record(
        new AuditEvent(
            clock.instant(),
            AuditKind.CONNECTION_CLOSED,
            user.identity(),
            user.serialText(),
            connection.source(),
            null,
            null,
            null,
            code,
            why + "; the connection and its sessions were closed"));
  }
}
