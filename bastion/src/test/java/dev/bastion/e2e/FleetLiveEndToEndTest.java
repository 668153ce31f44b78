package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.audit.AuditReader;
import dev.bastion.keys.CaKeyStore;
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
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * One bastion from any node: sessions running on node B are listed, watched live, terminated and
 * approved from node A's web viewer (real OpenSSH, real PostgreSQL, real Hazelcast cluster).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FleetLiveEndToEndTest {
  static final ObjectMapper JSON = new ObjectMapper();
  TwoNodes fleet;
  Path olgaKey;
  Path aliceKey;
  Path bobKey;
  Path daveKey;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    String login = dev.bastion.testsupport.LoginAccount.name();
    String gated =
        "    address: TARGET_ADDRESS\n    host_key: \"TARGET_HOST_KEY\"\n    logins: ["
            + login
            + "]\n";
    fleet =
        TwoNodes.start(
            dir,
            "  secure01:\n"
                + gated
                + "    require_approval: {count: 1, from: [approver], on_leave: pause, timeout: 60s}\n"
                + "  secure02:\n"
                + gated
                + "    require_approval: {count: 2, from: [approver], timeout: 60s}\n",
            "  approver:\n    targets: [\"secure*\"]\n    logins: ["
                + login
                + "]\n    can: [approve]\n");
    CaKeyStore cas = new CaKeyStore(fleet.a.dataDir);
    olgaKey = key(cas, dir, "olga@example.com", "ops");
    aliceKey = key(cas, dir, "alice@example.com", "approver");
    bobKey = key(cas, dir, "bob@example.com", "approver");
    daveKey = key(cas, dir, "dave@example.com", "approver");
  }

  private static Path key(CaKeyStore cas, Path dir, String identity, String role) throws Exception {
    Path key =
        OpenSsh.keygen(
            Files.createDirectories(dir.resolve(identity.substring(0, identity.indexOf('@')))),
            "id");
    GatewayFixture.issue(cas, key, identity, List.of(role), Duration.ofHours(1));
    return key;
  }

  @AfterAll
  void stop() {
    if (fleet != null) {
      fleet.close();
    }
  }

  @Test
  void aSessionOnNodeBIsListedWatchedWithItsPastAndTerminatedFromNodeA() throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(fleet.b.port())));
    cmd.addAll(fleet.b.sshOptions(fleet.b.userKey));
    cmd.addAll(
        List.of(
            fleet.b.onTarget() + "@127.0.0.1",
            "echo before-anyone-watched; while read l; do echo \"typed $l\"; done"));
    Process ssh = new ProcessBuilder(cmd).start();
    InputStream out = ssh.getInputStream();
    OutputStream in = ssh.getOutputStream();
    assertEquals("before-anyone-watched\n", read(out, "before-anyone-watched\n"));

    WebClient olga = new WebClient(fleet.a, olgaKey);
    JsonNode listed = awaitLive(olga, s -> s.get("command").asText().contains("before-anyone"));
    String id = listed.get("id").asText();
    assertEquals(0, listed.get("viewers").asInt());

    WebClient.Live live = olga.watch(id);
    awaitMessage(live, "before-anyone-watched"); // the catch-up, from node B's memory
    in.write("hello-from-b\n".getBytes(StandardCharsets.UTF_8));
    in.flush();
    assertEquals("typed hello-from-b\n", read(out, "typed hello-from-b\n"));
    awaitMessage(live, "typed hello-from-b");
    assertEquals(1, JSON.readTree(olga.get("/api/sessions/" + id).body()).get("viewers").asInt());

    assertEquals(
        200,
        olga.post("/api/sessions/" + id + "/terminate", "{\"reason\": \"wrong host\"}")
            .statusCode());
    assertTrue(ssh.waitFor(20, TimeUnit.SECONDS), "the session on B did not end");
    String err = new String(ssh.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(err.contains("bastion: session terminated by olga@example.com: wrong host"), err);
    assertEquals(1000, live.closed.get(20, TimeUnit.SECONDS), "A's viewer saw the end");
    awaitAuditCount(id, "watch_ended", 1);
    // Written by B's audit writer, the watch rows by A's: no order between them.
    awaitAuditCount(id, "session_terminated", 1);
    assertEquals(1, auditCount(id, "watch_started"));
  }

  /**
   * Whichever comes first removes the hung viewer: node B's hub dropping it past its queue limit
   * (proven on its own by RemoteViewingTest) or node A missing its answers to pings.
   */
  @Test
  void aViewerOnNodeAThatHangsNeitherSlowsTheSessionOnBNorStaysSubscribed() throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(fleet.b.port())));
    cmd.addAll(fleet.b.sshOptions(fleet.b.userKey));
    cmd.addAll(
        List.of(
            fleet.b.onTarget() + "@127.0.0.1",
            "read go; head -c 24000000 /dev/urandom | base64 -w 0; echo; echo all-written; read x"));
    Process ssh = new ProcessBuilder(cmd).start();
    WebClient olga = new WebClient(fleet.a, olgaKey);
    String id =
        awaitLive(olga, s -> s.get("command").asText().contains("all-written")).get("id").asText();
    // A browser tab that hung: it takes the first message and then reads nothing more.
    java.net.http.WebSocket stalled =
        olga.http
            .newWebSocketBuilder()
            .header("Cookie", olga.cookie)
            .header("Origin", olga.base)
            .subprotocols("v2.asciicast")
            .buildAsync(
                java.net.URI.create(
                    olga.base.replace("http", "ws") + "/api/sessions/" + id + "/live"),
                new java.net.http.WebSocket.Listener() {
                  // The defaults ask for the next message after each one; a hung tab never does.
                  @Override
                  public void onOpen(java.net.http.WebSocket socket) {
                    socket.request(1);
                  }

                  @Override
                  public java.util.concurrent.CompletionStage<?> onText(
                      java.net.http.WebSocket socket, CharSequence data, boolean last) {
                    return null;
                  }
                })
            .get(10, TimeUnit.SECONDS);
    for (int i = 0; i < 100 && viewers(olga, id) != 1; i++) {
      Thread.sleep(100);
    }
    assertEquals(1, viewers(olga, id));
    ssh.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
    ssh.getOutputStream().flush();
    // The engineer gets every byte although a viewer reads none of them.
    java.io.BufferedReader engineer =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(ssh.getInputStream(), StandardCharsets.UTF_8));
    assertEquals(32_000_000, engineer.readLine().length());
    assertEquals("all-written", engineer.readLine());
    // Node B, running the session, no longer feeds A's viewer.
    for (int i = 0; i < 200 && viewers(olga, id) != 0; i++) {
      Thread.sleep(100);
    }
    assertEquals(0, viewers(olga, id), "the stalled viewer on A is still fed");
    ssh.getOutputStream().close();
    assertTrue(ssh.waitFor(20, TimeUnit.SECONDS));
    stalled.abort();
  }

  private static int viewers(WebClient web, String id) throws Exception {
    return JSON.readTree(web.get("/api/sessions/" + id).body()).get("viewers").asInt();
  }

  @Test
  void aFourEyesSessionOnNodeBIsApprovedByAWatcherOnNodeA() throws Exception {
    Process ssh =
        gated("secure01", "echo started-after-approval; while read l; do echo \"got $l\"; done");
    WebClient bob = new WebClient(fleet.a, bobKey);
    String id = awaitWaiting(bob, "secure01");
    WebClient.Live approving = bob.watch(id);
    InputStream out = ssh.getInputStream();
    assertEquals("started-after-approval\n", read(out, "started-after-approval\n"));
    JsonNode approval = JSON.readTree(bob.get("/api/sessions/" + id).body()).get("approval");
    assertEquals("open", approval.get("state").asText());
    assertEquals("bob@example.com", approval.get("approvers").get(0).asText());

    approving.leave();
    awaitAuditCount(id, "session_paused", 1);
    ssh.getOutputStream().close();
    assertTrue(ssh.waitFor(20, TimeUnit.SECONDS));
    String err = new String(ssh.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(err.contains("bastion: approved by bob@example.com; starting the session"), err);
  }

  @Test
  void approversWatchingFromBothNodesAddUp() throws Exception {
    Process ssh = gated("secure02", "echo two-approvers-watch; sleep 30");
    WebClient bob = new WebClient(fleet.a, bobKey);
    String id = awaitWaiting(bob, "secure02");
    WebClient.Live onA = bob.watch(id);
    // Bob's watch from A counts, and alone is not enough.
    for (int i = 0; i < 100 && approvers(bob, id).isEmpty(); i++) {
      Thread.sleep(100);
    }
    assertEquals(List.of("bob@example.com"), approvers(bob, id));
    assertEquals(
        "waiting",
        JSON.readTree(bob.get("/api/sessions/" + id).body()).get("approval").get("state").asText());
    WebClient.Live onB = new WebClient(fleet.b, daveKey).watch(id);
    assertEquals("two-approvers-watch\n", read(ssh.getInputStream(), "two-approvers-watch\n"));
    assertEquals(List.of("bob@example.com", "dave@example.com"), approvers(bob, id));
    assertEquals(
        200, bob.post("/api/sessions/" + id + "/terminate", "{\"reason\": \"done\"}").statusCode());
    assertTrue(ssh.waitFor(20, TimeUnit.SECONDS));
    onA.leave();
    onB.leave();
  }

  @Test
  void aRequestOnNodeBIsDeclinedFromNodeA() throws Exception {
    Process ssh = gated("secure01", "echo should-not-run");
    WebClient bob = new WebClient(fleet.a, bobKey);
    String id = awaitWaiting(bob, "secure01");
    assertEquals(
        200,
        bob.post("/api/sessions/" + id + "/decline", "{\"reason\": \"not now\"}").statusCode());
    assertTrue(ssh.waitFor(20, TimeUnit.SECONDS));
    String err = new String(ssh.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(err.contains("bastion: request declined by bob@example.com: not now"), err);
  }

  /** Alice's session on node B to a target that needs approvers. */
  private Process gated(String target, String command) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(fleet.b.port())));
    cmd.addAll(fleet.b.sshOptions(aliceKey));
    cmd.addAll(List.of(fleet.b.login + "@" + target + "@127.0.0.1", command));
    return new ProcessBuilder(cmd).start();
  }

  private static String read(InputStream in, String expected) throws Exception {
    return new String(in.readNBytes(expected.length()), StandardCharsets.UTF_8);
  }

  private static List<String> approvers(WebClient web, String id) throws Exception {
    List<String> names = new ArrayList<>();
    JSON.readTree(web.get("/api/sessions/" + id).body())
        .get("approval")
        .get("approvers")
        .forEach(a -> names.add(a.asText()));
    return names;
  }

  private static JsonNode awaitLive(WebClient web, Predicate<JsonNode> match) throws Exception {
    for (int i = 0; i < 200; i++) {
      for (JsonNode s : JSON.readTree(web.get("/api/sessions?state=live").body())) {
        if (match.test(s)) {
          return s;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("never listed live on " + web.base);
  }

  private static String awaitWaiting(WebClient web, String target) throws Exception {
    return awaitLive(
            web,
            s ->
                target.equals(s.get("target").asText())
                    && s.hasNonNull("approval")
                    && "waiting".equals(s.get("approval").get("state").asText()))
        .get("id")
        .asText();
  }

  private static void awaitMessage(WebClient.Live live, String text) throws Exception {
    for (int i = 0; i < 200; i++) {
      if (live.messages.stream().anyMatch(m -> m.contains(text))) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("never shown: " + text + " in " + live.messages);
  }

  private long auditCount(String id, String kind) {
    return new AuditReader(fleet.a.bastion.database())
        .events(null, null, 5000).stream()
            .filter(e -> id.equals(e.sessionId()) && kind.equals(e.kind().code()))
            .count();
  }

  private void awaitAuditCount(String id, String kind, long count) throws Exception {
    for (int i = 0; i < 200 && auditCount(id, kind) < count; i++) {
      Thread.sleep(100);
    }
    assertEquals(count, auditCount(id, kind), kind);
  }
}
