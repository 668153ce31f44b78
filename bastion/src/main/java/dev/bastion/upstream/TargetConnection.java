package dev.bastion.upstream;

import dev.bastion.config.BastionConfig;
import java.security.KeyPair;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.sshd.client.session.ClientSession;

/**
 * An SSH connection to a target that is connected, has finished its key exchange and has had its
 * host key verified, but is <em>not</em> logged in: nothing has been sent towards authentication.
 * {@link UpstreamConnector#login} logs it in once; a connection nobody logs in closes itself (see
 * {@link UpstreamConnector#open}), and {@link #close()} closes it at once.
 */
public final class TargetConnection implements AutoCloseable {
  private final BastionConfig.Target target;
  private final ClientSession session;
  private final KeyPair loginKey;
  private final AtomicBoolean claimed = new AtomicBoolean();

  TargetConnection(BastionConfig.Target target, ClientSession session, KeyPair loginKey) {
    this.target = target;
    this.session = session;
    this.loginKey = loginKey;
  }

  public BastionConfig.Target target() {
    return target;
  }

  /** Whether the connection is still up (the target or a timeout may have closed it). */
  public boolean isOpen() {
    return session.isOpen() && !session.isClosing();
  }

  /** Closes the connection without logging in. */
  @Override
  public void close() {
    session.close(true);
  }

  ClientSession session() {
    return session;
  }

  /** The fresh key pair the login will use; it is certified only at login. */
  KeyPair loginKey() {
    return loginKey;
  }

  /** True exactly once: for the one login (or the abandonment) that takes this connection. */
  boolean claim() {
    return claimed.compareAndSet(false, true);
  }
}
