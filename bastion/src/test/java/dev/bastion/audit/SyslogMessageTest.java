package dev.bastion.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The RFC 5424 form of an audit event, byte by byte. */
class SyslogMessageTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant AT = Instant.parse("2026-11-30T12:34:56.789400Z");

  @Test
  void headerThenBomThenTheJsonLinesObject() {
    AuditJson json = new AuditJson("bastion-1");
    AuditEvent event = event(AuditKind.LOGIN_REFUSED, "bad key");
    byte[] message = new SyslogMessage(json, 10, 4242, 8192).of(event);
    String text = new String(message, StandardCharsets.UTF_8);
    assertEquals(
        "<84>1 2026-11-30T12:34:56.789Z bastion-1 bastion 4242 login_refused - \uFEFF"
            + new String(json.object(event), StandardCharsets.UTF_8),
        text);
    assertTrue(
        new String(new SyslogMessage(json, 10, 1, 8192).of(event(AuditKind.SESSION_STARTED, "x")))
            .startsWith("<85>1 "),
        "notice for the rest");
  }

  @Test
  void headerFieldsHoldOnlyPrintableAsciiAndNilWhenEmpty() {
    assertEquals("-", SyslogMessage.field("", 255));
    assertEquals("-", SyslogMessage.field(null, 255));
    assertEquals("n_d_e__x", SyslogMessage.field("n d\u001be\u00e9\nx", 255));
    assertEquals("abc", SyslogMessage.field("abcdef", 3));
    String header =
        new String(
            new SyslogMessage(new AuditJson("evil host\nname"), 10, 1, 8192)
                .of(event(AuditKind.SESSION_ENDED, null)),
            StandardCharsets.UTF_8);
    assertTrue(header.startsWith("<85>1 2026-11-30T12:34:56.789Z evil_host_name bastion "), header);
  }

  @Test
  void longDetailIsShortenedSoTheJsonStaysWhole() throws Exception {
    String detail = "\u00e9\u001b".repeat(10_000);
    byte[] message =
        new SyslogMessage(new AuditJson("n"), 10, 1, 8192)
            .of(event(AuditKind.SESSION_STARTED, detail));
    assertTrue(message.length <= 8192, Integer.toString(message.length));
    String text = new String(message, StandardCharsets.UTF_8);
    JsonNode json = JSON.readTree(text.substring(text.indexOf('\uFEFF') + 1));
    String shortened = json.get("detail").asText();
    assertTrue(shortened.endsWith(SyslogMessage.CUT), shortened);
    assertTrue(detail.startsWith(shortened.substring(0, shortened.length() - 6)));
    assertEquals("alice", json.get("identity").asText());
  }

  private static AuditEvent event(AuditKind kind, String detail) {
    return new AuditEvent(AT, kind, "alice", null, "10.0.0.9", null, null, null, null, detail);
  }
}
