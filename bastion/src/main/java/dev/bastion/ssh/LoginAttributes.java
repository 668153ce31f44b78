package dev.bastion.ssh;

import dev.bastion.keys.CertifiedUser;
import java.security.PublicKey;
import java.util.concurrent.CompletableFuture;
import org.apache.sshd.common.AttributeRepository.AttributeKey;

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

  private LoginAttributes() {}
}
