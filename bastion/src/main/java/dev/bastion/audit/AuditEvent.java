package dev.bastion.audit;

import java.time.Instant;

/** One row of the audit log. Fields that do not apply are null. */
public record AuditEvent(
    Instant at,
    String kind,
    String identity,
    String serial,
    String sourceAddress,
    String sessionId,
    String target,
    String login,
    String code,
    String detail) {

  public static final String LOGIN_ACCEPTED = "login_accepted";
  public static final String LOGIN_REFUSED = "login_refused";
  public static final String SESSION_REFUSED = "session_refused";
  public static final String SESSION_STARTED = "session_started";
  public static final String SESSION_ENDED = "session_ended";
  public static final String SESSION_INTERRUPTED = "session_interrupted";
  public static final String FILE_OPERATION = "file_operation";
  public static final String SERVER_STARTED = "server_started";
  public static final String SERVER_STOPPED = "server_stopped";
}
