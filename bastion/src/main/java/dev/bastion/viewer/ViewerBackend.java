package dev.bastion.viewer;

import dev.bastion.approval.ApprovalGate;
import dev.bastion.approval.Approvals;
import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditLog;
import dev.bastion.audit.AuditReader;
import dev.bastion.audit.SessionRecord;
import dev.bastion.proxy.LiveSessions;
import dev.bastion.recorder.LiveHub;
import dev.bastion.recorder.RecordingFormat;
import dev.bastion.web.BastionBackend;
import dev.bastion.web.SessionView;
import dev.bastion.web.WebUser;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The bastion as the web viewer sees it: sessions from the audit database, live ones from memory.
 */
public final class ViewerBackend implements BastionBackend {
  private final Path dataDir;
  private final AuditReader reader;
  private final AuditLog audit;
  private final LiveSessions live;
  private final LiveHub hub;
  private final Approvals approvals;
  private final Clock clock;

  public ViewerBackend(
      Path dataDir,
      AuditReader reader,
      AuditLog audit,
      LiveSessions live,
      LiveHub hub,
      Approvals approvals,
      Clock clock) {
    this.approvals = approvals;
    this.dataDir = dataDir;
    this.reader = reader;
    this.audit = audit;
    this.live = live;
    this.hub = hub;
    this.clock = clock;
  }

  @Override
  public List<SessionView> sessions(String state, int limit) {
    List<SessionRecord> records =
        state == null ? reader.sessions(false, limit) : reader.sessionsInState(state, limit);
    return records.stream().map(this::view).toList();
  }

  @Override
  public Optional<SessionView> session(String id) {
    return reader.session(id).map(this::view);
  }

  private SessionView view(SessionRecord s) {
    boolean recorded =
        s.recordingPath() != null
            && (SessionRecord.LIVE.equals(s.state()) || s.recordingSha256() != null);
    return new SessionView(
        s.id(),
        s.identity(),
        s.target(),
        s.login(),
        s.kind(),
        s.command(),
        s.startedAt(),
        s.endedAt(),
        s.state(),
        s.exitStatus(),
        s.endReason(),
        recorded,
        hub.viewers(s.id()),
        approvals
            .get(s.id())
            .map(
                g ->
                    new SessionView.Approval(
                        g.state().name().toLowerCase(java.util.Locale.ROOT),
                        g.policy().count(),
                        g.policy().from(),
                        g.approvers(),
                        g.since()))
            .orElse(null),
        s.recordingRemovedAt(),
        s.recordingPath() == null || !RecordingFormat.isRecording(Path.of(s.recordingPath()))
            ? null
            : RecordingFormat.of(Path.of(s.recordingPath())).label(),
        s.node());
  }

  @Override
  public boolean terminate(String id, String byIdentity, String reason) {
    return live.get(id)
        .map(
            session -> {
              audit.record(
                  new AuditEvent(
                      clock.instant(),
                      AuditKind.SESSION_TERMINATED,
                      byIdentity,
                      null,
                      null,
                      id,
                      session.grant().target().name(),
                      session.grant().login(),
                      "web",
                      "ended " + session.identity() + "'s session: " + reason));
              session.terminate("session terminated by " + byIdentity + ": " + reason);
              return true;
            })
        .orElse(false);
  }

  @Override
  public Optional<Path> recording(String id) {
    return reader
        .session(id)
        .filter(s -> s.recordingPath() != null)
        .map(s -> dataDir.resolve(s.recordingPath()).normalize())
        .filter(p -> p.startsWith(dataDir.resolve("recordings").normalize()));
  }

  @Override
  public List<Map<String, Object>> auditEvents(Instant since, String identity, int limit) {
    return reader.events(since, identity, limit).stream()
        .map(
            e -> {
              Map<String, Object> m = new LinkedHashMap<>();
              m.put("at", e.at().toString());
              m.put("kind", e.kind().code());
              m.put("identity", e.identity());
              m.put("serial", e.serial());
              m.put("source_address", e.sourceAddress());
              m.put("session_id", e.sessionId());
              m.put("target", e.target());
              m.put("login", e.login());
              m.put("code", e.code());
              m.put("detail", e.detail());
              m.put("count", e.count());
              return m;
            })
        .toList();
  }

  @Override
  public void audit(String kind, String identity, String sessionId, String detail) {
    audit.record(
        new AuditEvent(
            clock.instant(),
            AuditKind.of(kind),
            identity,
            null,
            null,
            sessionId,
            null,
            null,
            "web",
            detail));
  }

  @Override
  public void webLogin(WebUser user, String method, String detail) {
    audit
        .record(
            new AuditEvent(
                clock.instant(),
                AuditKind.WEB_LOGIN,
                user.identity(),
                user.serial(),
                null,
                null,
                null,
                null,
                method,
                detail))
        .join(); // off the event loop: no web session without its row
  }

  @Override
  public void watchersChanged(String sessionId, List<WebUser> watching) {
    approvals
        .get(sessionId)
        .ifPresent(
            gate ->
                gate.watchers(
                    watching.stream()
                        .map(u -> new ApprovalGate.Watcher(u.identity(), u.roles()))
                        .toList()));
  }

  @Override
  public boolean decline(String sessionId, WebUser by, String reason) {
    return approvals.get(sessionId).map(gate -> gate.decline(by.identity(), reason)).orElse(false);
  }

  @Override
  public void marker(String sessionId, String text) {
    live.get(sessionId).ifPresent(session -> session.marker(text));
  }
}
