package dev.bastion.viewer;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditLog;
import dev.bastion.audit.AuditReader;
import dev.bastion.audit.SessionRecord;
import dev.bastion.live.FleetSessions;
import dev.bastion.recorder.RecordingFormat;
import dev.bastion.recorder.RecordingStore;
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
 * The bastion as the web viewer sees it: sessions from the audit database (every node writes the
 * same one), live ones asked of the node running them, wherever in the fleet ({@link
 * FleetSessions}).
 */
public final class ViewerBackend implements BastionBackend {
  private final RecordingStore recordings;
  private final AuditReader reader;
  private final AuditLog audit;
  private final FleetSessions live;
  private final Clock clock;

  public ViewerBackend(
      RecordingStore recordings,
      AuditReader reader,
      AuditLog audit,
      FleetSessions live,
      Clock clock) {
    this.recordings = recordings;
    this.reader = reader;
    this.audit = audit;
    this.live = live;
    this.clock = clock;
  }

  @Override
  public List<SessionView> sessions(String state, int limit) {
    List<SessionRecord> records =
        state == null ? reader.sessions(false, limit) : reader.sessionsInState(state, limit);
    Map<String, FleetSessions.Summary> summaries =
        live.summaries(
            records.stream()
                .filter(s -> SessionRecord.LIVE.equals(s.state()))
                .map(SessionRecord::id)
                .toList());
    return records.stream().map(s -> view(s, summaries.get(s.id()))).toList();
  }

  @Override
  public Optional<SessionView> session(String id) {
    return reader
        .session(id)
        .map(
            s ->
                view(
                    s,
                    SessionRecord.LIVE.equals(s.state())
                        ? live.summaries(List.of(id)).get(id)
                        : null));
  }

  /** {@code summary}: from the node running the session, null when it is not live there. */
  private SessionView view(SessionRecord s, FleetSessions.Summary summary) {
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
        summary == null ? 0 : summary.viewers(),
        summary == null ? null : summary.approval(),
        s.recordingRemovedAt(),
        s.recordingPath() == null || !RecordingFormat.isRecording(Path.of(s.recordingPath()))
            ? null
            : RecordingFormat.of(Path.of(s.recordingPath())).label(),
        s.node());
  }

  @Override
  public boolean terminate(String id, String byIdentity, String reason) {
    return live.terminate(id, byIdentity, reason);
  }

  @Override
  public Optional<Path> recording(String id) {
    return reader
        .session(id)
        .filter(s -> s.recordingPath() != null)
        .flatMap(s -> recordings.resolve(s.recordingPath()));
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
    live.watchers(sessionId, watching);
  }

  @Override
  public boolean decline(String sessionId, WebUser by, String reason) {
    return live.decline(sessionId, by.identity(), reason);
  }

  @Override
  public void marker(String sessionId, String text) {
    live.marker(sessionId, text);
  }
}
