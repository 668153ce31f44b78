package dev.bastion.server;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.keys.CertificateAuthority;
import dev.bastion.keys.CertificateCheck;
import dev.bastion.keys.CertificateValidator;
import dev.bastion.keys.CertifiedUser;
import dev.bastion.keys.OpenSshKeys;
import dev.bastion.keys.Refusal;
import dev.bastion.recorder.VisibleText;
import dev.bastion.ssh.LoginAttributes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.PublicKey;
import java.time.Clock;
import java.util.List;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.auth.UserAuth;
import org.apache.sshd.server.auth.UserAuthFactory;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKey;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Public key authentication that accepts certificates only, decided by {@link CertificateValidator}
 * before MINA's own checks, so that every refusal has its precise reason: one line to the user (an
 * SSH banner, which {@code ssh} prints on stderr) and the full facts in the audit log. A login is
 * accepted only once its {@code login_accepted} row is written (MINA's asynchronous authentication,
 * so no event thread waits); refusals go through the {@link RefusalTally}. Text from the client is
 * cut to a bound before it reaches a log line or a row.
 */
final class CertificateLogin extends UserAuthPublicKey {
  /** Whether this connection was already told why a key was refused (one line is enough). */
  private static final AttributeKey<Boolean> TOLD_WHY = new AttributeKey<>();

  /** The plain key whose signature is being checked to prove it (see {@link #proveKey}). */
  private static final AttributeKey<PublicKey> PROVING = new AttributeKey<>();

  private static final Logger LOG = LoggerFactory.getLogger(CertificateLogin.class);

  /** Bounds of client text in log lines and audit details. */
  static final int USER_NAME_BOUND = 128;

  static final int TEXT_BOUND = 512;

  private final CertificateValidator validator;
  private final AcceptedLogins accepted;
  private final RefusalTally refusals;
  private final Clock clock;
  private final boolean proveKeys;

  CertificateLogin(
      CertificateValidator validator,
      AcceptedLogins accepted,
      RefusalTally refusals,
      Clock clock,
      boolean proveKeys) {
    this.validator = validator;
    this.accepted = accepted;
    this.refusals = refusals;
    this.clock = clock;
    this.proveKeys = proveKeys;
  }

  /**
   * @param proveKeys whether single sign-on is configured: then the first certifiable plain key a
   *     client offers is proven (see {@link #proveKey}) for {@code cert}
   */
  static UserAuthFactory factory(
      CertificateValidator validator,
      AcceptedLogins accepted,
      RefusalTally refusals,
      Clock clock,
      boolean proveKeys) {
    return new UserAuthFactory() {
      @Override
      public String getName() {
        return UserAuthPublicKey.NAME;
      }

      @Override
      public UserAuth createUserAuth(ServerSession session) {
        return new CertificateLogin(validator, accepted, refusals, clock, proveKeys);
      }
    };
  }

  /** What MINA's public key authenticator accepts: certificates, and a plain key being proven. */
  static boolean acceptable(ServerSession session, PublicKey key) {
    return key instanceof OpenSshCertificate || key.equals(session.getAttribute(PROVING));
  }

  @Override
  public Boolean doAuth(Buffer buffer, boolean init) throws Exception {
    ServerSession session = getServerSession();
    int start = buffer.rpos();
    buffer.getBoolean(); // whether signed
    buffer.getString();
    PublicKey key = buffer.getPublicKey();
    buffer.rpos(start);

    CertificateCheck check = validator.validate(key, address(session.getClientAddress()));
    if (check instanceof CertificateCheck.Refused refused) {
      if (refused.reason() == Refusal.NOT_A_CERTIFICATE && mayProve(session, key)) {
        return proveKey(session, key, buffer, init);
      }
      refuse(session, key, refused);
      return Boolean.FALSE;
    }
    CertifiedUser user = ((CertificateCheck.Accepted) check).user();
    Boolean result = super.doAuth(buffer, init);
    if (!Boolean.TRUE.equals(result)) {
      return result; // a query (no signature yet): MINA answers that the key would do
    }
    // Sessions wait for the login's row (see LoginAttributes.LOGIN_AUDITED).
    accepted.accept(
        session,
        getUsername(),
        user,
        "certificate",
        user.serialText(),
        "principals "
            + String.join(",", user.principals())
            + ", CA "
            + user.caFingerprint()
            + ", key "
            + user.keyFingerprint());
    return result;
  }

