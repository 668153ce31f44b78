package dev.bastion.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Keycloak smoke test: the shared fixture starts a real Keycloak whose realm {@code eng} serves
 * what the SSO tests rely on. Its log says how long the start took.
 */
@Tag("keycloak")
class KeycloakSmokeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static Keycloak keycloak;

  @BeforeAll
  static void start() {
    keycloak = Keycloak.shared();
    System.out.println("Keycloak started in " + keycloak.startTime() + ", log " + keycloak.log());
  }

  @Test
  void discoveryDocumentNamesTheRealmAndTheDeviceEndpoint() throws Exception {
    JsonNode discovery = get(keycloak.discoveryUri());

    assertEquals(keycloak.issuer(), discovery.path("issuer").asText());
    assertTrue(
        discovery.path("device_authorization_endpoint").asText().startsWith(keycloak.issuer()),
        discovery.toString());
    assertTrue(discovery.path("jwks_uri").asText().startsWith(keycloak.issuer()));
  }

  @Test
  void deviceAuthorizationGivesTheBastionClientAUserCodeAndVerificationPage() throws Exception {
    JsonNode discovery = get(keycloak.discoveryUri());
    // The client requires PKCE S256, and Keycloak applies that to the device grant too.
    JsonNode device =
        post(
            discovery.path("device_authorization_endpoint").asText(),
            Map.of(
                "client_id", Keycloak.CLIENT_ID,
                "client_secret", Keycloak.CLIENT_SECRET,
                "scope", "openid",
                "code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                "code_challenge_method", "S256"));

    assertTrue(device.path("user_code").asText().matches("[A-Z]{4}-[A-Z]{4}"), device.toString());
    assertTrue(device.path("device_code").asText().length() > 20, device.toString());
    assertEquals(keycloak.issuer() + "/device", device.path("verification_uri").asText());
    assertTrue(
        device
            .path("verification_uri_complete")
            .asText()
            .endsWith(device.path("user_code").asText()));
  }

  @Test
  void aliceTokenCarriesHerEmailAndGroupWithoutSlash() throws Exception {
    JsonNode discovery = get(keycloak.discoveryUri());
    JsonNode tokens =
        post(
            discovery.path("token_endpoint").asText(),
            Map.of(
                "grant_type",
                "password",
                "client_id",
                Keycloak.DIRECT_CLIENT_ID,
                "client_secret",
                Keycloak.DIRECT_CLIENT_SECRET,
                "username",
                Keycloak.ALICE.email(),
                "password",
                Keycloak.ALICE.password(),
                "scope",
                "openid"));

    JsonNode idToken = claims(tokens.path("id_token").asText());
    assertEquals(keycloak.issuer(), idToken.path("iss").asText());
    assertEquals("alice@example.com", idToken.path("email").asText());
    assertEquals(List.of("sre"), texts(idToken.path("groups")));

    HttpRequest userinfo =
        HttpRequest.newBuilder(URI.create(discovery.path("userinfo_endpoint").asText()))
            .header("Authorization", "Bearer " + tokens.path("access_token").asText())
            .build();
    JsonNode info = JSON.readTree(HTTP.send(userinfo, HttpResponse.BodyHandlers.ofString()).body());
    assertEquals("alice@example.com", info.path("email").asText());
    assertEquals(List.of("sre"), texts(info.path("groups")));
  }

  static JsonNode claims(String jwt) throws IOException {
    String[] parts = jwt.split("\\.");
    assertEquals(3, parts.length, "not a signed JWT: " + jwt);
    return JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
  }

  private static List<String> texts(JsonNode array) {
    return array.isArray()
        ? java.util.stream.StreamSupport.stream(array.spliterator(), false)
            .map(JsonNode::asText)
            .collect(Collectors.toList())
        : List.of("<" + array + ">");
  }

  static JsonNode get(URI uri) throws IOException, InterruptedException {
    HttpResponse<String> response =
        HTTP.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    return JSON.readTree(response.body());
  }

  static JsonNode post(String uri, Map<String, String> form)
      throws IOException, InterruptedException {
    HttpResponse<String> response = postForm(uri, form);
    assertEquals(200, response.statusCode(), response.body());
    return JSON.readTree(response.body());
  }

  /** Posts a form and returns the answer whatever its status. */
  static HttpResponse<String> postForm(String uri, Map<String, String> form)
      throws IOException, InterruptedException {
    String body =
        form.entrySet().stream()
            .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(uri))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
