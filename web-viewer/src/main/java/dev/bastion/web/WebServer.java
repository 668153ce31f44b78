package dev.bastion.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.bastion.recorder.LiveHub;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The web viewer: pages, JSON API and the live WebSocket. One small handler per route; anything
 * that may block (database, disk) runs through {@code executeBlocking}. Every API call needs a
 * session cookie; state-changing calls and WebSockets also need the public URL's Origin.
 */
public final class WebServer implements AutoCloseable {
  static final String COOKIE = "bastion_session";

  /**
   * No inline script, no eval; 'wasm-unsafe-eval' only lets asciinema-player compile its
   * WebAssembly terminal.
   */
  static final String CSP =
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:;"
          + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

  private static final Pattern SESSION_ID = Pattern.compile("[0-9a-f]{32}");
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  private final Vertx vertx;
  private final WebSettings settings;
  private final BastionBackend backend;
  private final LiveHub hub;
  private final LoginTokens tokens;
  private final Clock clock;
  private final Map<String, WebUser> sessions = new ConcurrentHashMap<>();
  private final Map<String, byte[]> pages = new ConcurrentHashMap<>();
  private final LiveWatchers watchers;
  private HttpServer server;

  private WebServer(
      Vertx vertx,
      WebSettings settings,
      BastionBackend backend,
      LiveHub hub,
      LoginTokens tokens,
      Clock clock) {
    this.vertx = vertx;
    this.settings = settings;
    this.backend = backend;
    this.hub = hub;
    this.tokens = tokens;
    this.clock = clock;
    this.watchers = new LiveWatchers(vertx, backend);
  }

  public static WebServer start(
      WebSettings settings, BastionBackend backend, LiveHub hub, LoginTokens tokens, Clock clock) {
    WebServer web = new WebServer(Vertx.vertx(), settings, backend, hub, tokens, clock);
    web.listen();
    return web;
  }

  public int port() {
    return server.actualPort();
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
    Router router = Router.router(vertx);
    router.route().handler(this::securityHeaders);
    router.get("/favicon.ico").handler(ctx -> ctx.response().setStatusCode(204).end());
    router.get("/login").handler(this::login);
    router.post("/logout").handler(this::logout);
    router.get("/").handler(ctx -> page(ctx, "index.html"));
    router.get("/sessions/:id").handler(ctx -> page(ctx, "session.html"));
    router.get("/recordings").handler(ctx -> page(ctx, "recordings.html"));
    router.get("/recordings/:id").handler(ctx -> page(ctx, "replay.html"));
    router.get("/audit").handler(ctx -> page(ctx, "audit.html"));
    router.get("/static/:file").handler(ctx -> asset(ctx, "static/" + ctx.pathParam("file")));
    router.get("/vendor/:file").handler(ctx -> asset(ctx, "vendor/" + ctx.pathParam("file")));
    // The WebSocket route comes before the body handler: an upgrade must not have its body read.
    router.get("/api/sessions/:id/live").handler(this::authenticate);
    router.get("/api/sessions/:id/live").handler(this::live);
    router.route("/api/*").handler(BodyHandler.create().setBodyLimit(16 * 1024));
    router.route("/api/*").handler(this::authenticate);
    router.get("/api/me").handler(this::me);
    router.get("/api/sessions").handler(this::listSessions);
    router.get("/api/sessions/:id").handler(this::getSession);
    router.post("/api/sessions/:id/terminate").handler(this::terminate);
    router.post("/api/sessions/:id/decline").handler(this::decline);
    router.get("/api/recordings").handler(this::listRecordings);
    router.get("/api/recordings/:file").handler(this::recordingFile);
    router.get("/api/audit").handler(this::auditLog);
    router.route("/api/*").handler(ctx -> error(ctx, 404, "no such API"));
    server = vertx.createHttpServer(options).requestHandler(router).listen().await();
    watchers.start();
    vertx.setPeriodic(1000, id -> dropExpiredSessions());
  }

  private void securityHeaders(RoutingContext ctx) {
    ctx.response()
        .putHeader("Content-Security-Policy", CSP)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Frame-Options", "DENY")
        .putHeader("Cache-Control", "no-store");
    ctx.next();
  }

  // --- login ---------------------------------------------------------------------------------