  private boolean mayProve(ServerSession session, PublicKey key) {
    return proveKeys
        && session.getAttribute(LoginAttributes.PROVEN_KEY) == null
        && CertificateAuthority.whyNotCertifiable(key).isEmpty();
  }

  /**
   * Single sign-on's first factor: MINA answers the query with PK_OK and checks the signature as
   * for any key; a good one is remembered on the connection ({@link LoginAttributes#PROVEN_KEY})
   * and this attempt then fails, so the client goes on to its certificate or to
   * keyboard-interactive. Not a refusal: no row, no line.
   */
  private Boolean proveKey(ServerSession session, PublicKey key, Buffer buffer, boolean init)
      throws Exception {
    Boolean result;
    session.setAttribute(PROVING, key);
    try {
      result = super.doAuth(buffer, init); // a bad signature throws: the attempt fails
    } finally {
      session.removeAttribute(PROVING);
    }
    if (!Boolean.TRUE.equals(result)) {
      return result;
    }
    session.setAttribute(LoginAttributes.PROVEN_KEY, key);
    // MINA would refuse a later certificate for the same key as "already authenticated".
    List<PublicKey> authenticated = session.getAttribute(UserAuthPublicKey.AUTHENTICATED_KEYS);
    if (authenticated != null) {
      authenticated.removeIf(k -> KeyUtils.compareKeys(k, key));
    }
    LOG.debug("{} proved it holds {}", sourceText(session), OpenSshKeys.fingerprint(key));
    return Boolean.FALSE;
  }

  private void refuse(ServerSession session, PublicKey key, CertificateCheck.Refused refused)
      throws IOException {
    String userName = VisibleText.fit(getUsername(), USER_NAME_BOUND);
    String message = VisibleText.fit(refused.message(), TEXT_BOUND);
    // Clients offer plain keys before certificates (and agents hold many), so a plain key's
    // refusal is no reason to complain to the user, nor a failed login yet: only a connection
    // that never logs in leaves its row (FailedLogin), saying what it offered.
    boolean tell =
        refused.reason() != Refusal.NOT_A_CERTIFICATE && session.getAttribute(TOLD_WHY) == null;
    FailedLogin.offered(
        session,
        offer(key, refused),
        new AuditEvent(
            clock.instant(),
            AuditKind.LOGIN_REFUSED,
            refused.claimedIdentity(),
            refused.claimedSerial(),
            sourceText(session),
            null,
            null,
            null,
            refused.reason().code(),
            message + " (user " + userName + ")"),
        tell);
    if (tell) {
      session.setAttribute(TOLD_WHY, Boolean.TRUE);
      tell(session, message);
    }
  }

  /** How an offered key shows in a failed login's row. */
  private static String offer(PublicKey key, CertificateCheck.Refused refused) {
    if (!(key instanceof OpenSshCertificate)) {
      return "plain key " + OpenSshKeys.fingerprint(key);
    }
    String of =
        refused.claimedIdentity() == null
            ? ""
            : " of " + VisibleText.fit(refused.claimedIdentity(), 64);
    return "certificate serial "
        + refused.claimedSerial()
        + of
        + " ("
        + refused.reason().code()
        + ")";
  }

  /** Whether this connection was told why a certificate was refused (see {@link RefusalNotice}). */
  static boolean toldWhy(ServerSession session) {
    return session.getAttribute(TOLD_WHY) != null;
  }

  /** One line to the user, before the login goes on or fails (an SSH banner). */
  static void tell(ServerSession session, String message) {
    try {
      Buffer banner = session.createBuffer(SshConstants.SSH_MSG_USERAUTH_BANNER);
      banner.putString("bastion: " + message + "\n");
      banner.putString("");
      session.writePacket(banner);
    } catch (IOException e) {
      LOG.debug("cannot tell {} why: {}", sourceText(session), e.toString());
    }
  }

  static InetAddress address(SocketAddress address) {
    return address instanceof InetSocketAddress inet ? inet.getAddress() : null;
  }

  static String sourceText(ServerSession session) {
    InetAddress address = address(session.getClientAddress());
    return address == null ? String.valueOf(session.getClientAddress()) : address.getHostAddress();
  }
}
