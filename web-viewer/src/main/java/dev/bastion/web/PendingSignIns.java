package dev.bastion.web;

import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Single sign-ins under way: each one waits here, server-side, until the browser comes back from
 * the provider, at most {@link #LIFETIME}, and at most {@code max} at a time (strangers cannot grow
 * the server by starting sign-ins). A short-lived cookie binds it to the browser that started it,
 * so a provider's answer only counts in that browser, once, and with the state it was sent with.
 */
final class PendingSignIns {
  static final String COOKIE = "bastion_signin";
  static final Duration LIFETIME = Duration.ofMinutes(10);
  static final int MAX = 1000;

  private record Waiting(SingleSignOn.SignIn signIn, Instant expires) {}

  /** What the browser brought back: the sign-in it finishes, or (null) why none. */
  record Taken(SingleSignOn.SignIn signIn, String problem) {}

  private final Map<String, Waiting> waiting = new ConcurrentHashMap<>();
  private final Clock clock;
  private final boolean secure;
  private final int max;

  PendingSignIns(Clock clock, boolean secure, int max) {
    this.clock = clock;
    this.secure = secure;
    this.max = max;
  }

  /** Whether no other sign-in may start now (expired ones are dropped first). */
  boolean full() {
    sweep();
    return waiting.size() >= max;
  }

  /**
   * Keeps {@code signIn} for the browser that gets the returned cookie; null (nothing kept) when
   * {@link #full()}.
   */
  synchronized Cookie keep(SingleSignOn.SignIn signIn) {
    if (full()) {
      return null;
    }
    String key = LoginTokens.random();
    waiting.put(key, new Waiting(signIn, clock.instant().plus(LIFETIME)));
    return cookie(key).setMaxAge(LIFETIME.toSeconds());
  }

  /**
   * The sign-in this browser ({@code cookie}) started, if {@code state} is the one it was sent
   * with; used up either way.
   */
  Taken take(Cookie cookie, String state) {
    if (cookie == null) {
      return new Taken(
          null,
          "This browser did not start this sign-in (or does not keep cookies): a sign-in must end"
              + " in the browser that began it.");
    }
    Waiting w = waiting.remove(cookie.getValue());
    if (w == null || w.expires().isBefore(clock.instant())) {
      return new Taken(
          null,
          "This sign-in is over: it was completed already, or it took longer than "
              + LIFETIME.toMinutes()
              + " minutes.");
    }
    if (state == null
        || !MessageDigest.isEqual(
            state.getBytes(StandardCharsets.UTF_8),
            w.signIn().state().getBytes(StandardCharsets.UTF_8))) {
      return new Taken(
          null,
          "This answer from the identity provider belongs to another sign-in (another browser or"
              + " tab, or an old link), so it was not accepted.");
    }
    return new Taken(w.signIn(), null);
  }

  /** The cookie that removes the binding from the browser. */
  Cookie clear() {
    return cookie("").setMaxAge(0);
  }

  /** Drops sign-ins that ran out of time. */
  void sweep() {
    Instant now = clock.instant();
    waiting.values().removeIf(w -> w.expires().isBefore(now));
  }

  int size() {
    return waiting.size();
  }

  private Cookie cookie(String value) {
    // Lax, not Strict: the browser comes back from the provider's site by a top-level GET.
    return Cookie.cookie(COOKIE, value)
        .setPath("/auth/")
        .setHttpOnly(true)
        .setSameSite(CookieSameSite.LAX)
        .setSecure(secure);
  }
}
