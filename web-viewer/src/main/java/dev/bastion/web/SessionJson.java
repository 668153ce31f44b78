package dev.bastion.web;

import java.util.LinkedHashMap;
import java.util.Map;

/** A session as the JSON API shows it (sessions, recordings). */
final class SessionJson {
  private SessionJson() {}

  static Map<String, Object> of(SessionView s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", s.id());
    m.put("identity", s.identity());
    m.put("target", s.target());
    m.put("login", s.login());
    m.put("kind", s.kind());
    m.put("command", s.command());
    m.put("started_at", s.startedAt() == null ? null : s.startedAt().toString());
    m.put("ended_at", s.endedAt() == null ? null : s.endedAt().toString());
    m.put("state", s.state());
    m.put("exit_status", s.exitStatus());
    m.put("end_reason", s.endReason());
    m.put("recorded", s.recorded());
    m.put("recording_format", s.recordingFormat());
    m.put("viewers", s.viewers());
    m.put("node", s.node());
    m.put(
        "recording_removed_at",
        s.recordingRemovedAt() == null ? null : s.recordingRemovedAt().toString());
    if (s.approval() != null) {
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("state", s.approval().state());
      a.put("needed", s.approval().needed());
      a.put("from", s.approval().from());
      a.put("approvers", s.approval().approvers());
      a.put("since", s.approval().since().toString());
      m.put("approval", a);
    }
    return m;
  }
}
