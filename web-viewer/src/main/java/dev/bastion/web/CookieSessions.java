package dev.bastion.web;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Logged-in browsers: the session cookie's random value and who it stands for, shared by the fleet
 * ({@link FleetMap}), so a cookie set by one node works on every node. A session ends at logout (on
 * any node), when it expires (with the certificate, after 8 hours at most; the map drops it by
 * itself then), or when the certificate is revoked.
 */
final class CookieSessions {
  static final String COOKIE = "bastion_session";

  /** The fleet-wide map of web sessions. */
  static final String MAP = "bastion.web.sessions";

  private final FleetMap sessions;
  private final Clock clock;
  private final boolean secure;

  CookieSessions(Vertx vertx, Clock clock, boolean secure) {
    this.sessions = new FleetMap(vertx, MAP);
    this.clock = clock;
    this.secure = secure;
  }

  /**
   * Starts a session for {@code user}; the cookie to set (once the fleet holds the session) lasts
   * as long as the session.
   */
  Future<Cookie> start(WebUser user) {
    String id = LoginTokens.random();
    Instant now = clock.instant();
    long seconds = Math.max(1, user.expiresAt().getEpochSecond() - now.getEpochSecond());
    return sessions
        .put(id, user.json(), Duration.between(now, user.expiresAt()))
        .map(ignored -> cookie(id).setMaxAge(seconds));
  }

  /** Who the cookie value stands for, if the session is still on. */
  Future<Optional<WebUser>> user(Cookie cookie) {
    if (cookie == null) {
      return Future.succeededFuture(Optional.empty());
    }
    return sessions
        .get(cookie.getValue())
        .compose(
            json -> {
              if (json == null) {
                return Future.succeededFuture(Optional.empty());
              }
              WebUser user = WebUser.of(json);
              if (user.expiresAt().isBefore(clock.instant())) {
                return sessions.take(cookie.getValue()).map(Optional.empty());
              }
              return Future.succeededFuture(Optional.of(user));
            });
  }

  /**
   * Ends the session of this cookie (if any) for the whole fleet; the cookie to set removes it from
   * the browser.
   */
  Future<Cookie> end(Cookie cookie) {
    Future<JsonObject> ended =
        cookie == null ? Future.succeededFuture() : sessions.take(cookie.getValue());
    return ended.map(ignored -> cookie("").setMaxAge(0));
  }

  Future<Integer> size() {
    return sessions.size();
  }

  /**
   * Ends the sessions, started on any node, of the users {@code which} matches (revoked
   * certificates); how many. Reads every session of the fleet: meant for a sweep a second.
   */
  Future<Integer> endWhere(Predicate<WebUser> which) {
    return sessions
        .entries()
        .compose(
            all -> {
              List<Future<Boolean>> removals =
                  all.entrySet().stream()
                      .filter(e -> which.test(WebUser.of(e.getValue())))
                      .map(Map.Entry::getKey)
                      .map(sessions::drop)
                      .toList();
              return Future.all(removals)
                  .map(
                      done ->
                          (int)
                              removals.stream()
                                  .filter(f -> Boolean.TRUE.equals(f.result()))
                                  .count());
            });
  }

  private Cookie cookie(String value) {
    return Cookie.cookie(COOKIE, value)
        .setPath("/")
        .setHttpOnly(true)
        .setSameSite(CookieSameSite.STRICT)
        .setSecure(secure);
  }
}
