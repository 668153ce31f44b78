package dev.bastion.web;

import io.vertx.ext.web.RoutingContext;

/**
 * The check before every API call: a live session cookie (401 without one), and for state-changing
 * calls this site's Origin and a JSON body (403 otherwise), which keeps other sites' forms and
 * scripts out. The user is then in the context under {@link #USER}.
 */
final class Authentication {
  static final String USER = "user";

  private final CookieSessions sessions;
  private final String origin;

  Authentication(CookieSessions sessions, String origin) {
    this.sessions = sessions;
    this.origin = origin;
  }

  void check(RoutingContext ctx) {
    if (!ctx.request().isEnded()) {
      // The session is looked up in the fleet's map: hold the request (a WebSocket upgrade has no
      // body handler reading it) until then.
      ctx.request().pause();
    }
    sessions
        .user(ctx.request().getCookie(CookieSessions.COOKIE))
        .onSuccess(user -> check(ctx, user.orElse(null)))
        .onFailure(e -> Reply.error(ctx, 503, "web sessions cannot be checked now; try again"));
  }

  private void check(RoutingContext ctx, WebUser user) {
    if (user == null) {
      Reply.error(
          ctx,
          401,
          "not logged in; log in at /login, or with a link from: ssh -p PORT you@BASTION web-login");
      return;
    }
    if (ctx.request().method().name().equals("POST")) {
      String type = ctx.request().getHeader("Content-Type");
      if (!sameOrigin(ctx) || type == null || !type.toLowerCase().startsWith("application/json")) {
        Reply.error(
            ctx,
            403,
            "state-changing requests need Content-Type application/json and this site's Origin");
        return;
      }
    }
    ctx.put(USER, user);
    ctx.next();
  }

  /** Whether the request comes from a page of this site (browsers send Origin on such requests). */
  boolean sameOrigin(RoutingContext ctx) {
    return origin.equals(ctx.request().getHeader("Origin"));
  }
}
