package dev.bastion.server;

import dev.bastion.audit.AuditEvent;
import dev.bastion.recorder.VisibleText;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.session.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a connection offered on its way to logging in. Clients try keys in turn (OpenSSH offers the
 * plain key before its certificate), so a refused key is not yet a failed login: only a connection
 * that closes without logging in leaves its {@code login_refused} row, one for the connection, with
 * the refusal it was told (a certificate's, else the plain key's) and everything it offered. A
 * refusal written on the spot (single sign-on's) settles the connection instead.
 */
final class FailedLogin {
  private static final Logger LOG = LoggerFactory.getLogger(FailedLogin.class);
  private static final AttributeKey<FailedLogin> ATTEMPT = new AttributeKey<>();

  /** Offers listed in the row; more are counted. */
  private static final int LISTED = 6;

  private final List<String> offers = new ArrayList<>();
  private int unlisted;
  private AuditEvent refusal;
  private boolean toldOne;
  private boolean settled;

  /**
   * Notes an offer refused as {@code event} would say; {@code told} whether the user was told this
   * refusal (a certificate's), which then becomes the row's reason.
   */
  static void offered(Session session, String offer, AuditEvent event, boolean told) {
    FailedLogin attempt = session.computeAttributeIfAbsent(ATTEMPT, k -> new FailedLogin());
    synchronized (attempt) {
      if (attempt.offers.contains(offer)) {
        // queried, then offered again
      } else if (attempt.offers.size() < LISTED) {
        attempt.offers.add(offer);
      } else {
        attempt.unlisted++;
      }
      if (attempt.refusal == null || (told && !attempt.toldOne)) {
        attempt.refusal = event;
        attempt.toldOne = told;
      }
    }
  }

  /** The connection's refusal was written on the spot: nothing more at its close. */
  static void settled(Session session) {
    FailedLogin attempt = session.computeAttributeIfAbsent(ATTEMPT, k -> new FailedLogin());
    synchronized (attempt) {
      attempt.settled = true;
    }
  }

  /** The connection closed without logging in: its one row, if it offered anything. */
  static void closedWithoutLogin(Session session, RefusalTally tally) {
    FailedLogin attempt = session.getAttribute(ATTEMPT);
    if (attempt == null) {
      return;
    }
    AuditEvent row;
    synchronized (attempt) {
      if (attempt.settled || attempt.refusal == null) {
        return;
      }
      attempt.settled = true;
      String offered =
          String.join(", ", attempt.offers)
              + (attempt.unlisted > 0 ? " and " + attempt.unlisted + " more" : "");
      AuditEvent r = attempt.refusal;
      row =
          new AuditEvent(
              r.at(),
              r.kind(),
              r.identity(),
              r.serial(),
              r.sourceAddress(),
              null,
              null,
              null,
              r.code(),
              r.detail() + "; offered: " + VisibleText.fit(offered, CertificateLogin.TEXT_BOUND));
    }
    if (tally.refused(row)) {
      LOG.info("login refused from {}: {}", row.sourceAddress(), row.detail());
    }
  }
}
