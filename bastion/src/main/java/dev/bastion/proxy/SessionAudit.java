package dev.bastion.proxy;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditLog;
import dev.bastion.audit.SessionRecord;
import dev.bastion.config.BastionConfig;
import dev.bastion.policy.Grant;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/** Every audit row one session writes: who, what, where and why, in one place. */
final class SessionAudit {
  private final AuditLog log;
  private final Clock clock;
  private final String id;
  private final Grant grant;
  private final SessionKind kind;
  private final String command;
  private final String source;

  SessionAudit(
      AuditLog log,
      Clock clock,
      String id,
      Grant grant,
      SessionKind kind,
      String command,
      String source) {
    this.log = log;
    this.clock = clock;
    this.id = id;
    this.grant = grant;
    this.kind = kind;
    this.command = command;
    this.source = source;
  }

  /** The session's row (state live); no session may start before it is written. */
  CompletableFuture<Void> sessionRow(Instant startedAt, String recordingPath) {
    return log.sessionStarted(
        new SessionRecord(
            id,
            grant.identity(),
            grant.roles(),
            grant.target().name(),
            grant.login(),
            kind.code(),
            command,
            source,
            startedAt,
            null,
            SessionRecord.LIVE,
            null,
            null,
            0,
            0,
            null,
            recordingPath,
            null,
            null,
            log.node()));
  }

  void started(Instant startedAt) {
    log.record(
        event(
            startedAt,
            AuditKind.SESSION_STARTED,
            Long.toUnsignedString(grant.serial()),
            kind.code(),
            "roles "
                + String.join(",", grant.roles())
                + (command == null ? "" : ", command: " + command)));
  }

  void refused(String code, String message) {
    log.record(event(clock.instant(), AuditKind.SESSION_REFUSED, null, code, message));
  }

  void ended(SessionEnd end, long bytesIn, long bytesOut) {
    Instant now = clock.instant();
    log.sessionEnded(id, now, end.status(), end.signal(), bytesIn, bytesOut, end.reason());
    log.record(
        event(
            now,
            AuditKind.SESSION_ENDED,
            null,
            end.code(),
            end.reason()
                + (end.status() != null ? ", exit status " + end.status() : "")
                + (end.signal() != null ? ", signal " + end.signal() : "")
                + ", "
                + bytesIn
                + " bytes in, "
                + bytesOut
                + " bytes out"));
  }

  void recordingProblem(BastionConfig.RecordingMode mode, String problem) {
    log.record(
        event(
            clock.instant(),
            AuditKind.RECORDING_FAILED,
            null,
            mode.name().toLowerCase(Locale.ROOT),
            problem));
  }

  /** One row per file operation of an sftp (or scp) session; the bytes are not recorded. */
  void fileOperation(String operation, String detail) {
    log.record(event(clock.instant(), AuditKind.FILE_OPERATION, null, operation, detail));
  }

  void fourEyes(AuditKind what, String detail) {
    log.record(event(clock.instant(), what, null, "four_eyes", detail));
  }

  private AuditEvent event(Instant at, AuditKind what, String serial, String code, String detail) {
    return new AuditEvent(
        at,
        what,
        grant.identity(),
        serial,
        source,
        id,
        grant.target().name(),
        grant.login(),
        code,
        detail);
  }
}
