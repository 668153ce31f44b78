package dev.bastion.web;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

/**
 * One-time login links: {@code ssh you@bastion web-login} issues a token bound to the identity and
 * rights of that certificate, valid for 60 seconds and one use; the browser trades it for a session
 * cookie that expires with the certificate, after 8 hours at most. The tokens waiting to be used
 * are shared by the fleet ({@link FleetMap}): a link printed by one node works on any node, once.
 */
public final class LoginTokens {
  public static final Duration TOKEN_LIFETIME = Duration.ofSeconds(60);
  public static final Duration MAX_SESSION = Duration.ofHours(8);

  /** The fleet-wide map of tokens waiting to be used. */
  static final String MAP = "bastion.web.login-links";

  private static final SecureRandom RANDOM = new SecureRandom();
  private final Vertx vertx;
  private final FleetMap tokens;
  private final Clock clock;

  public LoginTokens(Vertx vertx, Clock clock) {
    this.vertx = vertx;
    this.tokens = new FleetMap(vertx, MAP);
    this.clock = clock;
  }

  /** A fresh token for this person; the web session it buys ends by {@code certificateExpiry}. */
  public Future<String> issue(String identity, Set<WebRight> rights, Instant certificateExpiry) {
    return issue(identity, null, Set.of(), rights, certificateExpiry);
  }

  /**
   * As {@link #issue(String, Set, Instant)}, also naming the certificate's serial (so a revocation
   * ends the web session too) and the roles (for approvals). The token is usable once the returned
   * future completes.
   */
  public Future<String> issue(
      String identity,
      String serial,
      Set<String> roles,
      Set<WebRight> rights,
      Instant certificateExpiry) {
    Instant now = clock.instant();
    Instant sessionEnd =
        certificateExpiry.isBefore(now.plus(MAX_SESSION))
            ? certificateExpiry
            : now.plus(MAX_SESSION);
    String token = random();
    JsonObject pending =
        new JsonObject()
            .put("user", new WebUser(identity, serial, roles, rights, sessionEnd).json())
            .put("expires_at", now.plus(TOKEN_LIFETIME).toString());
    return tokens.put(token, pending, TOKEN_LIFETIME).map(token);
  }

  /**
   * Trades a token for the user it was issued to, once (on whichever node comes first), within its
   * lifetime.
   */
  public Future<Optional<WebUser>> redeem(String token) {
    if (token == null) {
      return Future.succeededFuture(Optional.empty());
    }
    return tokens
        .take(token)
        .map(
            pending ->
                pending == null
                        || Instant.parse(pending.getString("expires_at")).isBefore(clock.instant())
                    ? Optional.empty()
                    : Optional.of(WebUser.of(pending.getJsonObject("user"))));
  }

  /** The Vert.x whose shared data holds the tokens. */
  Vertx vertx() {
    return vertx;
  }

  static String random() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
