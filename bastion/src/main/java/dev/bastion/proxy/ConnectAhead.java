package dev.bastion.proxy;

import dev.bastion.keys.CertifiedUser;
import dev.bastion.policy.AccessDenied;
import dev.bastion.policy.Grant;
import dev.bastion.upstream.TargetConnection;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.server.session.ServerSession;

/**
 * Starts the connection to the target as soon as an engineer with a user name {@code LOGIN@TARGET}
 * has logged in and the policy allows it: TCP, key exchange and host key check, never a login. The
 * first session channel of that connection then only has to log in, after its audit row is written.
 * Not for four-eyes targets (nothing reaches them before approval); a connection no session took is
 * closed with the engineer's connection.
 */
public final class ConnectAhead {
  private static final AttributeKey<CompletableFuture<TargetConnection>> OPENING =
      new AttributeKey<>();

  private final SessionServices services;

  public ConnectAhead(SessionServices services) {
    this.services = services;
  }

  /** The engineer's certificate login succeeded. Runs on a MINA thread: nothing here blocks. */
  public void loggedIn(ServerSession session, String name, CertifiedUser user) {
    Optional<TargetLogin> asked = TargetLogin.of(name);
    if (asked.isEmpty()) {
      return;
    }
    Grant grant;
    try {
      grant = services.policy().authorize(user, asked.get().login(), asked.get().target());
    } catch (AccessDenied refused) {
      return; // the session channel will be refused with the reason, and audited
    }
    if (grant.target().requireApproval().isPresent()) {
      return;
    }
    CompletableFuture<TargetConnection> opening = services.upstream().open(grant);
    session.setAttribute(OPENING, opening);
    // Whether a session took it or not: nothing outlives the engineer's connection.
    session.addCloseFutureListener(closed -> close(opening));
  }

  /** The connection opened at login, once: for the first session of this engineer's connection. */
  static CompletableFuture<TargetConnection> take(ServerSession session) {
    return session.removeAttribute(OPENING);
  }

  static void close(CompletableFuture<TargetConnection> opening) {
    if (opening != null) {
      opening.thenAccept(TargetConnection::close);
    }
  }
}
