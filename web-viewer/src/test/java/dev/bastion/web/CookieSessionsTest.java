package dev.bastion.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CookieSessionsTest {
  final LoginTokensTest.MovableClock clock = new LoginTokensTest.MovableClock();
  final Vertx vertx = Vertx.vertx();
  final CookieSessions sessions = new CookieSessions(vertx, clock, true);

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  WebUser user(String identity, long seconds) {
    return new WebUser(identity, "7", Set.of(), Set.of(), clock.now.plusSeconds(seconds));
  }

  Cookie start(WebUser user) {
    return sessions.start(user).await();
  }

  Optional<WebUser> userOf(Cookie cookie) {
    return sessions.user(cookie).await();
  }

  @Test
  void aCookieStandsForItsUserUntilItExpires() {
    Cookie cookie = start(user("alice", 600));
    assertEquals(600, cookie.getMaxAge());
    assertTrue(cookie.isHttpOnly() && cookie.isSecure());
    assertEquals("alice", userOf(cookie).orElseThrow().identity());
    clock.now = clock.now.plusSeconds(601);
    assertTrue(userOf(cookie).isEmpty());
    assertEquals(0, sessions.size().await(), "an expired session found in use is dropped");
  }

  @Test
  void expiredSessionsLeaveEvenIfNeverUsedAgain() throws Exception {
    start(user("alice", 1));
    start(user("bob", 6000));
    // The map drops alice's session by its time to live (one second), without anyone asking.
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (sessions.size().await() != 1 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(1, sessions.size().await());
  }

  @Test
  void logoutEndsTheSessionAndClearsTheCookie() {
    Cookie cookie = start(user("alice", 600));
    Cookie cleared = sessions.end(cookie).await();
    assertEquals(0, cleared.getMaxAge());
    assertTrue(userOf(cookie).isEmpty());
  }

  @Test
  void revocationEndsTheSessionsOfTheMatchingUsersOnly() {
    Cookie alice = start(user("alice", 600));
    start(user("alice", 600));
    Cookie bob = start(user("bob", 600));
    assertEquals(2, sessions.endWhere(u -> u.identity().equals("alice")).await());
    assertTrue(userOf(alice).isEmpty());
    assertEquals("bob", userOf(bob).orElseThrow().identity());
  }

  @Test
  void unknownCookiesStandForNobody() {
    assertTrue(userOf(Cookie.cookie(CookieSessions.COOKIE, "forged")).isEmpty());
    assertTrue(userOf(null).isEmpty());
  }

  @Test
  void theFleetKeepsHashesOfCookiesNotTheCookies() {
    Cookie cookie = start(user("alice", 600));
    var held = new FleetMap(vertx, CookieSessions.MAP).entries().await();
    assertEquals(
        Set.of(new FleetMap(vertx, CookieSessions.MAP).key(cookie.getValue())), held.keySet());
    assertTrue(!held.toString().contains(cookie.getValue()), held.toString());
  }

  @Test
  void anEntryWrittenByAStrangerToTheSharedMapIsNoSession() throws Exception {
    // Someone who reaches the cluster's maps copies a real session's value under a key made from a
    // cookie of their own, as SHA-256 of it (or any hash without the fleet's key).
    Cookie real = start(user("admin", 600));
    var held = new FleetMap(vertx, CookieSessions.MAP).entries().await();
    io.vertx.core.json.JsonObject value = held.values().iterator().next();
    String forged = "cookie-of-the-strangers-choosing";
    String unkeyed =
        java.util.Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                java.security.MessageDigest.getInstance("SHA-256")
                    .digest(forged.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    vertx
        .sharedData()
        .<String, io.vertx.core.json.JsonObject>getAsyncMap(CookieSessions.MAP)
        .await()
        .put(unkeyed, value)
        .await();
    assertTrue(userOf(Cookie.cookie(CookieSessions.COOKIE, forged)).isEmpty());
    assertEquals("admin", userOf(real).orElseThrow().identity());
  }

  @Test
  void nodesWithTheSameFleetKeyFindTheSameEntries() {
    Vertx other = Vertx.vertx();
    try {
      new FleetMap(vertx, CookieSessions.MAP); // makes this node's key if it had none
      Object key = vertx.sharedData().getLocalMap(FleetMap.KEY_HOLDER).get("key");
      other.sharedData().getLocalMap(FleetMap.KEY_HOLDER).put("key", key);
      assertEquals(
          new FleetMap(vertx, CookieSessions.MAP).key("c"),
          new FleetMap(other, CookieSessions.MAP).key("c"));
      Vertx stranger = Vertx.vertx();
      try {
        assertTrue(
            !new FleetMap(vertx, CookieSessions.MAP)
                .key("c")
                .equals(new FleetMap(stranger, CookieSessions.MAP).key("c")));
      } finally {
        stranger.close().await();
      }
    } finally {
      other.close().await();
    }
  }
}
