package dev.bastion.web;

import dev.bastion.recorder.LiveHub;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The web viewer: which route goes to which handler, and the headers every answer carries. Each API
 * area has its own class ({@link LoginApi}, {@link SessionsApi}, {@link ApprovalsApi}, {@link
 * RecordingsApi}, {@link AuditApi}, the live {@link LiveStream}); who may do what is decided in
 * {@link Access} only. Every API call needs a session cookie ({@link Authentication}), got with a
 * one-time link ({@link LoginApi}) or by single sign-on ({@link SignInApi}).
 */
public final class WebServer implements AutoCloseable {
  /**
   * No inline script, no eval; 'wasm-unsafe-eval' only lets asciinema-player compile its
   * WebAssembly terminal.
   */
  static final String CSP =
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:;"
          + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final WebSettings settings;
  private final CookieSessions sessions;
  private final LiveWatchers watchers;
  private final Assets assets = Assets.load();
  private final OperatorEndpoints operator;
  private final Router router;
  private HttpServer server;

  private WebServer(Parts parts, boolean ownsVertx) {
    Vertx vertx = parts.vertx();
    WebSettings settings = parts.settings();
    BastionBackend backend = parts.backend();
    LoginTokens tokens = parts.tokens();
    Optional<SingleSignOn> sso = parts.sso();
    Clock clock = parts.clock();
    this.ownsVertx = ownsVertx;
    this.vertx = vertx;
    this.operator = new OperatorEndpoints(vertx, parts.checks());
    this.settings = settings;
    this.sessions = new CookieSessions(vertx, clock, settings.tls());
    PendingSignIns signIns = new PendingSignIns(vertx, clock, settings.tls(), PendingSignIns.MAX);
    this.watchers = new LiveWatchers(vertx, backend);
    Authentication authentication = new Authentication(sessions, settings.origin());
    SessionLookup lookup = new SessionLookup(backend);
    this.router =
        routes(
            authentication,
            new LoginApi(tokens, sessions, authentication, backend),
            new SignInApi(sso, signIns, sessions, backend, settings.publicUrl(), clock),
            new SessionsApi(backend, lookup),
            new ApprovalsApi(backend, lookup),
            new RecordingsApi(backend),
            new AuditApi(backend),
            new LiveStream(vertx, backend, parts.feeds(), lookup, authentication, watchers));
  }

  public static WebServer start(
      WebSettings settings, BastionBackend backend, LiveHub hub, LoginTokens tokens, Clock clock) {
    return start(settings, backend, hub, tokens, Optional.empty(), clock);
  }

  /** As above, offering single sign-on on the login page when {@code sso} is present. */
  public static WebServer start(
      WebSettings settings,
      BastionBackend backend,
      LiveHub hub,
      LoginTokens tokens,
      Optional<SingleSignOn> sso,
      Clock clock) {
    return start(settings, backend, hub, tokens, sso, OperatorChecks.NONE, clock);
  }

  /**
   * As above, answering {@code /readyz} and {@code /metrics} from {@code checks}, on the Vert.x of
   * {@code tokens}, which closing the web viewer closes.
   */
  public static WebServer start(
      WebSettings settings,
      BastionBackend backend,
      LiveHub hub,
      LoginTokens tokens,
      Optional<SingleSignOn> sso,
      OperatorChecks checks,
      Clock clock) {
    Vertx vertx = tokens.vertx();
    WebServer web =
        new WebServer(
            new Parts(
                vertx, settings, backend, LiveFeeds.of(vertx, hub), tokens, sso, checks, clock),
            true);
    web.listen();
    return web;
  }

  /**
   * Everything the web viewer runs on. {@code vertx} belongs to the caller when given to {@link
   * #start(Parts)} (the bastion shares it with the other nodes of a fleet): closing the web viewer
   * then leaves it running. {@code feeds}: where live sessions are watched from.
   */
  public record Parts(
      Vertx vertx,
      WebSettings settings,
      BastionBackend backend,
      LiveFeeds feeds,
      LoginTokens tokens,
      Optional<SingleSignOn> sso,
      OperatorChecks checks,
      Clock clock) {}

  /** Starts the web viewer on the caller's Vert.x. */
  public static WebServer start(Parts parts) {
    WebServer web = new WebServer(parts, false);
    web.listen();
    return web;
  }

  /** How many live views are open right now, over every session. */
  public int viewers() {
    return watchers.count();
  }

  public int port() {
    return server.actualPort();
  }

  /** How many front-end files are held in memory. */
  int assetsHeld() {
    return assets.held();
  }

