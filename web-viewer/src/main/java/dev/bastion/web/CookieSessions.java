package dev.bastion.web;

import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Logged-in browsers: the session cookie's random value and who it stands for. A session ends at
 * logout, when it expires (with the certificate, after 8 hours at most), or when the certificate is
 * revoked; expired ones are swept, not only refused.
 */
final class CookieSessions {
  static final String COOKIE = "bastion_session";

  private final Map<String, WebUser> sessions = new ConcurrentHashMap<>();
  private final Clock clock;
  private final boolean secure;

  CookieSessions(Clock clock, boolean secure) {
    this.clock = clock;
    this.secure = secure;
  }

  /** Starts a session for {@code user}; the cookie to set lasts as long as the session. */
  Cookie start(WebUser user) {
    String id = LoginTokens.random();
    sessions.put(id, user);
    long seconds =
        Math.max(1, user.expiresAt().getEpochSecond() - clock.instant().getEpochSecond());
    return cookie(id).setMaxAge(seconds);
  }

  /** Who the cookie value stands for, if the session is still on. */
  Optional<WebUser> user(Cookie cookie) {
    if (cookie == null) {
      return Optional.empty();
    }
    WebUser user = sessions.get(cookie.getValue());
    if (user != null && user.expiresAt().isBefore(clock.instant())) {
      sessions.remove(cookie.getValue());
      return Optional.empty();
    }
    return Optional.ofNullable(user);
  }

  /** Ends the session of this cookie (if any); the cookie to set removes it from the browser. */
  Cookie end(Cookie cookie) {
    if (cookie != null) {
      sessions.remove(cookie.getValue());
    }
    return cookie("").setMaxAge(0);
  }

  /** Ends the sessions of the users {@code which} matches (revoked certificates); how many. */
  int endWhere(Predicate<WebUser> which) {
    int ended = 0;
    for (var entry : sessions.entrySet()) {
      if (which.test(entry.getValue()) && sessions.remove(entry.getKey()) != null) {
        ended++;
      }
    }
    return ended;
  }

  /** Drops expired sessions, used or not. */
  void sweep() {
    Instant now = clock.instant();
    sessions.values().removeIf(user -> user.expiresAt().isBefore(now));
  }

  int size() {
    return sessions.size();
  }

  private Cookie cookie(String value) {
    return Cookie.cookie(COOKIE, value)
        .setPath("/")
        .setHttpOnly(true)
        .setSameSite(CookieSameSite.STRICT)
        .setSecure(secure);
  }
}
