package dev.bastion.oidc;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A tiny scripted OpenID provider on loopback for the fast unit tests of the protocol steps: it
 * serves a discovery document, its JWKS, a device authorization endpoint and a token endpoint whose
 * answers the test scripts. The real provider (Keycloak) serves the end-to-end tests.
 */
final class ScriptedProvider implements AutoCloseable {
  static final String CLIENT_ID = "bastion";
  private final HttpServer server;
  private volatile RSAKey key;
  private final Queue<Answer> tokenAnswers = new ConcurrentLinkedQueue<>();
  private final List<Map<String, String>> tokenRequests = new ArrayList<>();
  private final Map<String, Map<String, String>> lastRequest = new ConcurrentHashMap<>();
  private final Map<String, String> lastHeaders = new ConcurrentHashMap<>();
  private volatile String discoveryIssuer;
  private volatile String authMethods = "[\"client_secret_basic\",\"client_secret_post\"]";

  /** One scripted answer of the token endpoint. */
  record Answer(int status, String body) {}

  ScriptedProvider() throws IOException, JOSEException {
    key = new RSAKeyGenerator(2048).keyID("k1").generate();
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    discoveryIssuer = issuer();
    server.createContext("/.well-known/openid-configuration", this::discovery);
    server.createContext("/jwks", e -> send(e, 200, new JWKSet(key.toPublicJWK()).toString()));
    server.createContext("/device", this::device);
    server.createContext("/token", this::token);
    server.start();
  }

  /** Signs from now on with a new key under a new key id (the JWKS serves only the new one). */
  void rotateKey(String keyId) throws JOSEException {
    key = new RSAKeyGenerator(2048).keyID(keyId).generate();
  }

  String issuer() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The discovery document names {@code issuer} (another one than where it is served). */
  void namesIssuer(String issuer) {
    discoveryIssuer = issuer;
  }

  void offersOnlyClientSecretPost() {
    authMethods = "[\"client_secret_post\"]";
  }

  void answerToken(int status, String body) {
    tokenAnswers.add(new Answer(status, body));
  }

  void answerTokenError(String error) {
    answerToken(400, "{\"error\":\"" + error + "\"}");
  }

  /** An identity token for alice signed with this provider's key. */
  void answerIdToken(String nonce) throws JOSEException {
    Instant now = Instant.now();
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer())
            .subject("f00-alice")
            .audience(CLIENT_ID)
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(Duration.ofMinutes(5))))
            .claim("email", "alice@example.com")
            .claim("groups", List.of("sre"));
    if (nonce != null) {
      claims.claim("nonce", nonce);
    }
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
            claims.build());
    jwt.sign(new RSASSASigner(key));
    answerToken(
        200,
        "{\"access_token\":\"at\",\"token_type\":\"Bearer\",\"expires_in\":300,\"id_token\":\""
            + jwt.serialize()
            + "\"}");
  }

  synchronized List<Map<String, String>> tokenRequests() {
    return List.copyOf(tokenRequests);
  }

  /** The form of the last request to {@code path} ("/device" or "/token"). */
  Map<String, String> lastForm(String path) {
    return lastRequest.getOrDefault(path, Map.of());
  }

  /** The Authorization header of the last request to {@code path}, or "". */
  String lastAuthorization(String path) {
    return lastHeaders.getOrDefault(path, "");
  }

  private void discovery(HttpExchange e) throws IOException {
    String base = issuer();
    send(
        e,
        200,
        "{\"issuer\":\""
            + discoveryIssuer
            + "\",\"authorization_endpoint\":\""
            + base
            + "/auth\",\"token_endpoint\":\""
            + base
            + "/token\",\"device_authorization_endpoint\":\""
            + base
            + "/device\",\"jwks_uri\":\""
            + base
            + "/jwks\",\"response_types_supported\":[\"code\"],\"subject_types_supported\":"
            + "[\"public\"],\"id_token_signing_alg_values_supported\":[\"RS256\",\"HS256\"],"
            + "\"token_endpoint_auth_methods_supported\":"
            + authMethods
            + "}");
  }

  private void device(HttpExchange e) throws IOException {
    remember("/device", e);
    send(
        e,
        200,
        "{\"device_code\":\"dc-"
            + System.nanoTime()
            + "\",\"user_code\":\"ABCD-EFGH\",\"verification_uri\":\""
            + issuer()
            + "/device\",\"expires_in\":600,\"interval\":1}");
  }

  private void token(HttpExchange e) throws IOException {
    Map<String, String> form = remember("/token", e);
    synchronized (this) {
      tokenRequests.add(form);
    }
    Answer answer = tokenAnswers.poll();
    if (answer == null) {
      answer = new Answer(400, "{\"error\":\"authorization_pending\"}");
    }
    send(e, answer.status(), answer.body());
  }

  private Map<String, String> remember(String path, HttpExchange e) throws IOException {
    String body = new String(e.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    Map<String, String> form = new HashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        form.put(
            pair.substring(0, eq),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    lastRequest.put(path, form);
    String authorization = e.getRequestHeaders().getFirst("Authorization");
    lastHeaders.put(path, authorization == null ? "" : authorization);
    return form;
  }

  private static void send(HttpExchange e, int status, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    e.getResponseHeaders().set("Content-Type", "application/json");
    e.sendResponseHeaders(status, bytes.length);
    e.getResponseBody().write(bytes);
    e.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
