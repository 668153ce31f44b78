package dev.bastion.audit;

import java.util.Locale;

/**
 * What an audit row records. The database, the CLI and the web viewer show {@link #code()} (such as
 * {@code session_started}); the set is closed, so a new kind of event is added here and nowhere
 * spelled as a string.
 */
public enum AuditKind {
  SERVER_STARTED,
  SERVER_STOPPED,
  LOGIN_ACCEPTED,
  LOGIN_REFUSED,
  CONNECTION_CLOSED,
  /**
   * Closed before key exchange: the source address is throttled or has too many unauthenticated
   * connections.
   */
  CONNECTION_REFUSED,
  /**
   * Key exchange failed: the client offered no algorithm the bastion accepts (its identification
   * and offers in the detail; the code names what had nothing in common, such as {@code cipher}).
   */
  NEGOTIATION_FAILED,
  /** Refusals counted but not written one by one while the data directory's disk was low. */
  REFUSALS_DROPPED,
  SESSION_REFUSED,
  SESSION_STARTED,
  SESSION_ENDED,
  SESSION_INTERRUPTED,
  SESSION_TERMINATED,
  FILE_OPERATION,
  RECORDING_FAILED,
  RECORDING_REPLAYED,
  /**
   * A recording and its seal deleted by {@code recording.retention} (code {@code retention}); the
   * detail keeps the file, its size and its SHA-256, so the evidence outlives the bytes.
   */
  RECORDING_REMOVED,
  APPROVAL_REQUESTED,
  APPROVAL_GRANTED,
  APPROVAL_DECLINED,
  APPROVAL_EXPIRED,
  APPROVAL_CANCELLED,
  SESSION_PAUSED,
  SESSION_RESUMED,
  APPROVER_LEFT,
  WEB_LOGIN,
  WATCH_STARTED,
  WATCH_ENDED,
  WATCH_FAILED,
  /** A user certificate handed out after single sign-on ({@code ssh ... cert}). */
  CERTIFICATE_ISSUED,
  /**
   * Port forwarding asked for and refused ({@code ssh -L/-D/-R/-W/-J}); the target column holds the
   * destination.
   */
  FORWARDING_REFUSED;

  private final String code = name().toLowerCase(Locale.ROOT);

  /** The name stored in the database and shown to operators. */
  public String code() {
    return code;
  }

  /** The kind whose {@link #code()} this is. */
  public static AuditKind of(String code) {
    return valueOf(code.toUpperCase(Locale.ROOT));
  }

  @Override
  public String toString() {
    return code;
  }
}
