package dev.bastion.oidc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.config.BastionConfig;
import dev.bastion.oidc.SignInException.Reason;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The protocol steps against a tiny scripted provider: what the bastion sends (PKCE, scope, client
 * authentication) and how it reads the answers (pending, slow_down, server errors, a discovery
 * document for another issuer, cancellation).
 */
class OidcProviderTest {
  private static final String SECRET = "s3cret-value";
  private ScriptedProvider idp;
  private OidcProvider provider;

  @BeforeEach
  void start() throws Exception {
    idp = new ScriptedProvider();
  }

  @AfterEach
  void stop() {
    if (provider != null) {
      provider.close();
    }
    idp.close();
  }

  @Test
  void deviceFlowSendsPkceAndTheSecretAndPollsThroughPendingAndSlowDown() throws Exception {
    provider = start(idp.issuer());
    idp.answerTokenError("authorization_pending");
    idp.answerTokenError("slow_down");
    idp.answerIdToken(null);

    DeviceCode code = await(provider.startDeviceLogin());
    SignedIn alice = await(provider.awaitDeviceLogin(code));

    assertEquals("alice@example.com", alice.identity());
    assertEquals(List.of("sre"), alice.groups());
    Map<String, String> device = idp.lastForm("/device");
    assertEquals("S256", device.get("code_challenge_method"));
    assertEquals(43, device.get("code_challenge").length());
    assertEquals("openid email profile", device.get("scope"));
    assertTrue(idp.lastAuthorization("/device").startsWith("Basic "));
    List<Map<String, String>> polls = idp.tokenRequests();
    assertEquals(3, polls.size(), "pending, slow_down, then the tokens");
    for (Map<String, String> poll : polls) {
      assertEquals("urn:ietf:params:oauth:grant-type:device_code", poll.get("grant_type"));
      assertEquals(code.deviceCode(), poll.get("device_code"));
      assertEquals(code.codeVerifier(), poll.get("code_verifier"));
    }
  }

  @Test
  void theSecretGoesInTheFormWhenTheProviderOffersOnlyThat() throws Exception {
    idp.offersOnlyClientSecretPost();
    provider = start(idp.issuer());

    await(provider.startDeviceLogin());

    assertEquals(SECRET, idp.lastForm("/device").get("client_secret"));
    assertEquals("", idp.lastAuthorization("/device"));
  }

  @Test
  void aServerErrorWhilePollingIsProviderUnavailableWithoutTheCode() throws Exception {
    provider = start(idp.issuer());
    idp.answerToken(503, "{\"error\":\"temporarily_unavailable\"}");

    DeviceCode code = await(provider.startDeviceLogin());
    SignInException e = failure(provider.awaitDeviceLogin(code));

    assertEquals(Reason.PROVIDER_UNAVAILABLE, e.reason());
    assertTrue(e.getMessage().contains("TestIdP"), e.getMessage());
    assertFalse(e.getMessage().contains(code.deviceCode()), e.getMessage());
    assertFalse(e.getMessage().contains(SECRET), e.getMessage());
  }

  @Test
  void aDiscoveryDocumentForAnotherIssuerIsRefused() throws Exception {
    idp.namesIssuer("https://other.example.com");
    provider = start(idp.issuer());

    SignInException e = failure(provider.startDeviceLogin());

    assertEquals(Reason.PROVIDER_ERROR, e.reason());
    assertTrue(e.getMessage().contains("https://other.example.com"), e.getMessage());
    assertTrue(e.getMessage().contains("oidc.issuer"), e.getMessage());
  }

  @Test
  void cancellingTheWaitStopsThePolling() throws Exception {
    provider = start(idp.issuer());
    DeviceCode first = await(provider.startDeviceLogin());
    CompletableFuture<SignedIn> waiting = provider.awaitDeviceLogin(first);
    awaitPolls(first, 1);

    waiting.cancel(true);
    int pollsAtCancel = polls(first);
    // Another code polled at the same interval three times: the first would have been polled at
    // least twice more meanwhile had its polling gone on.
    DeviceCode second = await(provider.startDeviceLogin());
    CompletableFuture<SignedIn> other = provider.awaitDeviceLogin(second);
    awaitPolls(second, 3);
    other.cancel(true);

    assertTrue(polls(first) <= pollsAtCancel + 1, "polled " + polls(first) + " times");
  }

  @Test
  void browserFlowSendsStateNonceAndPkceAndTradesTheCodeWithTheVerifier() throws Exception {
    provider = start(idp.issuer());
    URI redirect = URI.create("http://127.0.0.1:8443/auth/callback");

    BrowserLogin pending = await(provider.beginBrowserLogin(redirect));
    Map<String, String> query = query(pending.authorizationUrl());
    assertEquals("code", query.get("response_type"));
    assertEquals(ScriptedProvider.CLIENT_ID, query.get("client_id"));
    assertEquals(redirect.toString(), query.get("redirect_uri"));
    assertEquals(pending.state(), query.get("state"));
    assertEquals(pending.nonce(), query.get("nonce"));
    assertEquals("S256", query.get("code_challenge_method"));
    assertFalse(pending.authorizationUrl().toString().contains(pending.codeVerifier()));

    idp.answerIdToken(pending.nonce());
    SignedIn alice = await(provider.finishBrowserLogin(pending, "the-code"));

    assertEquals("alice@example.com", alice.identity());
    Map<String, String> token = idp.lastForm("/token");
    assertEquals("authorization_code", token.get("grant_type"));
    assertEquals("the-code", token.get("code"));
    assertEquals(pending.codeVerifier(), token.get("code_verifier"));
  }

  @Test
  void aTokenSignedWithANewKeyIsVerifiedAfterTheKeysAreFetchedAgain() throws Exception {
    provider = start(idp.issuer());
    URI redirect = URI.create("http://127.0.0.1:8443/auth/callback");
    BrowserLogin first = await(provider.beginBrowserLogin(redirect));
    idp.answerIdToken(first.nonce());
    assertEquals("alice@example.com", await(provider.finishBrowserLogin(first, "c1")).identity());

    idp.rotateKey("k2");
    BrowserLogin second = await(provider.beginBrowserLogin(redirect));
    idp.answerIdToken(second.nonce());

    assertEquals("alice@example.com", await(provider.finishBrowserLogin(second, "c2")).identity());
  }

  private OidcProvider start(String issuer) {
    return OidcProvider.start(
        new BastionConfig.Oidc(
            URI.create(issuer),
            "TestIdP",
            ScriptedProvider.CLIENT_ID,
            Optional.of(new BastionConfig.Secret(SECRET)),
            "email",
            "groups",
            Duration.ofHours(8),
            Duration.ofHours(1)),
        Clock.systemUTC());
  }

  private int polls(DeviceCode code) {
    return (int)
        idp.tokenRequests().stream()
            .filter(r -> code.deviceCode().equals(r.get("device_code")))
            .count();
  }

  private void awaitPolls(DeviceCode code, int count) throws InterruptedException {
    for (int i = 0; i < 300 && polls(code) < count; i++) {
      Thread.sleep(50);
    }
    assertTrue(polls(code) >= count, "polled " + polls(code) + " times, not " + count);
  }

  private static Map<String, String> query(URI uri) {
    Map<String, String> values = new java.util.HashMap<>();
    for (String pair : uri.getRawQuery().split("&")) {
      int eq = pair.indexOf('=');
      values.put(
          pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return values;
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.get(30, TimeUnit.SECONDS);
  }

  private static SignInException failure(Future<?> future) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> await(future));
    return assertInstanceOf(SignInException.class, e.getCause());
  }
}
