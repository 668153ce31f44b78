package dev.bastion.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
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

  final MovableClock clock = new MovableClock();
  final Vertx vertx = Vertx.vertx();
  final LoginTokens tokens = new LoginTokens(vertx, clock);

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  String issue(String identity, Set<WebRight> rights, Instant certificateExpiry) {
    return tokens.issue(identity, rights, certificateExpiry).await();
  }

  Optional<WebUser> redeem(String token) {
    return tokens.redeem(token).await();
  }

  @Test
  void aTokenWorksOnceWithinSixtySeconds() {
    String token = issue("alice", Set.of(WebRight.SHADOW), clock.now.plus(Duration.ofHours(2)));
    clock.now = clock.now.plusSeconds(59);
    WebUser user = redeem(token).orElseThrow();
    assertEquals("alice", user.identity());
    assertEquals(Set.of(WebRight.SHADOW), user.rights());
    assertTrue(redeem(token).isEmpty(), "replayed token must fail");
  }

  @Test
  void anExpiredTokenIsRefused() {
    String token = issue("alice", Set.of(), clock.now.plus(Duration.ofHours(2)));
    clock.now = clock.now.plusSeconds(61);
    assertTrue(redeem(token).isEmpty());
    assertTrue(redeem("made-up").isEmpty());
    assertTrue(redeem(null).isEmpty());
  }

  @Test
  void theWebSessionEndsWithTheCertificateAndNeverLaterThanEightHours() {
    Instant certEnd = clock.now.plus(Duration.ofHours(3));
    assertEquals(certEnd, redeem(issue("a", Set.of(), certEnd)).orElseThrow().expiresAt());
    Instant far = clock.now.plus(Duration.ofDays(30));
    assertEquals(
        clock.now.plus(Duration.ofHours(8)),
        redeem(issue("a", Set.of(), far)).orElseThrow().expiresAt());
  }

  @Test
  void theFleetKeepsHashesOfTokensNotTheTokens() {
    String token = issue("alice", Set.of(), clock.now.plus(Duration.ofHours(2)));
    Map<String, JsonObject> held = new FleetMap(vertx, LoginTokens.MAP).entries().await();
    assertEquals(Set.of(new FleetMap(vertx, LoginTokens.MAP).key(token)), held.keySet());
    assertTrue(!held.toString().contains(token), held.toString());
    assertEquals("alice", redeem(token).orElseThrow().identity());
  }
}
