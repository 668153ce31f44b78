package dev.bastion.audit;

import java.time.Instant;

/** One row of the audit log. Fields that do not apply are null. */
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
    String detail) {}
