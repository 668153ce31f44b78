package dev.bastion.oidc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.bastion.config.BastionConfig;
import dev.bastion.oidc.SignInException.Reason;
import dev.bastion.testsupport.HeadlessBrowser;
import dev.bastion.testsupport.Keycloak;
import dev.bastion.testsupport.KeycloakPages;
import dev.bastion.testsupport.TcpRelay;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.WebDriver;

/**
 * OidcProvider against the real Keycloak (realm eng), with Keycloak's own pages completed in
 * headless Chromium as a directory user would: the device flow approved, denied and expired, the
 * browser flow with its nonce, and a provider that stops answering (a relay in front of Keycloak).
 */
@Tag("keycloak")
class OidcProviderKeycloakTest {
  private static final long WAIT_SECONDS = 60;
  @TempDir static Path dir;
  private static Keycloak keycloak;
  private static WebDriver browser;

  @BeforeAll
  static void start() throws Exception {
    keycloak = Keycloak.shared();
    browser = HeadlessBrowser.start(dir);
  }

  @AfterAll
  static void quit() {
    if (browser != null) {
      browser.quit();
    }
  }

  @BeforeEach
  void forgetKeycloakSession() {
    KeycloakPages.signOut(browser, keycloak.issuer());
  }

  @Test
  void deviceFlowApprovedInTheBrowserSignsInAliceWithHerGroups() throws Exception {
    try (OidcProvider provider =
        provider(keycloak.issuer(), Keycloak.CLIENT_ID, Keycloak.CLIENT_SECRET)) {
      DeviceCode code = await(provider.startDeviceLogin());
      assertTrue(code.userCode().matches("[A-Z]{4}-[A-Z]{4}"), code.toString());
      CompletableFuture<SignedIn> signedIn = provider.awaitDeviceLogin(code);

      KeycloakPages.approveDevice(
          browser,
          code.verificationUriComplete().orElseThrow().toString(),
          Keycloak.ALICE.email(),
          Keycloak.ALICE.password());

      SignedIn alice = await(signedIn);
      assertEquals("alice@example.com", alice.identity());
      assertEquals(List.of("sre"), alice.groups());
      assertEquals(keycloak.issuer(), alice.issuer());
    }
  }

  @Test
  void deviceFlowDeniedInTheBrowserEndsDenied() throws Exception {
    try (OidcProvider provider =
        provider(keycloak.issuer(), Keycloak.CLIENT_ID, Keycloak.CLIENT_SECRET)) {
      DeviceCode code = await(provider.startDeviceLogin());
      CompletableFuture<SignedIn> signedIn = provider.awaitDeviceLogin(code);

      KeycloakPages.denyDevice(
          browser,
          code.verificationUriComplete().orElseThrow().toString(),
          Keycloak.BOB.email(),
          Keycloak.BOB.password());

      assertEquals(Reason.DENIED, failure(signedIn).reason());
    }
  }

  @Test
  void deviceCodeNobodyCompletesEndsExpired() throws Exception {
    try (OidcProvider provider =
        provider(
            keycloak.issuer(), Keycloak.SHORT_CODE_CLIENT_ID, Keycloak.SHORT_CODE_CLIENT_SECRET)) {
      DeviceCode code = await(provider.startDeviceLogin());

      SignInException e = failure(provider.awaitDeviceLogin(code));
      assertEquals(Reason.EXPIRED, e.reason(), e.getMessage());
      assertTrue(e.getMessage().contains("expired"), e.getMessage());
    }
  }