  private void login(RoutingContext ctx) {
    Optional<WebUser> user = tokens.redeem(ctx.request().getParam("token"));
    if (user.isEmpty()) {
      ctx.response()
          .setStatusCode(401)
          .putHeader("content-type", "text/plain; charset=utf-8")
          .end(
              "This login link is not valid: it was used already, expired (links last 60 seconds) or is wrong.\n"
                  + "Get a new one with: ssh -p PORT you@BASTION web-login\n");
      return;
    }
    String id = LoginTokens.random();
    sessions.put(id, user.get());
    long seconds =
        Math.max(1, user.get().expiresAt().getEpochSecond() - clock.instant().getEpochSecond());
    ctx.response()
        .addCookie(
            Cookie.cookie(COOKIE, id)
                .setPath("/")
                .setHttpOnly(true)
                .setSameSite(CookieSameSite.STRICT)
                .setSecure(settings.tls())
                .setMaxAge(seconds));
    blocking(
        ctx,
        () -> {
          backend.audit(
              "web_login",
              user.get().identity(),
              null,
              "web session until " + user.get().expiresAt());
          return null;
        },
        ignored -> ctx.response().setStatusCode(303).putHeader("Location", "/").end());
  }

  private void logout(RoutingContext ctx) {
    if (!sameOrigin(ctx)) {
      error(ctx, 403, "cross-origin request refused");
      return;
    }
    Cookie cookie = ctx.request().getCookie(COOKIE);
    if (cookie != null) {
      sessions.remove(cookie.getValue());
    }
    ctx.response()
        .addCookie(
            Cookie.cookie(COOKIE, "")
                .setPath("/")
                .setMaxAge(0)
                .setHttpOnly(true)
                .setSameSite(CookieSameSite.STRICT)
                .setSecure(settings.tls()));
    ctx.response().setStatusCode(204).end();
  }

  private void authenticate(RoutingContext ctx) {
    Cookie cookie = ctx.request().getCookie(COOKIE);
    WebUser user = cookie == null ? null : sessions.get(cookie.getValue());
    if (user != null && user.expiresAt().isBefore(clock.instant())) {
      sessions.remove(cookie.getValue());
      user = null;
    }
    if (user == null) {
      error(ctx, 401, "not logged in; get a link with: ssh -p PORT you@BASTION web-login");
      return;
    }
    if (ctx.request().method().name().equals("POST")) {
      String type = ctx.request().getHeader("Content-Type");
      if (!sameOrigin(ctx) || type == null || !type.toLowerCase().startsWith("application/json")) {
        error(
            ctx,
            403,
            "state-changing requests need Content-Type application/json and this site's Origin");
        return;
      }
    }
    ctx.put("user", user);
    ctx.next();
  }

  private boolean sameOrigin(RoutingContext ctx) {
    return settings.origin().equals(ctx.request().getHeader("Origin"));
  }

  // --- API -----------------------------------------------------------------------------------

  private void me(RoutingContext ctx) {
    WebUser user = ctx.get("user");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("identity", user.identity());
    body.put("roles", user.roles().stream().sorted().toList());
    body.put("rights", user.rights().stream().sorted().toList());
    body.put("expires_at", user.expiresAt().toString());
    json(ctx, 200, body);
  }

  private void listSessions(RoutingContext ctx) {
    WebUser user = ctx.get("user");
    String state = ctx.request().getParam("state");
    if (state != null && !state.equals("live") && !state.equals("ended")) {
      error(ctx, 400, "state must be live or ended");
      return;
    }
    blocking(
        ctx,
        () ->
            backend.sessions(state, 500).stream()
                .filter(s -> mayWatch(user, s))
                .map(WebServer::view)
                .toList(),
        list -> json(ctx, 200, list));
  }

  private void getSession(RoutingContext ctx) {
    withSession(ctx, (user, session) -> json(ctx, 200, view(session)));
  }

