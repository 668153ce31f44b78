package dev.bastion.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.recorder.LiveHub;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Single sign-on in the browser against a fake provider: the state must come back to the browser
 * that left, once, in time; the provider's errors and the bastion's refusals end on a clear page;
 * the session cookie never outlives the identity token or 8 hours; the one-time link still works.
 */
class SingleSignOnTest {
  static final String BOB_GROUPS = "issuer https://idp.example, subject b-1, groups approvers";

  final LoginTokensTest.MovableClock clock = new LoginTokensTest.MovableClock();
  final NoBastion backend = new NoBastion();
  final FakeProvider provider = new FakeProvider();
  final HttpClient http = HttpClient.newHttpClient();
  LiveHub hub;
  LoginTokens tokens;
  WebServer web;

  /** The provider: sign-ins it began, and what the browser's code turns into. */
  final class FakeProvider implements SingleSignOn {
    final AtomicInteger begun = new AtomicInteger();
    final List<String> errors = new CopyOnWriteArrayList<>();
    volatile Instant tokenExpiresAt;
    volatile URI redirectUri;
    volatile boolean down;

    @Override
    public String name() {
      return "Keycloak <eng>";
    }

    @Override
    public CompletableFuture<SignIn> begin(URI redirectUri) {
      this.redirectUri = redirectUri;
      if (down) {
        return CompletableFuture.failedFuture(
            new Refused("Keycloak cannot be reached; try again later."));
      }
      return CompletableFuture.completedFuture(signIn("state-" + begun.incrementAndGet()));
    }

    @Override
    public SignIn resume(JsonObject saved) {
      return signIn(saved.getString("state"));
    }

    private SignIn signIn(String state) {
      return new SignIn() {
        @Override
        public URI authorizationUrl() {
          return URI.create("https://idp.example/auth?state=" + state);
        }

        @Override
        public String state() {
          return state;
        }

        @Override
        public CompletableFuture<SignedOn> finish(String code) {
          if (code.equals("carol")) {
            return CompletableFuture.failedFuture(
                new Refused("Your groups give you no role on this bastion."));
          }
          return CompletableFuture.completedFuture(
              new SignedOn(
                  new WebUser(
                      "bob@example.com",
                      null,
                      Set.of("approvers"),
                      Set.of(WebRight.SHADOW),
                      tokenExpiresAt),
                  BOB_GROUPS));
        }

        @Override
        public void failed(String error) {
          errors.add(error);
        }

        @Override
        public JsonObject saved() {
          return new JsonObject().put("state", state);
        }
      };
    }
  }

  /** A browser: its own cookies (name=value), as the server set them. */
  final class Browser {
    String signInCookie;
    String sessionCookie;
    String lastSetCookie = "";

