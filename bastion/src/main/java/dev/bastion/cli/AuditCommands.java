package dev.bastion.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.SessionRecord;
import dev.bastion.keys.TimeSpans;
import dev.bastion.logging.JsonEscapes;
import dev.bastion.recorder.VisibleText;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bastion sessions} and {@code bastion audit}: the audit database, for people and for
 * scripts.
 */
final class AuditCommands {
  private AuditCommands() {}

  /** JSON for scripts, every control character escaped ({@link JsonEscapes}). */
  static final ObjectMapper JSON =
      new ObjectMapper(new JsonFactory().setCharacterEscapes(new JsonEscapes()))
          .enable(SerializationFeature.INDENT_OUTPUT);

  @Command(
      name = "sessions",
      mixinStandardHelpOptions = true,
      description = "List sessions from the audit database, newest first.")
  static final class Sessions extends Subcommand {
    @Option(names = "--live", description = "Only sessions running now.")
    boolean live;

    @Option(names = "--json", description = "JSON array for scripts.")
    boolean json;

    @Option(
        names = "--limit",
        defaultValue = "100",
        description = "At most this many (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    protected void run() throws Exception {
      List<SessionRecord> sessions = AuditPlace.of(root()).reader().sessions(live, limit);
      if (json) {
        ArrayNode array = JSON.createArrayNode();
        for (SessionRecord s : sessions) {
          ObjectNode o = array.addObject();
          o.put("id", s.id());
          o.put("identity", s.identity());
          o.put("roles", String.join(",", s.roles()));
          o.put("target", s.target());
          o.put("login", s.login());
          o.put("kind", s.kind());
          o.put("command", s.command());
          o.put("source_address", s.sourceAddress());
          o.put("started_at", String.valueOf(s.startedAt()));
          o.put("ended_at", s.endedAt() == null ? null : s.endedAt().toString());
          o.put("state", s.state());
          if (s.exitStatus() == null) {
            o.putNull("exit_status");
          } else {
            o.put("exit_status", s.exitStatus());
          }
          o.put("exit_signal", s.exitSignal());
          o.put("bytes_in", s.bytesIn());
          o.put("bytes_out", s.bytesOut());
          o.put("end_reason", s.endReason());
          o.put("node", s.node());
        }
        out().println(JSON.writeValueAsString(array));
        return;
      }
      if (sessions.isEmpty()) {
        out().println(live ? "no live sessions" : "no sessions");
        return;
      }
      out()
          .printf(
              "%-32s  %-20s  %-24s  %-6s  %-11s  %-12s  %-9s  %s%n",
              "ID",
              "STARTED",
              "IDENTITY",
              "KIND",
              "STATE",
              "NODE",
              "DURATION",
              "LOGIN@TARGET / EXIT");
      for (SessionRecord s : sessions) {
        Instant end = s.endedAt() == null ? Instant.now() : s.endedAt();
        String exit =
            s.exitSignal() != null
                ? "signal " + s.exitSignal()
                : s.exitStatus() != null ? "exit " + s.exitStatus() : "";
        out()
            .printf(
                "%-32s  %-20s  %-24s  %-6s  %-11s  %-12s  %-9s  %s@%s %s%n",
                s.id(),
                s.startedAt().toString().substring(0, 19) + "Z",
                VisibleText.escape(s.identity()),
                s.kind(),
                s.state(),
                s.node() == null ? "-" : VisibleText.escape(s.node()),
                TimeSpans.describe(Duration.between(s.startedAt(), end)),
                VisibleText.escape(s.login()),
                VisibleText.escape(s.target()),
                VisibleText.escape(exit));
      }
    }
  }

  @Command(
      name = "audit",
      mixinStandardHelpOptions = true,
      description = "Print audit events, oldest first.")
  static final class Audit extends Subcommand {
    @Option(
        names = "--since",
        paramLabel = "T",
        description =
            "From this time (ISO-8601, e.g. 2026-11-21T12:00:00Z) or this long ago (e.g. 1h, 7d).")
    String since;

    @Option(names = "--identity", paramLabel = "ID", description = "Only events of this person.")
    String identity;

    @Option(names = "--json", description = "JSON array for scripts.")
    boolean json;

    @Option(
        names = "--limit",
        defaultValue = "1000",
        description = "At most this many, the newest (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    protected void run() throws Exception {
      Instant from = since == null ? null : parseSince(since);
      List<AuditEvent> events = AuditPlace.of(root()).reader().events(from, identity, limit);
      if (json) {
        ArrayNode array = JSON.createArrayNode();
        for (AuditEvent e : events) {
          ObjectNode o = array.addObject();
          o.put("at", e.at().toString());
          o.put("kind", e.kind().code());
          o.put("identity", e.identity());
          o.put("serial", e.serial());
          o.put("source_address", e.sourceAddress());
          o.put("session_id", e.sessionId());
          o.put("target", e.target());
          o.put("login", e.login());
          o.put("code", e.code());
          o.put("detail", e.detail());
          o.put("count", e.count());
        }
        out().println(JSON.writeValueAsString(array));
        return;
      }
      for (AuditEvent e : events) {
        StringBuilder line = new StringBuilder();
        line.append(e.at()).append("  ").append(e.kind().code());
        if (e.count() > 1) {
          line.append(" x").append(e.count());
        }
        append(line, "identity", e.identity());
        append(line, "from", e.sourceAddress());
        if (e.target() != null) {
          line.append("  ").append(VisibleText.escape(e.login() + "@" + e.target()));
        }
        append(line, "session", e.sessionId());
        append(line, "code", e.code());
        if (e.detail() != null) {
          line.append("  -- ").append(VisibleText.escape(e.detail()));
        }
        out().println(line);
      }
    }

    private static void append(StringBuilder line, String name, String value) {
      if (value != null) {
        line.append("  ").append(name).append('=').append(VisibleText.escape(value));
      }
    }

    static Instant parseSince(String text) {
      try {
        return Instant.parse(text);
      } catch (DateTimeParseException notAnInstant) {
        try {
          return Instant.now().minus(TimeSpans.parse(text));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "--since "
                  + text
                  + " is neither a time like 2026-11-21T12:00:00Z nor a duration like 1h");
        }
      }
    }
  }
}