  private void terminate(RoutingContext ctx) {
    WebUser user = ctx.get("user");
    String why = reasonOf(ctx);
    if (why == null) {
      return;
    }
    withSession(
        ctx,
        (u, session) -> {
          if (!user.can(WebUser.TERMINATE)
              && !session.identity().equals(user.identity())
              && !approves(user, session)) {
            error(ctx, 403, "you may not end other people's sessions (right 'terminate')");
            return;
          }
          if (!"live".equals(session.state())) {
            error(ctx, 409, "session is not live");
            return;
          }
          blocking(
              ctx,
              () -> backend.terminate(session.id(), user.identity(), why),
              ended -> {
                if (ended) {
                  json(ctx, 200, Map.of("id", session.id(), "state", "terminating"));
                } else {
                  error(ctx, 409, "session is not live");
                }
              });
        });
  }

  private void decline(RoutingContext ctx) {
    WebUser user = ctx.get("user");
    String why = reasonOf(ctx);
    if (why == null) {
      return;
    }
    withSession(
        ctx,
        (u, session) -> {
          if (session.approval() == null || !"waiting".equals(session.approval().state())) {
            error(ctx, 409, "session has no pending approval request");
            return;
          }
          if (!approves(user, session)) {
            error(
                ctx,
                403,
                "only approvers (roles "
                    + String.join(", ", session.approval().from())
                    + ") may decline");
            return;
          }
          blocking(
              ctx,
              () -> backend.decline(session.id(), user, why),
              done -> {
                if (done) {
                  json(ctx, 200, Map.of("id", session.id(), "state", "declined"));
                } else {
                  error(ctx, 409, "session has no pending approval request");
                }
              });
        });
  }

  /** The required {"reason": "..."} of a POST, at most 500 characters; null after answering 400. */
  private static String reasonOf(RoutingContext ctx) {
    String reason;
    try {
      reason =
          ctx.body().asJsonObject() == null ? null : ctx.body().asJsonObject().getString("reason");
    } catch (RuntimeException e) {
      error(ctx, 400, "body must be JSON: {\"reason\": \"...\"}");
      return null;
    }
    if (reason == null || reason.isBlank()) {
      error(ctx, 400, "a reason is required");
      return null;
    }
    return reason.strip().length() > 500 ? reason.strip().substring(0, 500) : reason.strip();
  }

  private void listRecordings(RoutingContext ctx) {
    WebUser user = ctx.get("user");
    String identity = ctx.request().getParam("identity");
    String target = ctx.request().getParam("target");
    String date = ctx.request().getParam("date");
    blocking(
        ctx,
        () ->
            backend.sessions("ended", 2000).stream()
                .filter(SessionView::recorded)
                .filter(s -> user.can(WebUser.REPLAY) || s.identity().equals(user.identity()))
                .filter(
                    s -> identity == null || identity.isBlank() || s.identity().equals(identity))
                .filter(s -> target == null || target.isBlank() || s.target().equals(target))
                .filter(
                    s ->
                        date == null || date.isBlank() || s.startedAt().toString().startsWith(date))
                .map(WebServer::view)
                .toList(),
        list -> json(ctx, 200, list));
  }

  private void recordingFile(RoutingContext ctx) {
    WebUser user = ctx.get("user");
    String file = ctx.pathParam("file");
    boolean seal = file.endsWith(".cast.seal");
    String id = file.replaceAll("\\.cast(\\.seal)?$", "");
    if (!file.endsWith(".cast") && !seal || !SESSION_ID.matcher(id).matches()) {
      error(ctx, 404, "no such recording");
      return;
    }
    blocking(
        ctx,
        () -> {
          Optional<SessionView> session = backend.session(id);
          if (session.isEmpty() || !session.get().recorded()) {
            return Optional.<Object[]>empty();
          }
          if (!user.can(WebUser.REPLAY) && !session.get().identity().equals(user.identity())) {
            return Optional.<Object[]>of(new Object[] {403, null});
          }
          Optional<Path> cast = backend.recording(id);
          if (cast.isEmpty()) {
            return Optional.<Object[]>empty();
          }
          Path path =
              seal ? cast.get().resolveSibling(cast.get().getFileName() + ".seal") : cast.get();
          if (!Files.exists(path)) {
            return Optional.<Object[]>empty();
          }
          backend.audit(
              "recording_replayed",
              user.identity(),
              id,
              seal ? "downloaded the seal" : "replayed the recording");
          return Optional.<Object[]>of(new Object[] {200, path});
        },
        result -> {
          if (result.isEmpty()) {
            error(ctx, 404, "no such recording");
          } else if ((int) result.get()[0] == 403) {
            error(ctx, 403, "you may not replay other people's sessions (right 'replay')");
          } else {
            ctx.response()
                .putHeader("content-type", seal ? "application/json" : "application/x-asciicast")
                .sendFile(result.get()[1].toString());
          }
        });
  }

