package dev.bastion.audit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Set;

/**
 * One audit event as an RFC 5424 message: {@code <PRI>1 TIMESTAMP HOSTNAME bastion PID KIND - BOM
 * JSON}, where JSON is exactly the object {@code audit.json_lines} writes. Header fields hold only
 * printable ASCII (anything else becomes {@code _}), are cut to their RFC lengths, and are {@code
 * -} when empty. A message longer than {@code maxBytes} has its {@code detail} shortened (ending in
 * {@value #CUT}) so that the JSON stays whole.
 */
final class SyslogMessage {
  static final String APP_NAME = "bastion";
  static final int WARNING = 4;
  static final int NOTICE = 5;
  static final String CUT = " [cut]";
  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  /** Refusals, failures, terminations, interruptions: severity warning; the rest is notice. */
  static final Set<AuditKind> WARNINGS =
      EnumSet.of(
          AuditKind.LOGIN_REFUSED,
          AuditKind.CONNECTION_REFUSED,
          AuditKind.NEGOTIATION_FAILED,
          AuditKind.REFUSALS_DROPPED,
          AuditKind.SESSION_REFUSED,
          AuditKind.SESSION_INTERRUPTED,
          AuditKind.SESSION_TERMINATED,
          AuditKind.RECORDING_FAILED,
          AuditKind.APPROVAL_DECLINED,
          AuditKind.APPROVAL_EXPIRED,
          AuditKind.WATCH_FAILED,
          AuditKind.FORWARDING_REFUSED);

  private final AuditJson json;
  private final int facility;
  private final String hostname;
  private final String procId;
  private final int maxBytes;

  SyslogMessage(AuditJson json, int facility, long pid, int maxBytes) {
    this.json = json;
    this.facility = facility;
    this.hostname = field(json.node(), 255);
    this.procId = field(Long.toString(pid), 128);
    this.maxBytes = maxBytes;
  }

  static int severity(AuditKind kind) {
    return WARNINGS.contains(kind) ? WARNING : NOTICE;
  }

  /** The whole message in bytes, at most {@code maxBytes}. */
  byte[] of(AuditEvent event) {
    String header =
        "<"
            + (facility * 8 + severity(event.kind()))
            + ">1 "
            + AuditJson.time(event.at())
            + " "
            + hostname
            + " "
            + APP_NAME
            + " "
            + procId
            + " "
            + field(event.kind().code(), 32)
            + " - ";
    byte[] head = header.getBytes(StandardCharsets.US_ASCII);
    byte[] body = json.object(event);
    int room = maxBytes - head.length - BOM.length;
    if (body.length > room && event.detail() != null) {
      String detail = event.detail();
      int keep = Math.max(0, detail.length() - (body.length - room) - CUT.length());
      if (keep > 0 && Character.isHighSurrogate(detail.charAt(keep - 1))) {
        keep--;
      }
      body = json.object(event.times(event.count(), detail.substring(0, keep) + CUT));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(head.length + BOM.length + body.length);
    out.writeBytes(head);
    out.writeBytes(BOM);
    // Still too long (other fields this large): cut on a UTF-8 character boundary.
    int length = Math.min(body.length, Math.max(0, room));
    while (length < body.length && length > 0 && (body[length] & 0xC0) == 0x80) {
      length--;
    }
    out.write(body, 0, length);
    return out.toByteArray();
  }

  /** An RFC 5424 header field: printable ASCII, at most {@code max} characters, or {@code -}. */
  static String field(String value, int max) {
    if (value == null || value.isEmpty()) {
      return "-";
    }
    StringBuilder out = new StringBuilder(Math.min(value.length(), max));
    for (int i = 0; i < value.length() && out.length() < max; i++) {
      char c = value.charAt(i);
      out.append(c >= 33 && c <= 126 ? c : '_');
    }
    return out.toString();
  }
}
