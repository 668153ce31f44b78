package dev.bastion.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.WebDriver;

/**
 * KeycloakPages against the real Keycloak: a device code approved in headless Chromium yields
 * alice's tokens at the token endpoint (so does a code typed on the verification page); a denied
 * one yields {@code access_denied}.
 */
@Tag("keycloak")
class KeycloakPagesTest {
  // RFC 7636's example pair: the challenge is the S256 of the verifier.
  private static final String VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  private static final String CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  private static WebDriver browser;
  private static JsonNode discovery;

  @BeforeAll
  static void start() throws Exception {
    discovery = KeycloakSmokeTest.get(Keycloak.shared().discoveryUri());
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
    KeycloakPages.signOut(browser, Keycloak.shared().issuer());
  }

  @Test
  void approvedDeviceCodeGivesAliceTokens() throws Exception {
    JsonNode device = deviceAuthorization();

    KeycloakPages.approveDevice(
        browser,
        device.path("verification_uri_complete").asText(),
        Keycloak.ALICE.email(),
        Keycloak.ALICE.password());

    assertEquals(Keycloak.ALICE.email(), signedInEmail(device));
  }

  @Test
  void deviceCodeTypedOnTheVerificationPageGivesCarolTokens() throws Exception {
    JsonNode device = deviceAuthorization();

    KeycloakPages.approveDeviceWithCode(
        browser,
        device.path("verification_uri").asText(),
        device.path("user_code").asText(),
        Keycloak.CAROL.email(),
        Keycloak.CAROL.password());

    assertEquals(Keycloak.CAROL.email(), signedInEmail(device));
  }

  @Test
  void deniedDeviceCodeIsRefusedAtTheTokenEndpoint() throws Exception {
    JsonNode device = deviceAuthorization();

    KeycloakPages.denyDevice(
        browser,
        device.path("verification_uri_complete").asText(),
        Keycloak.BOB.email(),
        Keycloak.BOB.password());

    HttpResponse<String> token = poll(device.path("device_code").asText());
    assertEquals(400, token.statusCode(), token.body());
    assertEquals("access_denied", JSON.readTree(token.body()).path("error").asText());
  }

  /** The email in the identity token the approved device code now gets. */
  private static String signedInEmail(JsonNode device) throws Exception {
    HttpResponse<String> token = poll(device.path("device_code").asText());
    assertEquals(200, token.statusCode(), token.body());
    String idToken = JSON.readTree(token.body()).path("id_token").asText();
    return KeycloakSmokeTest.claims(idToken).path("email").asText();
  }

  private static JsonNode deviceAuthorization() throws Exception {
    return KeycloakSmokeTest.post(
        discovery.path("device_authorization_endpoint").asText(),
        Map.of(
            "client_id",
            Keycloak.CLIENT_ID,
            "client_secret",
            Keycloak.CLIENT_SECRET,
            "scope",
            "openid email",
            "code_challenge",
            CHALLENGE,
            "code_challenge_method",
            "S256"));
  }

  private static HttpResponse<String> poll(String deviceCode) throws Exception {
    return KeycloakSmokeTest.postForm(
        discovery.path("token_endpoint").asText(),
        Map.of(
            "grant_type",
            "urn:ietf:params:oauth:grant-type:device_code",
            "device_code",
            deviceCode,
            "client_id",
            Keycloak.CLIENT_ID,
            "client_secret",
            Keycloak.CLIENT_SECRET,
            "code_verifier",
            VERIFIER));
  }
}
