package dev.bastion.web;

import io.vertx.core.Future;
import io.vertx.core.http.Cookie;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Single sign-on in the browser: {@code GET /login} (without a token) shows how to log in, {@code
 * GET /auth/start} sends the browser to the identity provider, {@code GET /auth/callback} (the
 * redirect URI registered at the provider) takes it back, checks that it is the same browser with
 * the same state, and starts the web session once the {@code web_login} row is written.
 */
final class SignInApi {
  static final String CALLBACK = "/auth/callback";

  private final Optional<SingleSignOn> sso;
  private final PendingSignIns pending;
  private final CookieSessions sessions;
  private final BastionBackend backend;
  private final URI redirectUri;
  private final Clock clock;

  SignInApi(
      Optional<SingleSignOn> sso,
      PendingSignIns pending,
      CookieSessions sessions,
      BastionBackend backend,
      String publicUrl,
      Clock clock) {
    this.sso = sso;
    this.pending = pending;
    this.sessions = sessions;
    this.backend = backend;
    this.redirectUri = URI.create(publicUrl + CALLBACK);
    this.clock = clock;
  }

  /** The login page: single sign-on (when configured) and the one-time link from ssh. */
  void page(RoutingContext ctx) {
    StringBuilder html = new StringBuilder();
    sso.ifPresent(
        s ->
            html.append("<p>")
                .append(Pages.a("/auth/start", "Sign in with " + s.name(), "button sso"))
                .append("</p>\n")
                .append(Pages.p("Or, with your SSH certificate:")));
    html.append(
            Pages.p(
                "Run ssh -p PORT you@BASTION web-login and open the link it prints (it works once,"
                    + " within 60 seconds)."))
        .append(Pages.p("The web session lasts as long as your login allows, 8 hours at most."));
    Pages.send(ctx, 200, "Log in", html.toString());
  }

  /** Sends the browser to the provider, remembering the sign-in for this browser. */
  void start(RoutingContext ctx) {
    if (sso.isEmpty()) {
      Pages.send(
          ctx,
          404,
          "No single sign-on",
          Pages.p("This bastion has no single sign-on.") + tryAgain());
      return;
    }
    pending
        .full()
        .onSuccess(
            full -> {
              if (full) {
                tooMany(ctx, " Try again in a few minutes.");
              } else {
                begin(ctx, sso.get());
              }
            })
        .onFailure(e -> failed(ctx, 503, e));
  }

  private void begin(RoutingContext ctx, SingleSignOn provider) {
    onLoop(ctx, provider.begin(redirectUri))
        .onSuccess(
            signIn ->
                pending
                    .keep(signIn.state(), signIn.saved())
                    .onSuccess(cookie -> redirect(ctx, signIn, cookie))
                    .onFailure(e -> failed(ctx, 503, e)))
        .onFailure(e -> failed(ctx, 502, e));
  }

  /** Sends the browser to the provider with the cookie that binds the sign-in to it. */
  private static void redirect(RoutingContext ctx, SingleSignOn.SignIn signIn, Cookie cookie) {
    if (cookie == null) {
      tooMany(ctx, "");
      return;
    }
    ctx.response()
        .addCookie(cookie)
        .setStatusCode(303)
        .putHeader("Location", signIn.authorizationUrl().toString())
        .end();
  }

  private static void tooMany(RoutingContext ctx, String when) {
    Pages.send(
        ctx,
        503,
        "Too many sign-ins",
        Pages.p("Too many sign-ins are under way right now." + when) + tryAgain());
  }

  /** The browser is back from the provider: same browser, same state, then who it is. */
  void callback(RoutingContext ctx) {
    pending
        .take(ctx.request().getCookie(PendingSignIns.COOKIE), ctx.request().getParam("state"))
        .onSuccess(taken -> finish(ctx, taken))
        .onFailure(e -> failed(ctx, 503, e));
  }

