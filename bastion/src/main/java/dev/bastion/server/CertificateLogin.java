package dev.bastion.server;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditLog;
import dev.bastion.keys.CertificateCheck;
import dev.bastion.keys.CertificateValidator;
import dev.bastion.keys.CertifiedUser;
import dev.bastion.keys.Refusal;
import dev.bastion.ssh.LoginAttributes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.PublicKey;
import java.time.Clock;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.SshConstants;
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
 * SSH banner, which {@code ssh} prints on stderr) and the full facts in the audit log.
 */
final class CertificateLogin extends UserAuthPublicKey {
  /** Whether this connection was already told why a key was refused (one line is enough). */
  private static final AttributeKey<Boolean> TOLD_WHY = new AttributeKey<>();

  private static final Logger LOG = LoggerFactory.getLogger(CertificateLogin.class);

  private static final org.apache.sshd.common.AttributeRepository.AttributeKey<Boolean>
      PLAIN_KEY_LOGGED = new org.apache.sshd.common.AttributeRepository.AttributeKey<>();

  private final CertificateValidator validator;
  private final AuditLog audit;
  private final Clock clock;
  private final LoginListener loggedIn;

  CertificateLogin(
      CertificateValidator validator, AuditLog audit, Clock clock, LoginListener loggedIn) {
    this.validator = validator;
    this.audit = audit;
    this.clock = clock;
    this.loggedIn = loggedIn;
  }

  /**
   * @param loggedIn told of each accepted login (the session may connect to its target ahead)
   */
  static UserAuthFactory factory(
      CertificateValidator validator, AuditLog audit, Clock clock, LoginListener loggedIn) {
    return new UserAuthFactory() {
      @Override
      public String getName() {
        return UserAuthPublicKey.NAME;
      }

      @Override
      public UserAuth createUserAuth(ServerSession session) {
        return new CertificateLogin(validator, audit, clock, loggedIn);
      }
    };
  }

  @Override
  public Boolean doAuth(Buffer buffer, boolean init) throws Exception {
    ServerSession session = getServerSession();
    int start = buffer.rpos();
    boolean hasSignature = buffer.getBoolean();
    buffer.getString();
    PublicKey key = buffer.getPublicKey();
    buffer.rpos(start);

    CertificateCheck check = validator.validate(key, address(session.getClientAddress()));
    if (check instanceof CertificateCheck.Refused refused) {
      refuse(session, refused, hasSignature);
      return Boolean.FALSE;
    }
    CertifiedUser user = ((CertificateCheck.Accepted) check).user();
    Boolean result = super.doAuth(buffer, init);
    if (Boolean.TRUE.equals(result)) {
      session.setAttribute(LoginAttributes.USER, user);
      audit.record(
          new AuditEvent(
              clock.instant(),
              AuditKind.LOGIN_ACCEPTED,
              user.identity(),
              user.serialText(),
              sourceText(session),
              null,
              null,
              null,
              null,
              "user "
                  + getUsername()
                  + ", principals "
                  + String.join(",", user.principals())
                  + ", CA "
                  + user.caFingerprint()
                  + ", key "
                  + user.keyFingerprint()));
      LOG.info(
          "login accepted: {} (serial {}) from {} as {}",
          user.identity(),
          user.serialText(),
          sourceText(session),
          getUsername());
      try {
        loggedIn.loggedIn(session, getUsername(), user);
      } catch (RuntimeException e) {
        LOG.warn("after the login of {}: {}", user.identity(), e.toString());
      }
    }
    return result;
  }

  private void refuse(ServerSession session, CertificateCheck.Refused refused, boolean hasSignature)
      throws IOException {
    if (refused.reason() == Refusal.NOT_A_CERTIFICATE
        && session.getAttribute(PLAIN_KEY_LOGGED) != null) {
      return;
    }
    if (refused.reason() == Refusal.NOT_A_CERTIFICATE) {
      session.setAttribute(PLAIN_KEY_LOGGED, Boolean.TRUE);
    }
    audit.record(
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
            refused.message()
                + " (user "
                + getUsername()
                + (hasSignature ? ", signed" : "")
                + ")"));
    LOG.info(
        "login refused from {} as {}: {}", sourceText(session), getUsername(), refused.message());
    // Clients offer plain keys before certificates (and agents hold many), so a plain key's
    // refusal is no reason to complain to the user; the audit log has it.
    if (refused.reason() != Refusal.NOT_A_CERTIFICATE && session.getAttribute(TOLD_WHY) == null) {
      session.setAttribute(TOLD_WHY, Boolean.TRUE);
      Buffer banner = session.createBuffer(SshConstants.SSH_MSG_USERAUTH_BANNER);
      banner.putString(
          "bastion: " + dev.bastion.recorder.VisibleText.escape(refused.message()) + "\n");
      banner.putString("");
      session.writePacket(banner);
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
