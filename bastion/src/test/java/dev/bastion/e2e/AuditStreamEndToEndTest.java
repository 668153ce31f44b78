package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditReader;
import dev.bastion.cli.CliRun;
import dev.bastion.testsupport.CommandResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code audit.json_lines}: a real session through the real ssh client leaves the same events in
 * the JSON stream as in the database, in the same order; a hostile command stays on one line; a
 * stream file moved away is followed by a new one.
 */
class AuditStreamEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  @Test
  void streamHoldsTheDatabaseEventsAndFollowsRotation() throws Exception {
    Path stream = dir.resolve("audit.jsonl");
    try (GatewayFixture gw =
        GatewayFixture.start(dir, "", "audit:\n  json_lines: " + stream + "\n")) {
      CommandResult run = gw.ssh(gw.onTarget(), null, "echo 'x\n\u001b[31my'");
      assertEquals(0, run.exitCode(), run.toString());
      List<String> first = awaitSame(gw, List.of(stream), 1);
      assertTrue(first.stream().anyMatch(r -> r.startsWith("session_started|")), first.toString());
      JsonNode started =
          lines(stream).stream()
              .filter(l -> l.get("kind").asText().equals("session_started"))
              .findFirst()
              .orElseThrow();
      assertTrue(
          started.get("detail").asText().endsWith("command: echo 'x\n\u001b[31my'"),
          started.toString());

      Path moved = dir.resolve("audit.jsonl.1");
      Files.move(stream, moved);
      CommandResult again = gw.ssh(gw.onTarget(), null, "true");
      assertEquals(0, again.exitCode(), again.toString());
      List<String> all = awaitSame(gw, List.of(moved, stream), 2);
      assertEquals(first, rows(lines(moved)));
      List<String> after = rows(lines(stream));
      assertEquals(all.subList(first.size(), all.size()), after);
      assertTrue(after.stream().anyMatch(r -> r.startsWith("session_started|")), after.toString());
    }
  }

  @Test
  void unwritableStreamIsAStartUpErrorNamingTheKey() throws Exception {
    Files.writeString(dir.resolve("plain"), "");
    Path config = dir.resolve("bastion.yaml");
    Files.writeString(
        config,
        "ssh:\n  listen: 127.0.0.1:0\nweb:\n  listen: 127.0.0.1:0\n"
            + "audit:\n  json_lines: plain/audit.jsonl\n");
    CliRun run = CliRun.of(dir.resolve("data"), "--config", config.toString(), "serve");
    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(
        run.stderr().startsWith("bastion: audit.json_lines: cannot open " + dir.resolve("plain")),
        run.stderr());
  }

  /**
   * Waits until the database holds {@code sessions} ended sessions and the stream files together
   * hold the same events; returns them as rows.
   */
  private static List<String> awaitSame(GatewayFixture gw, List<Path> files, int sessions)
      throws Exception {
    AuditReader reader = new AuditReader(gw.bastion.database());
    List<String> database = List.of();
    List<String> streamed = List.of();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      List<AuditEvent> events = reader.events(null, null, 1000);
      database = events.stream().map(AuditStreamEndToEndTest::row).toList();
      List<JsonNode> lines = new ArrayList<>();
      for (Path file : files) {
        lines.addAll(lines(file));
      }
      streamed = rows(lines);
      long ended = database.stream().filter(r -> r.startsWith("session_ended|")).count();
      if (ended == sessions && database.equals(streamed)) {
        for (int i = 0; i < events.size(); i++) {
          assertEquals(events.get(i).at(), Instant.parse(lines.get(i).get("time").asText()));
        }
        return database;
      }
      Thread.sleep(50);
    }
    assertEquals(database, streamed);
    throw new AssertionError("expected " + sessions + " ended sessions: " + database);
  }

  /** Every line of the file, each parsed as one JSON object. */
  private static List<JsonNode> lines(Path file) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    if (!Files.exists(file)) {
      return out;
    }
    String text = Files.readString(file);
    // A line still being written is read on the next round.
    for (String line : text.substring(0, text.lastIndexOf('\n') + 1).lines().toList()) {
      JsonNode node = JSON.readTree(line);
      assertTrue(node.isObject(), line);
      assertEquals(1, node.get("version").asInt(), line);
      out.add(node);
    }
    return out;
  }

  static List<String> rows(List<JsonNode> lines) {
    return lines.stream()
        .map(
            l ->
                String.join(
                    "|",
                    text(l, "kind"),
                    text(l, "identity"),
                    text(l, "source"),
                    text(l, "session_id"),
                    text(l, "target"),
                    text(l, "login"),
                    text(l, "code"),
                    text(l, "detail"),
                    text(l, "count")))
        .toList();
  }

  private static String text(JsonNode line, String field) {
    return line.has(field) ? line.get(field).asText() : "-";
  }

  static String row(AuditEvent e) {
    return String.join(
        "|",
        e.kind().code(),
        orDash(e.identity()),
        orDash(e.sourceAddress()),
        orDash(e.sessionId()),
        orDash(e.target()),
        orDash(e.login()),
        orDash(e.code()),
        orDash(e.detail()),
        Long.toString(e.count()));
  }

  private static String orDash(String value) {
    return value == null ? "-" : value;
  }
}
