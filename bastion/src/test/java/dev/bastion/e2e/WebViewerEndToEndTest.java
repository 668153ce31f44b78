package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.keys.CaKeyStore;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.OpenSsh;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The web viewer's API and live WebSocket, logged in through links from the real ssh client. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebViewerEndToEndTest {
  static final ObjectMapper JSON = new ObjectMapper();
  Path dir;
  GatewayFixture gw;
  Path bobKey;
  String base;
  final HttpClient http =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @BeforeAll
  void start(@TempDir Path tempDir) throws Exception {
    dir = tempDir;
    gw = GatewayFixture.start(dir, "");
    bobKey = OpenSsh.keygen(Files.createDirectories(dir.resolve("bob")), "id_bob");
    GatewayFixture.issue(
        new CaKeyStore(gw.dataDir),
        bobKey,
        "bob@example.com",
        List.of("viewer"),
        Duration.ofHours(1));
    base = "http://127.0.0.1:" + gw.bastion.webPort();
  }

  @AfterAll
  void stop() {
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void webLoginLinkWorksOnceAndGivesAStrictHttpOnlyCookie() throws Exception {
    String link = loginLink(gw.userKey);
    assertTrue(link.startsWith(base + "/login?token="), link);
    HttpResponse<String> first = get(URI.create(link), null);
    assertEquals(303, first.statusCode());
    String setCookie = first.headers().firstValue("Set-Cookie").orElseThrow();
    assertTrue(setCookie.toLowerCase().contains("httponly"), setCookie);
    assertTrue(setCookie.contains("SameSite=Strict"), setCookie);
    assertEquals(401, get(URI.create(link), null).statusCode(), "a link works once");

    String cookie = setCookie.split(";")[0];
    JsonNode me = JSON.readTree(get(URI.create(base + "/api/me"), cookie).body());
    assertEquals("alice@example.com", me.get("identity").asText());
    assertEquals("[\"audit\",\"replay\",\"shadow\",\"terminate\"]", me.get("rights").toString());

    HttpResponse<String> anonymous = get(URI.create(base + "/api/me"), null);
    assertEquals(401, anonymous.statusCode());
    assertTrue(JSON.readTree(anonymous.body()).get("error").asText().contains("web-login"));
    HttpResponse<String> page = get(URI.create(base + "/"), null);
    assertEquals(200, page.statusCode());
    assertTrue(
        page.headers()
            .firstValue("Content-Security-Policy")
            .orElseThrow()
            .contains("script-src 'self'"));
  }

  @Test
  void watchingALiveSessionStreamsAsciicastAndTerminatingEndsTheSshClient() throws Exception {
    String alice = cookie(gw.userKey);
    String bob = cookie(bobKey);
    Process ssh = startSession("echo watched-output; sleep 60");
    assertEquals(
        "watched-output\n",
        new String(ssh.getInputStream().readNBytes("watched-output\n".length())));
    JsonNode session = liveSession(alice, "echo watched-output; sleep 60");
    String id = session.get("id").asText();

    // Lists and lookups honour rights: bob holds no 'shadow'.
    assertEquals(403, get(URI.create(base + "/api/sessions/" + id), bob).statusCode());
    assertEquals(
        404,
        get(URI.create(base + "/api/sessions/0123456789abcdef0123456789abcdef"), alice)
            .statusCode());
    assertTrue(
        JSON.readTree(get(URI.create(base + "/api/sessions?state=live"), bob).body()).isEmpty());

    // The live stream: header first, then what happened so far, as asciinema-player expects.
    List<String> messages = new CopyOnWriteArrayList<>();
    CompletableFuture<Integer> closed = new CompletableFuture<>();
    WebSocket socket =
        http.newWebSocketBuilder()
            .header("Cookie", alice)
            .header("Origin", base)
            .subprotocols("v2.asciicast")
            .buildAsync(
                URI.create(base.replace("http", "ws") + "/api/sessions/" + id + "/live"),
                new WebSocket.Listener() {
                  StringBuilder partial = new StringBuilder();

                  @Override
                  public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                    partial.append(data);
                    if (last) {
                      messages.add(partial.toString());
                      partial = new StringBuilder();
                    }
                    ws.request(1);
                    return null;
                  }

                  @Override
                  public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
                    closed.complete(status);
                    return null;
                  }
                })
            .get(10, TimeUnit.SECONDS);
    assertEquals("v2.asciicast", socket.getSubprotocol());
    awaitCondition(
        () -> messages.stream().anyMatch(m -> m.contains("watched-output")),
        "output never reached the viewer");
    JsonNode header = JSON.readTree(messages.get(0));
    assertEquals(2, header.get("version").asInt());

    // Terminate needs JSON, this site's Origin and the right.
    String body = "{\"reason\": \"maintenance window closed\"}";
    assertEquals(
        403,
        post(base + "/api/sessions/" + id + "/terminate", alice, body, null, "application/json")
            .statusCode());
    assertEquals(
        403,
        post(base + "/api/sessions/" + id + "/terminate", alice, body, base, "text/plain")
            .statusCode());
    assertEquals(
        403,
        post(base + "/api/sessions/" + id + "/terminate", bob, body, base, "application/json")
            .statusCode());
    assertEquals(
        400,
        post(base + "/api/sessions/" + id + "/terminate", alice, "{}", base, "application/json")
            .statusCode());
    assertEquals(
        200,
        post(base + "/api/sessions/" + id + "/terminate", alice, body, base, "application/json")
            .statusCode());

    assertTrue(ssh.waitFor(10, TimeUnit.SECONDS), "ssh did not exit after the termination");
    String err = new String(ssh.getErrorStream().readAllBytes());
    assertTrue(
        err.contains("bastion: session terminated by alice@example.com: maintenance window closed"),
        err);
    assertEquals(1000, closed.get(10, TimeUnit.SECONDS));
    assertTrue(
        messages.stream()
            .anyMatch(m -> m.contains("\"m\"") && m.contains("viewer alice@example.com joined")),
        messages.toString());

    // The recording: replayable by alice, not by bob; audit needs its right.
    // Sealed after ssh has its exit status; until the row says ended, the open file is served.
    gw.awaitSealed(s -> id.equals(s.id()));
    String cast = get(URI.create(base + "/api/recordings/" + id + ".cast"), alice).body();
    assertTrue(cast.contains("watched-output"), cast);
    assertTrue(
        cast.contains("session terminated by alice@example.com: maintenance window closed"), cast);
    assertEquals(
        200, get(URI.create(base + "/api/recordings/" + id + ".cast.seal"), alice).statusCode());
    assertEquals(403, get(URI.create(base + "/api/recordings/" + id + ".cast"), bob).statusCode());
    assertEquals(
        404,
        get(URI.create(base + "/api/recordings/..%2F..%2Fca%2Fuser_ca.cast"), alice).statusCode());
    assertEquals(403, get(URI.create(base + "/api/audit"), bob).statusCode());
    // A replay's row is queued as the file is served, not written before.
    awaitCondition(
        () -> {
          String audit = get(URI.create(base + "/api/audit"), alice).body();
          return audit.contains("session_terminated")
              && audit.contains("watch_started")
              && audit.contains("recording_replayed");
        },
        "the audit log holds the termination, the watch and the replay");
  }

  @Test
  void revokingACertificateEndsItsWebSessionToo() throws Exception {
    Path daveKey = OpenSsh.keygen(Files.createDirectories(dir.resolve("dave")), "id_dave");
    GatewayFixture.issue(
        new CaKeyStore(gw.dataDir),
        daveKey,
        "dave@example.com",
        List.of("ops"),
        Duration.ofHours(1));
    String dave = cookie(daveKey);
    assertEquals(200, get(URI.create(base + "/api/me"), dave).statusCode());
    new dev.bastion.keys.RevocationList(gw.dataDir)
        .add(dev.bastion.keys.Revocation.identity("dave@example.com", java.time.Instant.now()));
    awaitCondition(
        () -> get(URI.create(base + "/api/me"), dave).statusCode() == 401,
        "web session outlived the revocation");
  }

  @Test
  void webSocketFromAnotherOriginIsRefused() throws Exception {
    String alice = cookie(gw.userKey);
    Process ssh = startSession("echo origin-test; sleep 30");
    ssh.getInputStream().readNBytes("origin-test\n".length());
    String id = liveSession(alice, "echo origin-test; sleep 30").get("id").asText();
    HttpResponse<String> upgrade =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/api/sessions/" + id + "/live"))
                .header("Cookie", alice)
                .header("Origin", "http://evil.example")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(403, upgrade.statusCode());
    ssh.destroyForcibly();
  }

  private Process startSession(String command) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(gw.port())));
    cmd.addAll(gw.sshOptions(gw.userKey));
    cmd.addAll(List.of(gw.onTarget() + "@127.0.0.1", command));
    return new ProcessBuilder(cmd).start();
  }

  private JsonNode liveSession(String cookie, String command) throws Exception {
    for (int i = 0; i < 100; i++) {
      for (JsonNode s :
          JSON.readTree(get(URI.create(base + "/api/sessions?state=live"), cookie).body())) {
        if (command.equals(s.get("command").asText())) {
          return s;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("session not listed as live");
  }

  String loginLink(Path key) {
    CommandResult r = gw.sshWith(key, "me", null, "web-login");
    assertEquals(0, r.exitCode(), r.toString());
    assertEquals(1, r.stdout().lines().count(), "the link alone on its line: " + r.stdout());
    return r.stdout().strip();
  }

  String cookie(Path key) throws Exception {
    HttpResponse<String> response = get(URI.create(loginLink(key)), null);
    return response.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
  }

  HttpResponse<String> get(URI uri, String cookie) {
    try {
      HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10));
      if (cookie != null) {
        request.header("Cookie", cookie);
      }
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  HttpResponse<String> post(String url, String cookie, String body, String origin, String type)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(10))
            .header("Cookie", cookie)
            .header("Content-Type", type)
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (origin != null) {
      request.header("Origin", origin);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static void awaitCondition(java.util.function.BooleanSupplier condition, String message)
      throws InterruptedException {
    for (int i = 0; i < 200; i++) {
      if (condition.getAsBoolean()) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(message);
  }
}
