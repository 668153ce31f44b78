package dev.bastion.web;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One-time login links: {@code ssh you@bastion web-login} issues a token bound to the identity and
 * rights of that certificate, valid for 60 seconds and one use; the browser trades it for a session
 * cookie that expires with the certificate, after 8 hours at most.
 */
public final class LoginTokens {
  public static final Duration TOKEN_LIFETIME = Duration.ofSeconds(60);
  public static final Duration MAX_SESSION = Duration.ofHours(8);

  private static final SecureRandom RANDOM = new SecureRandom();
  private final ConcurrentHashMap<String, Pending> tokens = new ConcurrentHashMap<>();
  private final Clock clock;

  private record Pending(WebUser user, Instant expires) {}

  public LoginTokens(Clock clock) {
    this.clock = clock;
  }

  /** A fresh token for this person; the web session it buys ends by {@code certificateExpiry}. */
  public String issue(String identity, java.util.Set<WebRight> rights, Instant certificateExpiry) {
    return issue(identity, null, java.util.Set.of(), rights, certificateExpiry);
  }

  /**
   * As {@link #issue(String, java.util.Set, Instant)}, also naming the certificate's serial (so a
   * revocation ends the web session too) and the roles (for approvals).
   */
  public String issue(
      String identity,
      String serial,
      java.util.Set<String> roles,
      java.util.Set<WebRight> rights,
      Instant certificateExpiry) {
    Instant now = clock.instant();
    tokens.values().removeIf(p -> p.expires().isBefore(now));
    Instant sessionEnd =
        certificateExpiry.isBefore(now.plus(MAX_SESSION))
            ? certificateExpiry
            : now.plus(MAX_SESSION);
    String token = random();
    tokens.put(
        token,
        new Pending(
            new WebUser(identity, serial, roles, rights, sessionEnd), now.plus(TOKEN_LIFETIME)));
    return token;
  }

  /** Trades a token for the user it was issued to, once, within its lifetime. */
  public Optional<WebUser> redeem(String token) {
    if (token == null) {
      return Optional.empty();
    }
    Pending pending = tokens.remove(token);
    if (pending == null || pending.expires().isBefore(clock.instant())) {
      return Optional.empty();
    }
    return Optional.of(pending.user());
  }

  static String random() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
