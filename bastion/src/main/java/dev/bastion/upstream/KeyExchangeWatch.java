package dev.bastion.upstream;

import dev.bastion.config.BastionConfig;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;

/**
 * Tells when a connection to a target is ready to log in: its first key exchange is done, which
 * includes verifying the host key. Each connection carries, in its connection context, its target
 * and a future that completes with the session then, or fails with why the connection ended first.
 */
final class KeyExchangeWatch implements SessionListener {
  private static final AttributeKey<CompletableFuture<ClientSession>> KEYS = new AttributeKey<>();

  /** The connection context for a new connection to {@code target}. */
  static AttributeRepository context(
      BastionConfig.Target target, CompletableFuture<ClientSession> keys) {
    return AttributeRepository.ofAttributesMap(
        Map.of(TargetHostKeyVerifier.TARGET, target, KEYS, keys));
  }

  /** The host key was refused: the connection fails with this reason (MINA then closes it). */
  static void refused(Session session, String problem) {
    CompletableFuture<ClientSession> keys = keysOf(session);
    if (keys != null) {
      keys.completeExceptionally(new UpstreamException("host_key_mismatch", problem, null));
    }
  }

  @Override
  public void sessionEvent(Session session, Event event) {
    CompletableFuture<ClientSession> keys = keysOf(session);
    if (event == Event.KeyEstablished && keys != null) {
      keys.complete((ClientSession) session);
    }
  }

  @Override
  public void sessionClosed(Session session) {
    CompletableFuture<ClientSession> keys = keysOf(session);
    if (keys == null || keys.isDone()) {
      return;
    }
    BastionConfig.Target target =
        ((ClientSession) session).getConnectionContext().getAttribute(TargetHostKeyVerifier.TARGET);
    keys.completeExceptionally(
        new UpstreamException(
            "target_unreachable",
            "target "
                + target.name()
                + " ("
                + target.address()
                + ") closed the connection during the key exchange",
            null));
  }

  private static CompletableFuture<ClientSession> keysOf(Session session) {
    AttributeRepository context =
        session instanceof ClientSession client ? client.getConnectionContext() : null;
    return context == null ? null : context.getAttribute(KEYS);
  }
}
