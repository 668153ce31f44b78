package dev.bastion.keys;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;

/**
 * One line of the revocation list: {@code kind TAB revoked-at TAB value}. Identities that a line
 * cannot hold as they are (control characters, or {@code %}) use kind {@code identity-escaped} with
 * those characters percent-encoded; lines of kind {@code identity} are read verbatim, as files
 * written before this format were.
 */
final class RevocationLine {
  static final String ESCAPED_IDENTITY = "identity-escaped";

  private RevocationLine() {}

  static String format(Revocation r) {
    String value = r.value();
    String kind = r.kind().token();
    if (r.kind() == Revocation.Kind.IDENTITY && needsEscape(value)) {
      kind = ESCAPED_IDENTITY;
      value = escape(value);
    }
    return kind + "\t" + r.revokedAt() + "\t" + value + "\n";
  }

  /** The revocation on this line; IllegalArgumentException names what is wrong. */
  static Revocation parse(String line) {
    String[] parts = line.split("\t", 3);
    if (parts.length != 3) {
      throw new IllegalArgumentException("expected kind, time and value separated by tabs");
    }
    Instant at = Instant.parse(parts[1]);
    if (parts[0].equals(ESCAPED_IDENTITY)) {
      return new Revocation(Revocation.Kind.IDENTITY, unescape(parts[2]), at);
    }
    Revocation.Kind kind = Revocation.Kind.valueOf(parts[0].toUpperCase(Locale.ROOT));
    if (kind == Revocation.Kind.SERIAL) {
      Long.parseUnsignedLong(parts[2]);
    }
    return new Revocation(kind, parts[2], at);
  }

  private static boolean needsEscape(String value) {
    return value.chars().anyMatch(RevocationLine::escaped);
  }

  private static boolean escaped(int c) {
    return c < 0x20 || c == 0x7f || c == '%' || c == 0x85 || c == 0x2028 || c == 0x2029;
  }

  private static String escape(String value) {
    StringBuilder out = new StringBuilder(value.length() + 8);
    value
        .codePoints()
        .forEach(
            c -> {
              if (!escaped(c)) {
                out.appendCodePoint(c);
                return;
              }
              for (byte b : new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8)) {
                out.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xff));
              }
            });
    return out.toString();
  }

  private static String unescape(String value) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(value.length());
    byte[] raw = value.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < raw.length; i++) {
      if (raw[i] != '%') {
        bytes.write(raw[i]);
        continue;
      }
      if (i + 2 >= raw.length) {
        throw new IllegalArgumentException("a % is not followed by two hex digits");
      }
      bytes.write(Integer.parseInt(new String(raw, i + 1, 2, StandardCharsets.US_ASCII), 16));
      i += 2;
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
