package dev.bastion.ssh;

import dev.bastion.keys.CertifiedUser;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.session.Session;

/** What the bastion keeps on an engineer's SSH connection once they are logged in. */
public final class LoginAttributes {
  /** The person proven by their certificate; set only after the signature was verified. */
  public static final AttributeKey<CertifiedUser> USER = new AttributeKey<>();

  /**
   * Completes once the login's {@code login_accepted} row is written, or fails if it cannot be: no
   * session, command or web login of the connection starts before, and none after a failure. (MINA
   * 2.20 allows asynchronous authentication only for password and keyboard-interactive, so the
   * login itself cannot wait for the row.)
   */
  public static final AttributeKey<CompletableFuture<Void>> LOGIN_AUDITED = new AttributeKey<>();

  /**
   * A plain public key the client proved it holds (its signature verified) while single sign-on is
   * configured: {@code cert} certifies it after an SSO login. At most one per connection.
   */
  public static final AttributeKey<PublicKey> PROVEN_KEY = new AttributeKey<>();

  /** Set when the connection logged in by single sign-on rather than with a certificate. */
  public static final AttributeKey<SsoLogin> SSO = new AttributeKey<>();

  /**
   * Lines about refused remote forwarding ({@code ssh -R}), whose refusal has no text of its own:
   * the connection's next session shows them ({@link #takeRefusedForwarding}).
   */
  private static final AttributeKey<Queue<String>> REFUSED_FORWARDING = new AttributeKey<>();

  /** Keeps a line for the connection's next session (at most a few). */
  public static void refusedForwarding(Session session, String line) {
    Queue<String> lines =
        session.computeAttributeIfAbsent(REFUSED_FORWARDING, k -> new ConcurrentLinkedQueue<>());
    if (lines.size() < 4) {
      lines.add(line);
    }
  }

  /** The lines kept for the next session, once. */
  public static List<String> takeRefusedForwarding(Session session) {
    Queue<String> lines = session.getAttribute(REFUSED_FORWARDING);
    List<String> taken = new ArrayList<>();
    for (String line = lines == null ? null : lines.poll(); line != null; line = lines.poll()) {
      taken.add(line);
    }
    return taken;
  }

  private LoginAttributes() {}
}
