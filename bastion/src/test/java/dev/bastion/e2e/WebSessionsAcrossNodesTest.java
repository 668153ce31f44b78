package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.cli.CliRun;
import dev.bastion.keys.CaKeyStore;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.OpenSsh;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Login links, web sessions and single sign-ins under way are the fleet's, not a node's: a link
 * printed by one node opens the other's viewer, once; the cookie works on both; signing out or a
 * revocation on one node ends it on both; a sign-in begun on one node finishes on the other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebSessionsAcrossNodesTest {
  static final FakeIdentityProvider idp = new FakeIdentityProvider();
  final HttpClient http =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  Path dir;
  TwoNodes fleet;
  String baseA;
  String baseB;

  @BeforeAll
  void start(@TempDir Path tempDir) throws Exception {
    dir = tempDir;
    fleet = TwoNodes.start(dir, SsoLoginTest.SSO_YAML, oidc -> idp);
    baseA = "http://127.0.0.1:" + fleet.a.bastion.webPort();
    baseB = "http://127.0.0.1:" + fleet.b.bastion.webPort();
  }

  @AfterAll
  void stop() {
    if (fleet != null) {
      fleet.close();
    }
  }

  @Test
  void aLinkFromNodeAOpensNodeBOnceAndSigningOutOnOneEndsItOnBoth() throws Exception {
    String link = link(fleet.a, fleet.a.userKey);
    assertTrue(link.startsWith(baseA + "/login?token="), link);
    String token = link.substring(baseA.length());

    HttpResponse<String> onB = get(baseB + token, null);
    assertEquals(303, onB.statusCode(), onB.body());
    String setCookie = onB.headers().firstValue("Set-Cookie").orElseThrow();
    assertTrue(setCookie.contains("SameSite=Strict"), setCookie);
    assertTrue(setCookie.toLowerCase().contains("httponly"), setCookie);
    assertEquals(401, get(baseA + token, null).statusCode(), "used on B, refused on A");
    assertEquals(401, get(baseB + token, null).statusCode(), "and on B");

    String cookie = setCookie.split(";")[0];
    assertMe(baseA, cookie, "alice@example.com");
    assertMe(baseB, cookie, "alice@example.com");

    HttpResponse<String> out =
        http.send(
            HttpRequest.newBuilder(URI.create(baseA + "/logout"))
                .header("Cookie", cookie)
                .header("Origin", baseA)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(204, out.statusCode(), out.body());
    assertEquals(401, get(baseB + "/api/me", cookie).statusCode(), "signed out on A, so on B");
    assertEquals(401, get(baseA + "/api/me", cookie).statusCode());
  }

  @Test
  void revokingOnNodeAEndsAWebSessionStartedOnNodeBOnBothNodes() throws Exception {
    Path key = OpenSsh.keygen(Files.createDirectories(dir.resolve("carol")), "id_carol");
    GatewayFixture.issue(
        new CaKeyStore(fleet.a.dataDir),
        key,
        "carol@example.com",
        List.of("ops"),
        Duration.ofHours(1));
    String link = link(fleet.b, key);
    HttpResponse<String> onB = get(link, null);
    assertEquals(303, onB.statusCode(), onB.body());
    String cookie = onB.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
    assertMe(baseA, cookie, "carol@example.com");
    assertMe(baseB, cookie, "carol@example.com");

    CliRun.of(fleet.a.dataDir, "cert", "revoke", "--identity", "carol@example.com").ok();
    awaitLoggedOut(baseB, cookie);
    assertEquals(401, get(baseA + "/api/me", cookie).statusCode());
  }

  @Test
  void aSignInBegunOnNodeAFinishesOnNodeBOnce() throws Exception {
    HttpResponse<String> begun = get(baseA + "/auth/start", null);
    assertEquals(303, begun.statusCode(), begun.body());
    String location = begun.headers().firstValue("Location").orElseThrow();
    assertTrue(location.startsWith(FakeIdentityProvider.ISSUER + "/auth?state="), location);
    String state = location.substring(location.indexOf("state=") + "state=".length());
    String signIn = begun.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
    assertTrue(signIn.startsWith("bastion_signin="), signIn);
    String code = idp.signInBrowser(state, "sam@example.com", List.of("sre"));

    // The load balancer sends the browser back to node B: it finishes the sign-in node A began
    // (with A's PKCE verifier, which the provider checks).
    String callback = "/auth/callback?state=" + state + "&code=" + code;
    HttpResponse<String> back = get(baseB + callback, signIn);
    assertEquals(200, back.statusCode(), back.body());
    assertTrue(back.body().contains("Signed in as sam@example.com."), back.body());
    String cookie =
        back.headers().allValues("Set-Cookie").stream()
            .filter(c -> c.startsWith("bastion_session="))
            .findFirst()
            .orElseThrow()
            .split(";")[0];
    assertMe(baseA, cookie, "sam@example.com");
    assertMe(baseB, cookie, "sam@example.com");

    HttpResponse<String> replay = get(baseA + callback, signIn);
    assertEquals(400, replay.statusCode(), replay.body());
    assertTrue(replay.body().contains("it was completed already"), replay.body());
  }

  /** The link {@code ssh ... web-login} prints through {@code node}. */
  private static String link(GatewayFixture node, Path key) {
    CommandResult result = node.sshWith(key, "me", null, "web-login");
    assertEquals(0, result.exitCode(), result.toString());
    return result.stdout().strip();
  }

  private void assertMe(String base, String cookie, String identity) throws Exception {
    HttpResponse<String> me = get(base + "/api/me", cookie);
    assertEquals(200, me.statusCode(), base + ": " + me.body());
    assertTrue(me.body().contains("\"identity\":\"" + identity + "\""), me.body());
  }

  /** Waits (20 s at most) for the revocation sweep to end the session behind {@code cookie}. */
  private void awaitLoggedOut(String base, String cookie) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    int status;
    while ((status = get(base + "/api/me", cookie).statusCode()) == 200
        && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertEquals(401, status, "the revoked web session ended");
  }

  private HttpResponse<String> get(String url, String cookie) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
    if (cookie != null) {
      request.header("Cookie", cookie);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
