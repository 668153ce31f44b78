package dev.bastion.web;

/**
 * Every decision about who may do what in the web viewer, in one place. Handlers ask here and
 * nowhere else. Everyone may see, watch, end and replay their own sessions; rights ({@link
 * WebRight}) extend that to other people's; approvers of a four-eyes session may see, watch, end
 * and decline it whatever their rights, but never approve their own.
 */
final class Access {
  private Access() {}

  private static boolean own(WebUser user, SessionView session) {
    return session.identity().equals(user.identity());
  }

  private static boolean live(SessionView session) {
    return "live".equals(session.state());
  }

  /**
   * Whether {@code user} approves this four-eyes session: holds one of its approver roles (the
   * configuration makes sure each has the approve right) and did not request it.
   */
  static boolean approves(WebUser user, SessionView session) {
    return session.approval() != null
        && !own(user, session)
        && user.roles().stream().anyMatch(session.approval().from()::contains);
  }

  /**
   * May see the session in lists and its details, and watch it live: their own; a live one they
   * approve or with shadow; an ended one with replay or shadow.
   */
  static boolean maySee(WebUser user, SessionView session) {
    if (own(user, session)) {
      return true;
    }
    if (live(session)) {
      return approves(user, session) || user.can(WebRight.SHADOW);
    }
    return user.can(WebRight.REPLAY) || user.can(WebRight.SHADOW);
  }

  /** May end the live session (once they may see it): their own, one they approve, or terminate. */
  static boolean mayTerminate(WebUser user, SessionView session) {
    return user.can(WebRight.TERMINATE) || own(user, session) || approves(user, session);
  }

  /** May decline the session's pending approval request: its approvers only. */
  static boolean mayDecline(WebUser user, SessionView session) {
    return approves(user, session);
  }

  /** May list, replay and download the session's recording: their own, or with replay. */
  static boolean mayReplay(WebUser user, SessionView session) {
    return user.can(WebRight.REPLAY) || own(user, session);
  }

  /** May read the audit log: with audit. */
  static boolean mayReadAudit(WebUser user) {
    return user.can(WebRight.AUDIT);
  }
}