  private void auditLog(RoutingContext ctx) {
    WebUser user = ctx.get("user");
    if (!user.can(WebUser.AUDIT)) {
      error(ctx, 403, "reading the audit log needs the right 'audit'");
      return;
    }
    Instant since;
    try {
      String text = ctx.request().getParam("since");
      since = text == null || text.isBlank() ? null : Instant.parse(text);
    } catch (RuntimeException e) {
      error(ctx, 400, "since must be a time like 2026-11-21T12:00:00Z");
      return;
    }
    String identity = ctx.request().getParam("identity");
    blocking(
        ctx,
        () ->
            backend.auditEvents(
                since, identity == null || identity.isBlank() ? null : identity, 1000),
        list -> json(ctx, 200, list));
  }

  private void live(RoutingContext ctx) {
    if (!sameOrigin(ctx)) {
      error(ctx, 403, "cross-origin WebSocket refused");
      return;
    }
    ctx.request().pause();
    withSession(
        ctx,
        (user, session) -> {
          if (!hub.isLive(session.id())) {
            error(ctx, 404, "session is not live");
            return;
          }
          ctx.request()
              .toWebSocket()
              .onFailure(e -> error(ctx, 400, "not a WebSocket request: " + e.getMessage()))
              .onSuccess(
                  socket -> {
                    LiveSocket viewer = new LiveSocket(socket);
                    vertx
                        .executeBlocking(
                            () -> {
                              LiveHub.Subscription subscription =
                                  hub.subscribe(session.id(), viewer);
                              if (subscription != null) {
                                backend.audit(
                                    "watch_started",
                                    user.identity(),
                                    session.id(),
                                    "watching " + session.identity() + "'s session");
                                backend.marker(
                                    session.id(), "viewer " + user.identity() + " joined");
                              }
                              return subscription;
                            })
                        .onSuccess(
                            subscription -> {
                              if (subscription == null) {
                                socket.close((short) 1000, "session ended");
                                return;
                              }
                              viewer.attach(subscription);
                              java.util.concurrent.atomic.AtomicBoolean left =
                                  new java.util.concurrent.atomic.AtomicBoolean();
                              Runnable leave =
                                  () -> {
                                    if (!left.compareAndSet(false, true)) {
                                      return;
                                    }
                                    viewer.cancel();
                                    watchers.remove(session.id(), socket);
                                    vertx.executeBlocking(
                                        () -> {
                                          backend.audit(
                                              "watch_ended",
                                              user.identity(),
                                              session.id(),
                                              "stopped watching");
                                          backend.marker(
                                              session.id(), "viewer " + user.identity() + " left");
                                          return null;
                                        });
                                  };
                              socket.closeHandler(v -> leave.run());
                              watchers.add(session.id(), socket, user);
                              if (socket.isClosed()) {
                                leave.run(); // closed while subscribing: it must not count as
                                // watching
                              }
                            });
                  });
        });
  }

  /**
   * Ends the web sessions (and live views) of people whose certificates were revoked; returns how
   * many sessions ended. Called by the bastion whenever it checks revocations.
   */
  public int endSessions(java.util.function.Predicate<WebUser> revoked) {
    int ended = 0;
    for (var entry : sessions.entrySet()) {
      if (revoked.test(entry.getValue())) {
        sessions.remove(entry.getKey());
        ended++;
      }
    }
    watchers.close(revoked, (short) 1008, "certificate revoked");
    return ended;
  }

  /** Expired cookies go, not just unused ones. */
  private void dropExpiredSessions() {
    Instant now = clock.instant();
    sessions.values().removeIf(user -> user.expiresAt().isBefore(now));
  }

  // --- helpers -------------------------------------------------------------------------------

  private interface SessionAction {
    void run(WebUser user, SessionView session);
  }

