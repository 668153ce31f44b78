package dev.bastion.audit;

import java.time.Instant;

/**
 * One row of the audit log. Fields that do not apply are null. {@code count} is 1 for a single
 * event and more for a row that stands for repeated refusals merged into one.
 */
public record AuditEvent(
    Instant at,
    AuditKind kind,
    String identity,
    String serial,
    String sourceAddress,
    String sessionId,
    String target,
    String login,
    String code,
    String detail,
    long count) {

  /** A single event (count 1). */
  public AuditEvent(
      Instant at,
      AuditKind kind,
      String identity,
      String serial,
      String sourceAddress,
      String sessionId,
      String target,
      String login,
      String code,
      String detail) {
    this(at, kind, identity, serial, sourceAddress, sessionId, target, login, code, detail, 1);
  }

  /** This event standing for {@code times} of its kind, with another detail. */
  public AuditEvent times(long times, String summary) {
    return new AuditEvent(
        at, kind, identity, serial, sourceAddress, sessionId, target, login, code, summary, times);
  }
}
