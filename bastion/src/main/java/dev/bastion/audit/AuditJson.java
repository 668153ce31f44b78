package dev.bastion.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.logging.JsonEscapes;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One audit event as one line of JSON. Every control character (newline, ESC, DEL, C1, bidi
 * controls) and the Unicode line separators are escaped ({@link JsonEscapes}) in strings, and text
 * that is not valid UTF-16 (a lone surrogate) is replaced by U+FFFD first, so a hostile detail can
 * neither break the line nor the UTF-8 of the stream. Null fields are left out.
 */
final class AuditJson {
  /** Raised when a field is added, renamed or changes meaning. */
  static final int VERSION = 1;

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final ObjectMapper JSON = new ObjectMapper();

  static {
    JSON.getFactory().setCharacterEscapes(new JsonEscapes());
  }

  private final String node;

  AuditJson(String node) {
    this.node = node;
  }

  /** The event's JSON object in UTF-8, ending with a newline. */
  byte[] line(AuditEvent event) {
    byte[] json = object(event);
    byte[] line = java.util.Arrays.copyOf(json, json.length + 1);
    line[json.length] = '\n';
    return line;
  }

  /** The event's time as written: UTC, rounded to the millisecond as the database stores it. */
  static String time(java.time.Instant at) {
    return TIME.format(at.plusNanos(500_000).truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
  }

  /** This node's name, as written in every event. */
  String node() {
    return node;
  }

  /** The event's JSON object in UTF-8, on one line without a newline. */
  byte[] object(AuditEvent event) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("version", VERSION);
    fields.put("time", time(event.at()));
    fields.put("node", clean(node));
    fields.put("kind", event.kind().code());
    fields.put("identity", clean(event.identity()));
    fields.put("serial", clean(event.serial()));
    fields.put("source", clean(event.sourceAddress()));
    fields.put("session_id", clean(event.sessionId()));
    fields.put("target", clean(event.target()));
    fields.put("login", clean(event.login()));
    fields.put("code", clean(event.code()));
    fields.put("detail", clean(event.detail()));
    fields.put("count", event.count());
    fields.values().removeIf(java.util.Objects::isNull);
    try {
      return JSON.writeValueAsBytes(fields);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("audit event not serializable: " + e.getMessage(), e);
    }
  }

  /** {@code text} with every unpaired surrogate replaced by U+FFFD. */
  static String clean(String text) {
    if (text == null) {
      return null;
    }
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean paired =
          Character.isHighSurrogate(c)
              ? i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))
              : !Character.isLowSurrogate(c)
                  || i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
      if (!paired && out == null) {
        out = new StringBuilder(text.length()).append(text, 0, i);
      }
      if (out != null) {
        out.append(paired ? c : '\uFFFD');
      }
    }
    return out == null ? text : out.toString();
  }
}
