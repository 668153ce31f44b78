package dev.bastion.web;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Single sign-ins under way: each one waits here, server-side, until the browser comes back from
 * the provider, at most {@link #LIFETIME}, and at most {@code max} at a time in the whole fleet
 * (strangers cannot grow the bastion by starting sign-ins). They are shared by the fleet ({@link
 * FleetMap}), so the browser may come back to any node. A short-lived cookie binds each to the
 * browser that started it, so a provider's answer only counts in that browser, once, and with the
 * state it was sent with.
 */
final class PendingSignIns {
  static final String COOKIE = "bastion_signin";
  static final Duration LIFETIME = Duration.ofMinutes(10);
  static final int MAX = 1000;

  /** The fleet-wide map of sign-ins under way. */
  static final String MAP = "bastion.web.sign-ins";

  /**
   * What the browser brought back: the sign-in it finishes ({@link SingleSignOn#resume}), or why
   * none.
   */
  record Taken(JsonObject signIn, String problem) {}

  private final FleetMap waiting;
  private final Clock clock;
  private final boolean secure;
  private final int max;

  /**
   * Sign-ins this node is adding right now, counted against {@code max} before the map has them.
   */
  private final AtomicInteger adding = new AtomicInteger();

  PendingSignIns(Vertx vertx, Clock clock, boolean secure, int max) {
    this.waiting = new FleetMap(vertx, MAP);
    this.clock = clock;
    this.secure = secure;
    this.max = max;
  }

  /** Whether no other sign-in may start now (when it looks so, expired ones are dropped first). */
  Future<Boolean> full() {
    return atLeast(max);
  }

  /** Whether {@code count} or more sign-ins wait or are being added (sweeping if it looks so). */
  private Future<Boolean> atLeast(int count) {
    return waiting
        .size()
        .compose(
            size ->
                size + adding.get() < count
                    ? Future.succeededFuture(false)
                    : sweep()
                        .compose(ignored -> waiting.size())
                        .map(s -> s + adding.get() >= count));
  }

  /**
   * Keeps {@code signIn} ({@link SingleSignOn.SignIn#saved()}, with its {@code state}) for the
   * browser that gets the returned cookie; null (nothing kept) when {@link #full()}.
   */
  Future<Cookie> keep(String state, JsonObject signIn) {
    adding.incrementAndGet(); // counted from now on, so concurrent keeps on this node see it
    return atLeast(max + 1)
        .compose(
            full -> {
              if (full) {
                return Future.succeededFuture(null);
              }
              String key = LoginTokens.random();
              JsonObject entry =
                  new JsonObject()
                      .put("state", state)
                      .put("sign_in", signIn)
                      .put("expires_at", clock.instant().plus(LIFETIME).toString());
              return waiting
                  .put(key, entry, LIFETIME)
                  .map(ignored -> cookie(key).setMaxAge(LIFETIME.toSeconds()));
            })
        .andThen(ignored -> adding.decrementAndGet());
  }

  /**
   * The sign-in this browser ({@code cookie}) started, if {@code state} is the one it was sent
   * with; used up either way, on whichever node it comes back to.
   */
  Future<Taken> take(Cookie cookie, String state) {
    if (cookie == null) {
      return Future.succeededFuture(
          new Taken(
              null,
              "This browser did not start this sign-in (or does not keep cookies): a sign-in must"
                  + " end in the browser that began it."));
    }
    return waiting.take(cookie.getValue()).map(w -> check(w, state));
  }

  private Taken check(JsonObject w, String state) {
    if (w == null || Instant.parse(w.getString("expires_at")).isBefore(clock.instant())) {
      return new Taken(
          null,
          "This sign-in is over: it was completed already, or it took longer than "
              + LIFETIME.toMinutes()
              + " minutes.");
    }
    if (state == null
        || !MessageDigest.isEqual(
            state.getBytes(StandardCharsets.UTF_8),
            w.getString("state").getBytes(StandardCharsets.UTF_8))) {
      return new Taken(
          null,
          "This answer from the identity provider belongs to another sign-in (another browser or"
              + " tab, or an old link), so it was not accepted.");
    }
    return new Taken(w.getJsonObject("sign_in"), null);
  }

  /** The cookie that removes the binding from the browser. */
  Cookie clear() {
    return cookie("").setMaxAge(0);
  }

  /** Drops sign-ins that ran out of time (the map's time to live does it too). */
  Future<Void> sweep() {
    Instant now = clock.instant();
    return waiting
        .entries()
        .compose(
            all ->
                Future.all(
                        all.entrySet().stream()
                            .filter(
                                e ->
                                    Instant.parse(e.getValue().getString("expires_at"))
                                        .isBefore(now))
                            .map(e -> waiting.drop(e.getKey()))
                            .toList())
                    .mapEmpty());
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