  /** Looks up {@code :id} off the event loop: 404 unknown, 403 not yours without the right. */
  private void withSession(RoutingContext ctx, SessionAction action) {
    WebUser user = ctx.get("user");
    String id = ctx.pathParam("id");
    if (id == null || !SESSION_ID.matcher(id).matches()) {
      error(ctx, 404, "no such session");
      return;
    }
    blocking(
        ctx,
        () -> backend.session(id),
        found -> {
          if (found.isEmpty()) {
            error(ctx, 404, "no such session");
          } else if (!mayWatch(user, found.get())) {
            error(ctx, 403, "you may not see other people's sessions (right 'shadow')");
          } else {
            action.run(user, found.get());
          }
        });
  }

  /**
   * Whether {@code user} is an approver of this four-eyes session: holds one of its approver roles
   * (the configuration makes sure each has the approve right) and is not the requester. Approvers
   * watch it, decline it while it waits, and end it, whatever their other rights.
   */
  private static boolean approves(WebUser user, SessionView session) {
    return session.approval() != null
        && !session.identity().equals(user.identity())
        && user.roles().stream().anyMatch(session.approval().from()::contains);
  }

  private static boolean mayWatch(WebUser user, SessionView session) {
    if (session.identity().equals(user.identity())) {
      return true;
    }
    if ("live".equals(session.state()) && approves(user, session)) {
      return true; // approvers watch the sessions they approve
    }
    return "live".equals(session.state())
        ? user.can(WebUser.SHADOW)
        : user.can(WebUser.REPLAY) || user.can(WebUser.SHADOW);
  }

  private static Map<String, Object> view(SessionView s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", s.id());
    m.put("identity", s.identity());
    m.put("target", s.target());
    m.put("login", s.login());
    m.put("kind", s.kind());
    m.put("command", s.command());
    m.put("started_at", s.startedAt() == null ? null : s.startedAt().toString());
    m.put("ended_at", s.endedAt() == null ? null : s.endedAt().toString());
    m.put("state", s.state());
    m.put("exit_status", s.exitStatus());
    m.put("end_reason", s.endReason());
    m.put("recorded", s.recorded());
    m.put("viewers", s.viewers());
    if (s.approval() != null) {
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("state", s.approval().state());
      a.put("needed", s.approval().needed());
      a.put("from", s.approval().from());
      a.put("approvers", s.approval().approvers());
      a.put("since", s.approval().since().toString());
      m.put("approval", a);
    }
    return m;
  }

  private <T> void blocking(
      RoutingContext ctx,
      java.util.concurrent.Callable<T> work,
      java.util.function.Consumer<T> then) {
    Future<T> future = vertx.executeBlocking(work);
    future
        .onSuccess(then::accept)
        .onFailure(e -> error(ctx, 500, "internal error: " + e.getMessage()));
  }

  private void page(RoutingContext ctx, String name) {
    asset(ctx, name);
  }

  private void asset(RoutingContext ctx, String name) {
    if (!name.matches("[a-z]+/?[a-zA-Z0-9._-]*") || name.contains("..")) {
      ctx.response().setStatusCode(404).end();
      return;
    }
    byte[] body = pages.computeIfAbsent(name, WebServer::load);
    if (body.length == 0) {
      ctx.response().setStatusCode(404).end("not found");
      return;
    }
    ctx.response()
        .putHeader("content-type", contentType(name))
        .end(io.vertx.core.buffer.Buffer.buffer(body));
  }

  private static byte[] load(String name) {
    try (InputStream in = WebServer.class.getResourceAsStream("/web/" + name)) {
      return in == null ? new byte[0] : in.readAllBytes();
    } catch (IOException e) {
      return new byte[0];
    }
  }

  private static String contentType(String name) {
    if (name.endsWith(".html")) {
      return "text/html; charset=utf-8";
    }
    if (name.endsWith(".js")) {
      return "text/javascript; charset=utf-8";
    }
    if (name.endsWith(".css")) {
      return "text/css; charset=utf-8";
    }
    return "application/octet-stream";
  }

  private static void json(RoutingContext ctx, int status, Object body) {
    try {
      ctx.response()
          .setStatusCode(status)
          .putHeader("content-type", "application/json")
          .end(JSON.writeValueAsString(body));
    } catch (IOException e) {
      ctx.response().setStatusCode(500).end();
    }
  }

  private static void error(RoutingContext ctx, int status, String message) {
    if (!ctx.response().ended()) {
      json(ctx, status, Map.of("error", message));
    }
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