  private Router routes(
      Authentication authentication,
      LoginApi login,
      SignInApi signIn,
      SessionsApi sessionsApi,
      ApprovalsApi approvals,
      RecordingsApi recordings,
      AuditApi audit,
      LiveStream live) {
    Router r = Router.router(vertx);
    r.route().handler(WebServer::securityHeaders);
    if (settings.tls()) {
      // Browsers that saw the viewer over TLS never try it over plain HTTP again for a year.
      r.route()
          .handler(
              ctx -> {
                ctx.response().putHeader("Strict-Transport-Security", "max-age=31536000");
                ctx.next();
              });
    }
    r.get("/healthz").handler(operator::health);
    r.get("/readyz").handler(operator::ready);
    r.get("/metrics").handler(operator::metrics);
    r.get("/favicon.ico").handler(ctx -> ctx.response().setStatusCode(204).end());
    r.get("/login")
        .handler(
            ctx -> {
              if (ctx.request().params().contains("token")) {
                login.login(ctx);
              } else {
                signIn.page(ctx);
              }
            });
    r.get("/auth/start").handler(signIn::start);
    r.get(SignInApi.CALLBACK).handler(signIn::callback);
    r.post("/logout").handler(login::logout);
    r.get("/").handler(ctx -> assets.serve(ctx, "index.html"));
    r.get("/sessions/:id").handler(ctx -> assets.serve(ctx, "session.html"));
    r.get("/recordings").handler(ctx -> assets.serve(ctx, "recordings.html"));
    r.get("/recordings/:id").handler(ctx -> assets.serve(ctx, "replay.html"));
    r.get("/audit").handler(ctx -> assets.serve(ctx, "audit.html"));
    r.get("/static/:file").handler(ctx -> assets.serve(ctx, "static/" + ctx.pathParam("file")));
    r.get("/vendor/:file").handler(ctx -> assets.serve(ctx, "vendor/" + ctx.pathParam("file")));
    // The WebSocket route comes before the body handler: an upgrade must not have its body read.
    r.get("/api/sessions/:id/live").handler(authentication::check).handler(live::watch);
    r.route("/api/*").handler(BodyHandler.create().setBodyLimit(16 * 1024));
    r.route("/api/*").handler(authentication::check);
    r.get("/api/me").handler(login::me);
    r.get("/api/sessions").handler(sessionsApi::list);
    r.get("/api/sessions/:id").handler(sessionsApi::get);
    r.post("/api/sessions/:id/terminate").handler(sessionsApi::terminate);
    r.post("/api/sessions/:id/decline").handler(approvals::decline);
    r.post("/api/sessions/:id/player-failed").handler(live::playerFailed);
    r.get("/api/recordings").handler(recordings::list);
    r.get("/api/recordings/:file").handler(recordings::file);
    r.get("/api/audit").handler(audit::events);
    r.route("/api/*").handler(ctx -> Reply.error(ctx, 404, "no such API"));
    return r;
  }

  private void listen() {
    HttpServerOptions options =
        new HttpServerOptions()
            .setHost(settings.host())
            .setPort(settings.port())
            .setWebSocketSubProtocols(List.of("v2.asciicast"));
    if (settings.tls()) {
      options
          .setSsl(true)
          .setKeyCertOptions(
              new PemKeyCertOptions()
                  .setCertPath(settings.tlsCert().orElseThrow())
                  .setKeyPath(settings.tlsKey().orElseThrow()));
    }
    server = vertx.createHttpServer(options).requestHandler(router).listen().await();
    watchers.start();
    // Expired web sessions and sign-ins leave the fleet's maps by their time to live.
  }

  private static void securityHeaders(RoutingContext ctx) {
    ctx.response()
        .putHeader("Content-Security-Policy", CSP)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Frame-Options", "DENY")
        .putHeader("Cache-Control", "no-store");
    ctx.next();
  }

  /**
   * Ends the web sessions of people whose certificates were revoked, whichever node started them,
   * and this node's live views of them; completes with how many sessions ended. Called by the
   * bastion whenever it checks revocations; {@code revoked} must answer at once (it may run on an
   * event loop).
   */
  public Future<Integer> endSessions(Predicate<WebUser> revoked) {
    watchers.close(revoked, (short) 1008, "certificate revoked");
    return sessions.endWhere(revoked);
  }

  @Override
  public void close() {
    if (ownsVertx) {
      vertx.close().await();
    } else if (server != null) {
      server.close().await();
    }
  }
}
