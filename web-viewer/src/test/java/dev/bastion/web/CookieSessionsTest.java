package dev.bastion.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.http.Cookie;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CookieSessionsTest {
  final LoginTokensTest.MovableClock clock = new LoginTokensTest.MovableClock();
  final CookieSessions sessions = new CookieSessions(clock, true);

  WebUser user(String identity, long seconds) {
    return new WebUser(identity, "7", Set.of(), Set.of(), clock.now.plusSeconds(seconds));
  }

  @Test
  void aCookieStandsForItsUserUntilItExpires() {
    Cookie cookie = sessions.start(user("alice", 600));
    assertEquals(600, cookie.getMaxAge());
    assertTrue(cookie.isHttpOnly() && cookie.isSecure());
    assertEquals("alice", sessions.user(cookie).orElseThrow().identity());
    clock.now = clock.now.plusSeconds(601);
    assertTrue(sessions.user(cookie).isEmpty());
    assertEquals(0, sessions.size(), "an expired session found in use is dropped");
  }

  @Test
  void expiredSessionsAreSweptEvenIfNeverUsedAgain() {
    sessions.start(user("alice", 60));
    sessions.start(user("bob", 6000));
    clock.now = clock.now.plusSeconds(61);
    sessions.sweep();
    assertEquals(1, sessions.size());
  }

  @Test
  void logoutEndsTheSessionAndClearsTheCookie() {
    Cookie cookie = sessions.start(user("alice", 600));
    Cookie cleared = sessions.end(cookie);
    assertEquals(0, cleared.getMaxAge());
    assertTrue(sessions.user(cookie).isEmpty());
  }

  @Test
  void revocationEndsTheSessionsOfTheMatchingUsersOnly() {
    Cookie alice = sessions.start(user("alice", 600));
    sessions.start(user("alice", 600));
    Cookie bob = sessions.start(user("bob", 600));
    assertEquals(2, sessions.endWhere(u -> u.identity().equals("alice")));
    assertTrue(sessions.user(alice).isEmpty());
    assertEquals("bob", sessions.user(bob).orElseThrow().identity());
  }

  @Test
  void unknownCookiesStandForNobody() {
    assertTrue(sessions.user(Cookie.cookie(CookieSessions.COOKIE, "forged")).isEmpty());
    assertTrue(sessions.user(null).isEmpty());
  }
}
