package dev.bastion.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AuditJsonTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void hostileDetailStaysOnOneLineAndReadsBack() throws Exception {
    String detail = "a\nforged\r\u001b[2J\u0000\u007f\u009b\u2028b\ud800c\uD83D\uDE00";
    AuditEvent event =
        new AuditEvent(
            Instant.parse("2026-11-30T08:00:00.123556Z"),
            AuditKind.SESSION_REFUSED,
            "mallory",
            null,
            "10.0.0.1",
            "s1",
            "web01",
            "root",
            "denied",
            detail);
    byte[] bytes = new AuditJson("node1").line(event);
    String line = new String(bytes, StandardCharsets.UTF_8);
    assertEquals(line.length() - 1, line.indexOf('\n'), line);
    assertEquals(
        -1,
        line.chars()
            .filter(c -> c < 0x20 && c != '\n' || c >= 0x7f && c <= 0x9f)
            .findAny()
            .orElse(-1),
        line);
    assertFalse(line.contains("\u2028"), line);
    JsonNode node = JSON.readTree(line);
    assertEquals(
        "a\nforged\r\u001b[2J\u0000\u007f\u009b\u2028b\uFFFDc\uD83D\uDE00",
        node.get("detail").asText());
    assertEquals("2026-11-30T08:00:00.124Z", node.get("time").asText());
    assertEquals("session_refused", node.get("kind").asText());
    assertEquals(1, node.get("version").asInt());
    assertEquals("node1", node.get("node").asText());
    assertEquals("10.0.0.1", node.get("source").asText());
    assertFalse(node.has("serial"), line);
  }
}
