package dev.bastion.web;

import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Logging in and out: {@code GET /login?token=...} trades a one-time link for a session cookie
 * (single sign-on is {@link SignInApi}), {@code POST /logout} ends it, {@code GET /api/me} says who
 * is logged in with which rights.
 */
final class LoginApi {
  private final LoginTokens tokens;
  private final CookieSessions sessions;
  private final Authentication authentication;
  private final BastionBackend backend;

  LoginApi(
      LoginTokens tokens,
      CookieSessions sessions,
      Authentication authentication,
      BastionBackend backend) {
    this.tokens = tokens;
    this.sessions = sessions;
    this.authentication = authentication;
    this.backend = backend;
  }

  void login(RoutingContext ctx) {
    tokens
        .redeem(ctx.request().getParam("token"))
        .onSuccess(user -> login(ctx, user))
        .onFailure(e -> Reply.error(ctx, 503, "the login link cannot be checked now; try again"));
  }

  private void login(RoutingContext ctx, Optional<WebUser> user) {
    if (user.isEmpty()) {
      ctx.response()
          .setStatusCode(401)
          .putHeader("content-type", "text/plain; charset=utf-8")
          .end(
              "This login link is not valid: it was used already, expired (links last 60 seconds) or is wrong.\n"
                  + "Get a new one with: ssh -p PORT you@BASTION web-login\n");
      return;
    }
    // The web session starts only once its web_login row is written (audit waits for it here).
    Reply.offLoop(
        ctx,
        () -> {
          backend.webLogin(user.get(), "link", "web session until " + user.get().expiresAt());
          return null;
        },
        ignored ->
            sessions
                .start(user.get())
                .onSuccess(
                    cookie -> {
                      ctx.response().addCookie(cookie);
                      ctx.response().setStatusCode(303).putHeader("Location", "/").end();
                    })
                .onFailure(e -> Reply.error(ctx, 503, "the web session cannot be kept now")));
  }

  void logout(RoutingContext ctx) {
    if (!authentication.sameOrigin(ctx)) {
      Reply.error(ctx, 403, "cross-origin request refused");
      return;
    }
    sessions
        .end(ctx.request().getCookie(CookieSessions.COOKIE))
        .onSuccess(
            cleared -> {
              ctx.response().addCookie(cleared);
              ctx.response().setStatusCode(204).end();
            })
        .onFailure(e -> Reply.error(ctx, 503, "the web session cannot be ended now; try again"));
  }

  void me(RoutingContext ctx) {
    WebUser user = ctx.get(Authentication.USER);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("identity", user.identity());
    body.put("roles", user.roles().stream().sorted().toList());
    body.put("rights", user.rights().stream().map(WebRight::word).sorted().toList());
    body.put("expires_at", user.expiresAt().toString());
    Reply.json(ctx, 200, body);
  }
}