  @Test
  void browserFlowSignsInWithTheCodeAndChecksTheNonce() throws Exception {
    try (OidcProvider provider =
            provider(keycloak.issuer(), Keycloak.CLIENT_ID, Keycloak.CLIENT_SECRET);
        Callback callback = new Callback()) {
      BrowserLogin pending = await(provider.beginBrowserLogin(callback.uri()));
      browser.get(pending.authorizationUrl().toString());
      KeycloakPages.signIn(browser, Keycloak.ALICE.email(), Keycloak.ALICE.password());
      Map<String, String> back = callback.next();
      assertEquals(pending.state(), back.get("state"));

      SignedIn alice = await(provider.finishBrowserLogin(pending, back.get("code")));
      assertEquals("alice@example.com", alice.identity());
      assertEquals(List.of("sre"), alice.groups());
      // A code works once.
      assertEquals(
          Reason.EXPIRED, failure(provider.finishBrowserLogin(pending, back.get("code"))).reason());

      // Keycloak's session signs the next one in at once; a token carrying another nonce than
      // the one this sign-in sent is refused.
      BrowserLogin second = await(provider.beginBrowserLogin(callback.uri()));
      browser.get(second.authorizationUrl().toString());
      Map<String, String> again = callback.next();
      BrowserLogin otherNonce =
          new BrowserLogin(
              second.authorizationUrl(),
              second.state(),
              pending.nonce(),
              second.codeVerifier(),
              second.redirectUri());
      SignInException e = failure(provider.finishBrowserLogin(otherNonce, again.get("code")));
      assertEquals(Reason.INVALID_TOKEN, e.reason(), e.getMessage());
      assertTrue(e.getMessage().contains("nonce"), e.getMessage());
    }
  }

  @Test
  void aProviderThatStopsAnsweringIsUnavailableAndRecovers() throws Exception {
    try (TcpRelay relay = TcpRelay.start(keycloak.baseUri())) {
      String issuer = relay.uri() + "/realms/" + Keycloak.REALM;
      relay.stop();
      // Down at start: the start returns at once, sign-ins say why.
      try (OidcProvider provider = provider(issuer, Keycloak.CLIENT_ID, Keycloak.CLIENT_SECRET)) {
        SignInException down = failure(provider.startDeviceLogin());
        assertEquals(Reason.PROVIDER_UNAVAILABLE, down.reason());
        assertTrue(down.getMessage().contains("Keycloak"), down.getMessage());

        relay.restart();
        DeviceCode code = await(provider.startDeviceLogin());
        assertTrue(code.verificationUri().toString().startsWith(issuer), code.toString());
        CompletableFuture<SignedIn> waiting = provider.awaitDeviceLogin(code);

        relay.stop();
        assertEquals(Reason.PROVIDER_UNAVAILABLE, failure(waiting).reason());
        assertEquals(Reason.PROVIDER_UNAVAILABLE, failure(provider.startDeviceLogin()).reason());

        relay.restart();
        assertTrue(await(provider.startDeviceLogin()).userCode().matches("[A-Z]{4}-[A-Z]{4}"));
      }
    }
  }

  private static OidcProvider provider(String issuer, String clientId, String secret) {
    return OidcProvider.start(
        new BastionConfig.Oidc(
            URI.create(issuer),
            "Keycloak",
            clientId,
            Optional.of(new BastionConfig.Secret(secret)),
            "email",
            "groups",
            Duration.ofHours(8),
            Duration.ofHours(1)),
        Clock.systemUTC());
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.get(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  private static SignInException failure(Future<?> future) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> await(future));
    return assertInstanceOf(SignInException.class, e.getCause());
  }

  /** The redirect URI: a tiny loopback listener that hands over each query it receives. */
  private static final class Callback implements AutoCloseable {
    private final HttpServer server;
    private final java.util.concurrent.BlockingQueue<Map<String, String>> queries =
        new java.util.concurrent.LinkedBlockingQueue<>();

    Callback() throws java.io.IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext(
          "/callback",
          exchange -> {
            queries.add(parse(exchange.getRequestURI().getRawQuery()));
            byte[] body = "signed in".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
          });
      server.start();
    }

    URI uri() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/callback");
    }

    Map<String, String> next() throws InterruptedException {
      Map<String, String> query = queries.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      if (query == null) {
        throw new AssertionError("the browser never came back: " + KeycloakPages.text(browser));
      }
      return query;
    }

    private static Map<String, String> parse(String query) {
      Map<String, String> values = new HashMap<>();
      for (String pair : query == null ? new String[0] : query.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          values.put(
              pair.substring(0, eq),
              URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
      return values;
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