    HttpResponse<String> get(String path) throws Exception {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web.port() + path));
      StringBuilder cookies = new StringBuilder();
      if (signInCookie != null && path.startsWith("/auth/")) {
        cookies.append(signInCookie);
      }
      if (sessionCookie != null) {
        cookies.append(cookies.isEmpty() ? "" : "; ").append(sessionCookie);
      }
      if (!cookies.isEmpty()) {
        request.header("Cookie", cookies.toString());
      }
      HttpResponse<String> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      for (String set : response.headers().allValues("set-cookie")) {
        String pair = set.split(";", 2)[0];
        if (pair.startsWith(PendingSignIns.COOKIE + "=")) {
          signInCookie = pair.endsWith("=") ? null : pair;
        } else if (pair.startsWith(CookieSessions.COOKIE + "=")) {
          sessionCookie = pair.endsWith("=") ? null : pair;
          lastSetCookie = set;
        }
      }
      return response;
    }

    /** Starts a sign-in; returns the state the provider was given. */
    String start() throws Exception {
      HttpResponse<String> start = get("/auth/start");
      assertEquals(303, start.statusCode(), start.body());
      String location = start.headers().firstValue("Location").orElseThrow();
      assertTrue(location.startsWith("https://idp.example/auth?state="), location);
      return location.substring(location.indexOf("state=") + 6);
    }

    HttpResponse<String> back(String state, String code) throws Exception {
      return get("/auth/callback?state=" + state + "&code=" + code);
    }

    boolean loggedIn() throws Exception {
      return get("/api/me").statusCode() == 200;
    }
  }

  @BeforeEach
  void start() {
    hub = new LiveHub();
    provider.tokenExpiresAt = clock.now.plus(Duration.ofMinutes(5));
    web = startWith(Optional.of(provider));
  }

  /** A web server on its own Vert.x (closed with it), with fresh login links. */
  WebServer startWith(Optional<SingleSignOn> sso) {
    tokens = new LoginTokens(Vertx.vertx(), clock);
    return WebServer.start(
        new WebSettings(
            "127.0.0.1", 0, "http://bastion.example:8443", Optional.empty(), Optional.empty()),
        backend,
        hub,
        tokens,
        sso,
        clock);
  }

  @AfterEach
  void stop() {
    web.close();
    hub.close();
  }

  @Test
  void theLoginPageOffersTheProviderAndTheOneTimeLink() throws Exception {
    HttpResponse<String> page = new Browser().get("/login");
    assertEquals(200, page.statusCode());
    assertTrue(
        page.body().contains("href=\"/auth/start\">Sign in with Keycloak &lt;eng&gt;</a>"),
        page.body());
    assertTrue(page.body().contains("ssh -p PORT you@BASTION web-login"), page.body());

    web.close();
    web = startWith(Optional.empty());
    HttpResponse<String> plain = new Browser().get("/login");
    assertEquals(200, plain.statusCode());
    assertTrue(!plain.body().contains("Sign in with"), plain.body());
    assertTrue(plain.body().contains("web-login"), plain.body());
    assertEquals(404, new Browser().get("/auth/start").statusCode());
  }

  @Test
  void signingInStartsASessionAfterItsAuditRowAndForTheTokensLifetime() throws Exception {
    Browser browser = new Browser();
    String state = browser.start();
    assertEquals(URI.create("http://bastion.example:8443/auth/callback"), provider.redirectUri);

    HttpResponse<String> back = browser.back(state, "bob");
    assertEquals(200, back.statusCode(), back.body());
    assertTrue(back.body().contains("content=\"0;url=/\""), "the page goes on to the viewer");
    assertEquals(
        List.of(
            "oidc bob@example.com: "
                + BOB_GROUPS
                + "; web session until "
                + provider.tokenExpiresAt),
        backend.logins);
    assertTrue(browser.lastSetCookie.contains("Max-Age=300"), browser.lastSetCookie);
    assertTrue(browser.lastSetCookie.contains("SameSite=Strict"), browser.lastSetCookie);
    assertTrue(browser.signInCookie == null, "the sign-in cookie is cleared");
    HttpResponse<String> me = browser.get("/api/me");
    assertEquals(200, me.statusCode());
    assertTrue(me.body().contains("\"identity\":\"bob@example.com\""), me.body());
    assertTrue(me.body().contains("\"rights\":[\"shadow\"]"), me.body());

    clock.now = clock.now.plusSeconds(301);
    assertEquals(401, browser.get("/api/me").statusCode(), "the session ends with the token");
  }

  @Test
  void theSessionLastsEightHoursAtMostWhateverTheToken() throws Exception {
    provider.tokenExpiresAt = clock.now.plus(Duration.ofHours(24));
    Browser browser = new Browser();
    assertEquals(200, browser.back(browser.start(), "bob").statusCode());
    assertTrue(browser.lastSetCookie.contains("Max-Age=28800"), browser.lastSetCookie);
    clock.now = clock.now.plus(Duration.ofHours(8)).plusSeconds(1);
    assertEquals(401, browser.get("/api/me").statusCode());
  }

  @Test
  void aStateCountsOnceOnly() throws Exception {
    Browser browser = new Browser();
    String state = browser.start();
    String cookie = browser.signInCookie;
    assertEquals(200, browser.back(state, "bob").statusCode());
    browser.sessionCookie = null;
    browser.signInCookie = cookie;
    HttpResponse<String> replay = browser.back(state, "bob");
    assertEquals(400, replay.statusCode());
    assertTrue(replay.body().contains("it was completed already"), replay.body());
    assertTrue(replay.body().contains("href=\"/login\">Try again"), replay.body());
    assertTrue(!browser.loggedIn());
    assertEquals(1, backend.logins.size());
  }

  @Test
  void theAnswerCountsOnlyInTheBrowserThatStartedTheSignIn() throws Exception {
    Browser victim = new Browser();
    Browser attacker = new Browser();
    String attackersState = attacker.start();
    victim.start();
    HttpResponse<String> crossed = victim.back(attackersState, "bob");
    assertEquals(400, crossed.statusCode());
    assertTrue(crossed.body().contains("belongs to another sign-in"), crossed.body());

    HttpResponse<String> noCookie = new Browser().back(attacker.start(), "bob");
    assertEquals(400, noCookie.statusCode());
    assertTrue(noCookie.body().contains("did not start this sign-in"), noCookie.body());
    assertTrue(backend.logins.isEmpty());
  }

  @Test
  void aSignInExpiresAfterTenMinutes() throws Exception {
    Browser browser = new Browser();
    String state = browser.start();
    clock.now = clock.now.plus(PendingSignIns.LIFETIME).plusSeconds(1);
    HttpResponse<String> late = browser.back(state, "bob");
    assertEquals(400, late.statusCode());
    assertTrue(late.body().contains("longer than 10 minutes"), late.body());
    assertTrue(!browser.loggedIn());
  }

  @Test
  void atMostAThousandSignInsWaitAndTheProviderIsNotAskedForMore() throws Exception {
    Browser browser = new Browser();
    for (int i = 0; i < PendingSignIns.MAX; i++) {
      browser.start();
    }
    HttpResponse<String> refused = browser.get("/auth/start");
    assertEquals(503, refused.statusCode());
    assertTrue(refused.body().contains("Too many sign-ins"), refused.body());
    assertEquals(PendingSignIns.MAX, provider.begun.get());

    clock.now = clock.now.plus(PendingSignIns.LIFETIME).plusSeconds(1);
    browser.start();
  }

  @Test
  void anErrorFromTheProviderEndsOnAClearPage() throws Exception {
    Browser browser = new Browser();
    HttpResponse<String> denied =
        browser.get("/auth/callback?state=" + browser.start() + "&error=access_denied");
    assertEquals(403, denied.statusCode());
    assertTrue(
        denied.body().contains("The sign-in was declined at Keycloak &lt;eng&gt;."), denied.body());
    assertEquals(List.of("access_denied"), provider.errors);
    assertTrue(!browser.loggedIn());
  }

  @Test
  void aProviderThatCannotBeReachedEndsOnAClearPage() throws Exception {
    provider.down = true;
    Browser browser = new Browser();
    HttpResponse<String> start = browser.get("/auth/start");
    assertEquals(502, start.statusCode());
    assertTrue(start.body().contains("Keycloak cannot be reached; try again later."), start.body());
    assertTrue(browser.signInCookie == null, "nothing kept for a sign-in that never started");
  }

  @Test
  void aRefusalShowsItsReasonAndStartsNoSession() throws Exception {
    Browser browser = new Browser();
    HttpResponse<String> refused = browser.back(browser.start(), "carol");
    assertEquals(403, refused.statusCode());
    assertTrue(
        refused.body().contains("Your groups give you no role on this bastion."), refused.body());
    assertTrue(browser.sessionCookie == null);
    assertTrue(backend.logins.isEmpty());
  }

  @Test
  void theOneTimeLinkStillWorks() throws Exception {
    String token =
        tokens
            .issue(
                "alice@example.com",
                "42",
                Set.of("ops"),
                Set.of(),
                clock.now.plus(Duration.ofHours(1)))
            .await();
    Browser browser = new Browser();
    HttpResponse<String> login = browser.get("/login?token=" + token);
    assertEquals(303, login.statusCode());
    assertEquals(Optional.of("/"), login.headers().firstValue("Location"));
    assertTrue(browser.lastSetCookie.contains("Max-Age=3600"), browser.lastSetCookie);
    assertTrue(browser.loggedIn());
    assertEquals(
        List.of("link alice@example.com: web session until " + clock.now.plus(Duration.ofHours(1))),
        backend.logins);

    HttpResponse<String> again = new Browser().get("/login?token=" + token);
    assertEquals(401, again.statusCode());
    assertTrue(again.body().contains("This login link is not valid"), again.body());
  }
}
