package dev.bastion.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoginTokensTest {
  static final class MovableClock extends Clock {
    volatile Instant now = Instant.parse("2026-11-21T12:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void aTokenWorksOnceWithinSixtySeconds() {
    MovableClock clock = new MovableClock();
    LoginTokens tokens = new LoginTokens(clock);
    String token =
        tokens.issue("alice", Set.of(WebRight.SHADOW), clock.now.plus(Duration.ofHours(2)));
    clock.now = clock.now.plusSeconds(59);
    WebUser user = tokens.redeem(token).orElseThrow();
    assertEquals("alice", user.identity());
    assertEquals(Set.of(WebRight.SHADOW), user.rights());
    assertTrue(tokens.redeem(token).isEmpty(), "replayed token must fail");
  }

  @Test
  void anExpiredTokenIsRefused() {
    MovableClock clock = new MovableClock();
    LoginTokens tokens = new LoginTokens(clock);
    String token = tokens.issue("alice", Set.of(), clock.now.plus(Duration.ofHours(2)));
    clock.now = clock.now.plusSeconds(61);
    assertTrue(tokens.redeem(token).isEmpty());
    assertTrue(tokens.redeem("made-up").isEmpty());
    assertTrue(tokens.redeem(null).isEmpty());
  }

  @Test
  void theWebSessionEndsWithTheCertificateAndNeverLaterThanEightHours() {
    MovableClock clock = new MovableClock();
    LoginTokens tokens = new LoginTokens(clock);
    Instant certEnd = clock.now.plus(Duration.ofHours(3));
    assertEquals(
        certEnd, tokens.redeem(tokens.issue("a", Set.of(), certEnd)).orElseThrow().expiresAt());
    Instant far = clock.now.plus(Duration.ofDays(30));
    assertEquals(
        clock.now.plus(Duration.ofHours(8)),
        tokens.redeem(tokens.issue("a", Set.of(), far)).orElseThrow().expiresAt());
  }
}