  private void finish(RoutingContext ctx, PendingSignIns.Taken taken) {
    ctx.response().addCookie(pending.clear());
    if (taken.signIn() == null || sso.isEmpty()) {
      Pages.send(ctx, 400, "Sign-in not accepted", Pages.p(taken.problem()) + tryAgain());
      return;
    }
    SingleSignOn.SignIn signIn = sso.get().resume(taken.signIn());
    String error = ctx.request().getParam("error");
    if (error != null) {
      signIn.failed(oneWord(error));
      Pages.send(ctx, 403, "Sign-in not completed", Pages.p(providerError(error)) + tryAgain());
      return;
    }
    String code = ctx.request().getParam("code");
    if (code == null || code.isEmpty()) {
      Pages.send(
          ctx,
          400,
          "Sign-in not accepted",
          Pages.p("The identity provider sent the browser back without a code.") + tryAgain());
      return;
    }
    onLoop(ctx, signIn.finish(code))
        .onSuccess(signedOn -> startSession(ctx, signedOn))
        .onFailure(e -> failed(ctx, 403, e));
  }

  /** Writes the web_login row (off the event loop), then sets the cookie and goes to the viewer. */
  private void startSession(RoutingContext ctx, SingleSignOn.SignedOn signedOn) {
    WebUser user = capped(signedOn.user());
    ctx.vertx()
        .executeBlocking(
            () -> {
              backend.webLogin(
                  user, "oidc", signedOn.detail() + "; web session until " + user.expiresAt());
              return null;
            })
        .compose(ignored -> sessions.start(user))
        .onSuccess(
            cookie -> {
              ctx.response().addCookie(cookie);
              // A page, not a redirect: after the provider's cross-site redirects, browsers would
              // not send the new SameSite=Strict cookie with a redirected request.
              Pages.forward(
                  ctx,
                  "Signed in",
                  Pages.p("Signed in as " + user.identity() + ".")
                      + "<p>"
                      + Pages.a("/", "Continue to the viewer", "button")
                      + "</p>\n",
                  "/");
            })
        .onFailure(
            e ->
                Pages.send(
                    ctx,
                    503,
                    "Sign-in not completed",
                    Pages.p(
                            "The bastion cannot write its audit log or keep the session now, so no"
                                + " session starts.")
                        + tryAgain()));
  }

  /** At most {@link LoginTokens#MAX_SESSION} from now, whatever the sign-in allowed. */
  private WebUser capped(WebUser user) {
    Instant latest = clock.instant().plus(LoginTokens.MAX_SESSION);
    return user.expiresAt().isAfter(latest)
        ? new WebUser(user.identity(), user.serial(), user.roles(), user.rights(), latest)
        : user;
  }

  private String providerError(String error) {
    String name = sso.map(SingleSignOn::name).orElse("the identity provider");
    return switch (error) {
      case "access_denied" -> "The sign-in was declined at " + name + ".";
      case "temporarily_unavailable", "server_error" ->
          name + " cannot sign you in right now (" + error + "). Try again later.";
      case "login_required", "interaction_required", "consent_required" ->
          name + " needs you to sign in there again (" + error + ").";
      default -> name + " refused the sign-in (" + oneWord(error) + ").";
    };
  }

  private static String oneWord(String text) {
    String word = text.replaceAll("[^A-Za-z0-9_.-]", "?");
    return word.length() > 60 ? word.substring(0, 60) + "..." : word;
  }

  private static void failed(RoutingContext ctx, int status, Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    String message =
        cause instanceof SingleSignOn.Refused
            ? cause.getMessage()
            : "The sign-in failed on the bastion; the operator finds the reason in its log.";
    Pages.send(ctx, status, "Sign-in not completed", Pages.p(message) + tryAgain());
  }

  private static String tryAgain() {
    return "<p>" + Pages.a("/login", "Try again", "button") + "</p>\n";
  }

  /** {@code future}, completed on this request's event loop. */
  private static <T> Future<T> onLoop(RoutingContext ctx, CompletableFuture<T> future) {
    return Future.fromCompletionStage(future, ctx.vertx().getOrCreateContext());
  }
}
