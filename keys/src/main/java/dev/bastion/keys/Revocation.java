package dev.bastion.keys;

import java.time.Instant;

/** One revocation: every certificate with this serial, or every certificate of this identity. */
public record Revocation(Kind kind, String value, Instant revokedAt) {
  public enum Kind {
    SERIAL,
    IDENTITY;

    String token() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public static Revocation serial(long serial, Instant at) {
    return new Revocation(Kind.SERIAL, Long.toUnsignedString(serial), at);
  }

  public static Revocation identity(String identity, Instant at) {
    return new Revocation(Kind.IDENTITY, identity, at);
  }

  /** Human form: {@code serial 1234} or {@code identity "alice@example.com"}. */
  public String describe() {
    return kind == Kind.SERIAL ? "serial " + value : "identity \"" + value + "\"";
  }
}
