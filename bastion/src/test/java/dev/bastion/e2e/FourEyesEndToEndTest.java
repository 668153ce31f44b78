package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditReader;
import dev.bastion.keys.CaKeyStore;
import dev.bastion.testsupport.ExternalCommand;
import dev.bastion.testsupport.OpenSsh;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Four-eyes: real ssh, real sshd, approvers as authenticated WebSocket viewers. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FourEyesEndToEndTest {
  static final ObjectMapper JSON = new ObjectMapper();
  Path dir;
  GatewayFixture gw;
  Path aliceKey;
  Path bobKey;
  com.sun.net.httpserver.HttpServer hook;
  final List<String> hookCalls = new java.util.concurrent.CopyOnWriteArrayList<>();
  final java.util.concurrent.atomic.AtomicInteger hookAttempts =
      new java.util.concurrent.atomic.AtomicInteger();

  @BeforeAll
  void start(@TempDir Path tempDir) throws Exception {
    dir = tempDir;
    // A chat bot's webhook that fails its first call: the bastion must retry, and never wait for
    // it.
    hook =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    hook.createContext(
        "/hook",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          int attempt = hookAttempts.incrementAndGet();
          if (attempt > 1) {
            hookCalls.add(body);
          }
          exchange.sendResponseHeaders(attempt == 1 ? 503 : 204, -1);
          exchange.close();
        });
    hook.start();
    String login = dev.bastion.testsupport.LoginAccount.name();
    String gated =
        "    address: TARGET_ADDRESS\n    host_key: \"TARGET_HOST_KEY\"\n    logins: ["
            + login
            + "]\n";
    gw =
        GatewayFixture.start(
            dir,
            "  secure01:\n"
                + gated
                + "    require_approval: {count: 1, from: [approver], on_leave: pause, timeout: 60s}\n"
                + "  secure02:\n"
                + gated
                + "    require_approval: {count: 1, from: [approver], on_leave: terminate}\n"
                + "  secure03:\n"
                + gated
                + "    require_approval: {count: 1, from: [approver], timeout: 3s}\n",
            "  approver:\n    targets: [\"secure*\"]\n    logins: ["
                + login
                + "]\n    can: [approve]\n"
                + "approvals:\n  webhook_url: http://127.0.0.1:"
                + hook.getAddress().getPort()
                + "/hook\n");
    CaKeyStore cas = new CaKeyStore(gw.dataDir);
    aliceKey = OpenSsh.keygen(Files.createDirectories(dir.resolve("alice")), "id_alice");
    GatewayFixture.issue(
        cas, aliceKey, "alice@example.com", List.of("ops", "approver"), Duration.ofHours(1));
    bobKey = OpenSsh.keygen(Files.createDirectories(dir.resolve("bob")), "id_bob");
    GatewayFixture.issue(cas, bobKey, "bob@example.com", List.of("approver"), Duration.ofHours(1));
  }

  @AfterAll
  void stop() {
    if (gw != null) {
      gw.close();
    }
    if (hook != null) {
      hook.stop(0);
    }
  }

  @Test
  void eachRequestIsAnnouncedToTheWebhookWhichIsRetriedOnFailure() throws Exception {
    Process ssh = session("secure03", "true");
    String id = pendingSession("secure03");
    for (int i = 0; i < 100 && hookCalls.stream().noneMatch(b -> b.contains(id)); i++) {
      Thread.sleep(100);
    }
    String call =
        hookCalls.stream()
            .filter(b -> b.contains(id))
            .findFirst()
            .orElseThrow(
                () ->
                    new AssertionError(
                        "webhook never received the request; attempts: " + hookAttempts.get()));
    JsonNode body = JSON.readTree(call);
    assertEquals("approval_requested", body.get("event").asText());
    assertEquals("alice@example.com", body.get("identity").asText());
    assertEquals("secure03", body.get("target").asText());
    assertTrue(body.get("url").asText().endsWith("/sessions/" + id));
    assertTrue(hookAttempts.get() >= 2, "the failed first call was not retried");
    ssh.waitFor(20, TimeUnit.SECONDS);
  }

  @Test
  void withoutAnApproverThereIsNoUpstreamLoginAndTheRequestExpires() throws Exception {
    long loginsBefore = upstreamLogins();
    Process ssh = session("secure03", "echo should-not-run");
    assertTrue(ssh.waitFor(20, TimeUnit.SECONDS));
    String err = new String(ssh.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(1, ssh.exitValue(), err);
    assertTrue(
        err.contains("needs 1 approver(s) (role approver) watching before the session starts"),
        err);
    assertTrue(err.contains("/sessions/"), "the engineer gets a link to send: " + err);
    assertTrue(err.contains("bastion: no approver watched within 3 seconds; request expired"), err);
    assertEquals("", new String(ssh.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    assertEquals(loginsBefore, upstreamLogins(), "the target's sshd saw a login before approval");
    awaitAudit("approval_expired");
  }

  @Test
  void theRequesterCannotApproveThemselfAnApproverStartsItAndLeavingPausesInput() throws Exception {
    Process ssh =
        session(
            "secure01",
            "echo started-after-approval; while read line; do echo \"got $line\"; done");
    String id = pendingSession("secure01");
    WebClient alice = new WebClient(gw, aliceKey);
    WebClient.Live selfApproval = alice.watch(id);
    Thread.sleep(2500);
    assertEquals(0, ssh.getInputStream().available(), "the requester approved their own session");
    assertEquals("waiting", approvalState(alice, id));

    WebClient bob = new WebClient(gw, bobKey);
    WebClient.Live approving = bob.watch(id);
    InputStream out = ssh.getInputStream();
    assertEquals(
        "started-after-approval\n",
        new String(out.readNBytes("started-after-approval\n".length())));
    OutputStream in = ssh.getOutputStream();
    in.write("one\n".getBytes());
    in.flush();
    assertEquals("got one\n", new String(out.readNBytes("got one\n".length())));

    approving.leave();
    awaitAudit("session_paused", id);
    in.write("two\n".getBytes());
    in.flush();
    Thread.sleep(1500);
    assertEquals(0, out.available(), "input reached the target while no approver watched");

    WebClient.Live back = bob.watch(id);
    assertEquals("got two\n", new String(out.readNBytes("got two\n".length())));
    awaitAudit("session_resumed", id);
    in.close();
    assertTrue(ssh.waitFor(10, TimeUnit.SECONDS));
    String err = new String(ssh.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(err.contains("bastion: approved by bob@example.com; starting the session"), err);
    assertTrue(
        err.contains(
            "bastion: paused: fewer than 1 approver(s) are watching; your input is held until one is back"),
        err);
    assertTrue(err.contains("bastion: resumed: bob@example.com watching again"), err);
    back.leave();
    selfApproval.leave();
  }

  @Test
  void onLeaveTerminateEndsTheSessionWhenTheApproverGoes() throws Exception {
    Process ssh = session("secure02", "echo running; sleep 60");
    String id = pendingSession("secure02");
    WebClient.Live approving = new WebClient(gw, bobKey).watch(id);
    assertEquals("running\n", new String(ssh.getInputStream().readNBytes("running\n".length())));
    approving.leave();
    assertTrue(ssh.waitFor(10, TimeUnit.SECONDS), "session did not end when the approver left");
    String err = new String(ssh.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(
        err.contains("bastion: an approver stopped watching, so the session ended (four-eyes)"),
        err);
  }

  @Test
  void declineEndsTheRequestWithTheReasonOnTheEngineersTerminal() throws Exception {
    long loginsBefore = upstreamLogins();
    Process ssh = session("secure01", "echo should-not-run");
    String id = pendingSession("secure01");
    WebClient bob = new WebClient(gw, bobKey);
    WebClient alice = new WebClient(gw, aliceKey);
    assertEquals(
        403,
        alice.post("/api/sessions/" + id + "/decline", "{\"reason\": \"self\"}").statusCode(),
        "the requester may not decline (or approve) their own request");
    assertEquals(
        200,
        bob.post("/api/sessions/" + id + "/decline", "{\"reason\": \"not during the release\"}")
            .statusCode());
    assertTrue(ssh.waitFor(10, TimeUnit.SECONDS));
    String err = new String(ssh.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(1, ssh.exitValue());
    assertTrue(
        err.contains("bastion: request declined by bob@example.com: not during the release"), err);
    assertEquals(loginsBefore, upstreamLogins());
    awaitAudit("approval_declined", id);
    assertTrue(
        markers(id).contains("declined by bob@example.com: not during the release"),
        markers(id).toString());
  }

  @Test
  void ctrlCWhileWaitingCancelsTheRequest() throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-tt", "-p", Integer.toString(gw.port())));
    cmd.addAll(gw.sshOptions(aliceKey));
    cmd.addAll(List.of(gw.login + "@secure01@127.0.0.1", "echo should-not-run"));
    Process ssh = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    pendingSession("secure01");
    ssh.getOutputStream().write(3); // what Ctrl-C sends through a terminal
    ssh.getOutputStream().flush();
    assertTrue(ssh.waitFor(10, TimeUnit.SECONDS), "Ctrl-C did not cancel the request");
    String out = new String(ssh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(out.contains("bastion: request cancelled"), out);
    assertTrue(!out.contains("should-not-run"), out);
    awaitAudit("approval_cancelled");
  }

  @Test
  void theAuditLogTellsTheWholeStoryOfARequest() throws Exception {
    Process ssh = session("secure01", "echo story; while read line; do echo \"got $line\"; done");
    String id = pendingSession("secure01");
    WebClient bob = new WebClient(gw, bobKey);
    WebClient.Live watching = bob.watch(id);
    ssh.getInputStream().readNBytes("story\n".length());
    watching.leave();
    awaitAudit("session_paused", id);
    WebClient.Live again = bob.watch(id);
    awaitAudit("session_resumed", id);
    ssh.getOutputStream().close();
    assertTrue(ssh.waitFor(10, TimeUnit.SECONDS));
    again.leave();
    AuditReader reader = new AuditReader(gw.bastion.database());
    List<String> story = new ArrayList<>();
    for (int i = 0; i < 100 && !story.contains(AuditKind.SESSION_ENDED.code()); i++) {
      Thread.sleep(50);
      story =
          reader.events(null, null, 5000).stream()
              .filter(e -> id.equals(e.sessionId()))
              .map(e -> e.kind().code())
              .toList();
    }
    assertTrue(story.contains("watch_ended"), story.toString());
    List<String> expectedOrder =
        List.of(
            "session_started",
            "approval_requested",
            "watch_started",
            "approval_granted",
            "session_paused",
            "session_resumed",
            "session_ended");
    assertInOrder(expectedOrder, story);
    assertInOrder(
        List.of(
            "waiting for 1 approver(s)",
            "viewer bob@example.com joined",
            "approved by bob@example.com",
            "viewer bob@example.com left",
            "paused: too few approvers watching",
            "viewer bob@example.com joined",
            "resumed: bob@example.com watching"),
        markers(id));
  }

  @Test
  void pipedInputOfAWaitingCommandReachesTheTargetWholeOnceApproved() throws Exception {
    byte[] input = new byte[1_000_000];
    new java.util.Random(7).nextBytes(input);
    Process ssh = session("secure01", "sha256sum");
    Thread feeder =
        new Thread(
            () -> {
              try (OutputStream in = ssh.getOutputStream()) {
                in.write(input);
              } catch (java.io.IOException e) {
                // the test fails on the digest below
              }
            });
    feeder.start();
    String id = pendingSession("secure01");
    Thread.sleep(
        1000); // the input is all sent (or waiting in the SSH window) before anyone approves
    WebClient.Live approving = new WebClient(gw, bobKey).watch(id);
    assertTrue(ssh.waitFor(20, TimeUnit.SECONDS), "the command never saw the end of its input");
    String expected =
        java.util.HexFormat.of()
            .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(input));
    assertEquals(
        expected + "  -\n",
        new String(ssh.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    assertEquals(0, ssh.exitValue());
    approving.leave();
  }

  @Test
  void anApproverWithoutTheTerminateRightEndsTheSessionTheyApproveAndOthersMayNot()
      throws Exception {
    Path carolKey = OpenSsh.keygen(Files.createDirectories(dir.resolve("carol")), "id_carol");
    GatewayFixture.issue(
        new CaKeyStore(gw.dataDir),
        carolKey,
        "carol@example.com",
        List.of("viewer"),
        Duration.ofHours(1));
    Process ssh = session("secure01", "echo running; sleep 60");
    String id = pendingSession("secure01");
    WebClient bob = new WebClient(gw, bobKey);
    WebClient.Live approving = bob.watch(id);
    assertEquals("running\n", new String(ssh.getInputStream().readNBytes("running\n".length())));
    assertEquals(
        403,
        new WebClient(gw, carolKey)
            .post("/api/sessions/" + id + "/terminate", "{\"reason\": \"x\"}")
            .statusCode());
    assertEquals(
        200,
        bob.post("/api/sessions/" + id + "/terminate", "{\"reason\": \"wrong table\"}")
            .statusCode());
    assertTrue(ssh.waitFor(10, TimeUnit.SECONDS));
    String err = new String(ssh.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(err.contains("bastion: session terminated by bob@example.com: wrong table"), err);
    awaitAudit("session_terminated", id);
    approving.leave();
  }

  @Test
  void disconnectingWhileWaitingCancelsTheRequestInTheAuditLog() throws Exception {
    long loginsBefore = upstreamLogins();
    Process ssh = session("secure01", "echo should-not-run");
    String id = pendingSession("secure01");
    ssh.destroy(); // the engineer's ssh goes away (Ctrl-C without a terminal kills the client)
    awaitAudit("approval_cancelled", id);
    awaitAudit(AuditKind.SESSION_ENDED.code(), id);
    assertEquals(loginsBefore, upstreamLogins());
    assertTrue(
        markers(id).contains("request cancelled: the requester disconnected"),
        markers(id).toString());
  }

  @Test
  void aTerminalResizedWhileWaitingStartsAtItsNewSize() throws Exception {
    String socket = dir.resolve("tmux.sock").toString();
    List<String> ssh = new ArrayList<>(List.of("ssh", "-tt", "-p", Integer.toString(gw.port())));
    ssh.addAll(gw.sshOptions(aliceKey));
    ssh.addAll(List.of(gw.login + "@secure01@127.0.0.1", "'stty size; sleep 30'"));
    ExternalCommand.of(
            "tmux",
            "-S",
            socket,
            "new-session",
            "-d",
            "-x",
            "90",
            "-y",
            "25",
            String.join(" ", ssh))
        .run()
        .orThrow();
    try {
      String id = pendingSession("secure01");
      ExternalCommand.of("tmux", "-S", socket, "resize-window", "-x", "132", "-y", "43")
          .run()
          .orThrow();
      // Nothing outside the bastion shows the size of a session not started yet: give the
      // window change time to arrive (it takes milliseconds when the machine is not loaded).
      Thread.sleep(1500);
      WebClient.Live approving = new WebClient(gw, bobKey).watch(id);
      String screen = "";
      for (int i = 0; i < 100 && !screen.contains("43 132"); i++) {
        Thread.sleep(100);
        screen = ExternalCommand.of("tmux", "-S", socket, "capture-pane", "-p").run().stdout();
      }
      assertTrue(
          screen.contains("43 132"), "the target's terminal did not get the new size:\n" + screen);
      approving.leave();
    } finally {
      ExternalCommand.of("tmux", "-S", socket, "kill-server").run();
    }
  }

  private static void assertInOrder(List<String> expected, List<String> actual) {
    int at = -1;
    for (String item : expected) {
      int next = actual.subList(at + 1, actual.size()).indexOf(item);
      assertTrue(next >= 0, "missing or out of order: " + item + " in " + actual);
      at += next + 1;
    }
  }

  /** The marker texts of a session's recording, once it is sealed. */
  private List<String> markers(String id) throws Exception {
    AuditReader reader = new AuditReader(gw.bastion.database());
    for (int i = 0; i < 100; i++) {
      var session = reader.session(id).filter(s -> s.recordingSha256() != null);
      if (session.isPresent()) {
        List<String> markers = new ArrayList<>();
        List<String> lines =
            GatewayFixture.recordingLines(gw.dataDir.resolve(session.get().recordingPath()));
        for (String line : lines.subList(1, lines.size())) {
          JsonNode event = JSON.readTree(line);
          if ("m".equals(event.get(1).asText())) {
            markers.add(event.get(2).asText());
          }
        }
        return markers;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("recording of " + id + " was never sealed");
  }

  @Test
  void anApproverWhoseBrowserStopsAnsweringPingsNoLongerCounts() throws Exception {
    Process ssh = session("secure01", "echo present; sleep 60");
    String id = pendingSession("secure01");
    WebClient bob = new WebClient(gw, bobKey);
    // A WebSocket that completes the handshake and then never reads again: it cannot answer pings.
    try (java.net.Socket silent = new java.net.Socket("127.0.0.1", gw.bastion.webPort())) {
      String request =
          "GET /api/sessions/"
              + id
              + "/live HTTP/1.1\r\n"
              + "Host: 127.0.0.1:"
              + gw.bastion.webPort()
              + "\r\n"
              + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
              + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
              + "Sec-WebSocket-Protocol: v2.asciicast\r\n"
              + "Origin: "
              + bob.base
              + "\r\nCookie: "
              + bob.cookie
              + "\r\n\r\n";
      silent.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      String status =
          new java.io.BufferedReader(new java.io.InputStreamReader(silent.getInputStream()))
              .readLine();
      assertTrue(status.startsWith("HTTP/1.1 101"), status);
      assertEquals(
          "present\n",
          new String(ssh.getInputStream().readNBytes("present\n".length())),
          "approval by watching");
      awaitAudit("session_paused", id); // about 3 s of silence later
      // The row is written before the line is sent, and the line still has to cross ssh.
      String err = readUntil(ssh.getErrorStream(), "bastion: paused");
      assertTrue(err.contains("bastion: paused"), err);
    }
    ssh.destroyForcibly();
  }

  /** What {@code in} gave until it held {@code text}, or for 20 s; reads only what is there. */
  private static String readUntil(InputStream in, String text) throws Exception {
    StringBuilder got = new StringBuilder();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!got.toString().contains(text) && System.nanoTime() < deadline) {
      if (in.available() == 0) {
        Thread.sleep(50);
      } else {
        got.append(new String(in.readNBytes(in.available()), StandardCharsets.UTF_8));
      }
    }
    return got.toString();
  }

  private Process session(String target, String command) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(gw.port())));
    cmd.addAll(gw.sshOptions(aliceKey));
    cmd.addAll(List.of(gw.login + "@" + target + "@127.0.0.1", command));
    return new ProcessBuilder(cmd).start();
  }

  private String pendingSession(String target) throws Exception {
    WebClient bob = new WebClient(gw, bobKey);
    for (int i = 0; i < 100; i++) {
      for (JsonNode s : JSON.readTree(bob.get("/api/sessions?state=live").body())) {
        if (target.equals(s.get("target").asText())
            && s.has("approval")
            && "waiting".equals(s.get("approval").get("state").asText())) {
          return s.get("id").asText();
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no pending request for " + target);
  }

  private String approvalState(WebClient client, String id) throws Exception {
    return JSON.readTree(client.get("/api/sessions/" + id).body())
        .get("approval")
        .get("state")
        .asText();
  }

  private long upstreamLogins() {
    return gw.target.log().lines().filter(l -> l.contains("Accepted publickey")).count();
  }

  private void awaitAudit(String kind) throws InterruptedException {
    awaitAudit(kind, null);
  }

  private void awaitAudit(String kind, String sessionId) throws InterruptedException {
    AuditReader reader = new AuditReader(gw.bastion.database());
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      if (reader.events(null, null, 2000).stream()
          .filter(e -> sessionId == null || sessionId.equals(e.sessionId()))
          .map(e -> e.kind().code())
          .anyMatch(kind::equals)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no audit event " + kind);
  }
}
