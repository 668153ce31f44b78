package dev.bastion.server;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditLog;
import dev.bastion.keys.CertifiedUser;
import dev.bastion.recorder.VisibleText;
import dev.bastion.ssh.LoginAttributes;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every accepted login does, by certificate or by single sign-on: the person goes on the
 * connection ({@link LoginAttributes#USER}), its {@code login_accepted} row is written with the
 * method in the code column, and only once that row is written may the connection start anything
 * ({@link LoginAttributes#LOGIN_AUDITED}) and is the {@link LoginListener} told.
 */
final class AcceptedLogins {
  private static final Logger LOG = LoggerFactory.getLogger(AcceptedLogins.class);

  private final AuditLog audit;
  private final Clock clock;
  private final LoginListener loggedIn;

  AcceptedLogins(AuditLog audit, Clock clock, LoginListener loggedIn) {
    this.audit = audit;
    this.clock = clock;
    this.loggedIn = loggedIn;
  }

  /**
   * Puts {@code user} on the connection and writes its row ({@code method}: {@code certificate} or
   * {@code oidc}); returns at once. {@code serial} is the audit row's serial (null for none).
   */
  void accept(
      ServerSession session,
      String userName,
      CertifiedUser user,
      String method,
      String serial,
      String detail) {
    session.setAttribute(LoginAttributes.USER, user);
    CompletableFuture<Void> audited = new CompletableFuture<>();
    session.setAttribute(LoginAttributes.LOGIN_AUDITED, audited);
    String shownName = VisibleText.fit(userName, CertificateLogin.USER_NAME_BOUND);
    audit
        .record(
            new AuditEvent(
                clock.instant(),
                AuditKind.LOGIN_ACCEPTED,
                user.identity(),
                serial,
                CertificateLogin.sourceText(session),
                null,
                null,
                null,
                method,
                "user " + shownName + ", " + detail))
        .whenComplete((ok, failure) -> written(session, userName, user, method, failure, audited));
  }

  /** On the audit writer's thread, once the login's row is written or has failed. */
  private void written(
      ServerSession session,
      String userName,
      CertifiedUser user,
      String method,
      Throwable failure,
      CompletableFuture<Void> audited) {
    String identity = VisibleText.fit(user.identity(), CertificateLogin.TEXT_BOUND);
    String source = CertificateLogin.sourceText(session);
    if (failure != null) {
      LOG.error(
          "login of {} from {}: its audit row cannot be written, so it may start nothing ({})",
          identity,
          source,
          VisibleText.fit(failure.getMessage(), CertificateLogin.TEXT_BOUND));
      audited.completeExceptionally(failure);
      return;
    }
    LOG.info(
        "login accepted ({}): {} (serial {}) from {} as {}",
        method,
        identity,
        user.serialText(),
        source,
        VisibleText.fit(userName, CertificateLogin.USER_NAME_BOUND));
    try {
      loggedIn.loggedIn(session, userName, user);
    } catch (RuntimeException e) {
      LOG.warn(
          "after the login of {}: {}",
          identity,
          VisibleText.fit(e.toString(), CertificateLogin.TEXT_BOUND));
    }
    audited.complete(null);
  }
}
