package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bastion.audit.AuditEvent;
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

  @BeforeAll
  void start(@TempDir Path tempDir) throws Exception {
    dir = tempDir;
    String login = dev.bastion.testsupport.LoginAccount.name();
    String gated = "    address: TARGET_ADDRESS\n    host_key: \"TARGET_HOST_KEY\"\n    logins: [" + login + "]\n";
    gw = GatewayFixture.start(dir,
        "  secure01:\n" + gated + "    require_approval: {count: 1, from: [approver], on_leave: pause, timeout: 60s}\n"
            + "  secure02:\n" + gated + "    require_approval: {count: 1, from: [approver], on_leave: terminate}\n"
            + "  secure03:\n" + gated + "    require_approval: {count: 1, from: [approver], timeout: 3s}\n",
        "  approver:\n    targets: [\"secure*\"]\n    logins: [" + login + "]\n");
    CaKeyStore cas = new CaKeyStore(gw.dataDir);
    aliceKey = OpenSsh.keygen(Files.createDirectories(dir.resolve("alice")), "id_alice");
    GatewayFixture.issue(cas, aliceKey, "alice@example.com", List.of("ops", "approver"), Duration.ofHours(1));
    bobKey = OpenSsh.keygen(Files.createDirectories(dir.resolve("bob")), "id_bob");
    GatewayFixture.issue(cas, bobKey, "bob@example.com", List.of("approver"), Duration.ofHours(1));
  }

  @AfterAll
  void stop() {
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void withoutAnApproverThereIsNoUpstreamLoginAndTheRequestExpires() throws Exception {
    long loginsBefore = upstreamLogins();
    Process ssh = session("secure03", "echo should-not-run");
    assertTrue(ssh.waitFor(20, TimeUnit.SECONDS));
    String err = new String(ssh.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(1, ssh.exitValue(), err);
    assertTrue(err.contains("needs 1 approver(s) (role approver) watching before the session starts"), err);
    assertTrue(err.contains("/sessions/"), "the engineer gets a link to send: " + err);
    assertTrue(err.contains("bastion: no approver watched within 3 seconds; request expired"), err);
    assertEquals("", new String(ssh.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    assertEquals(loginsBefore, upstreamLogins(), "the target's sshd saw a login before approval");
    awaitAudit("approval_expired");
  }

  @Test
  void theRequesterCannotApproveThemselfAnApproverStartsItAndLeavingPausesInput() throws Exception {
    Process ssh = session("secure01", "echo started-after-approval; while read line; do echo \"got $line\"; done");
    String id = pendingSession("secure01");
    WebClient alice = new WebClient(gw, aliceKey);
    WebClient.Live selfApproval = alice.watch(id);
    Thread.sleep(2500);
    assertEquals(0, ssh.getInputStream().available(), "the requester approved their own session");
    assertEquals("waiting", approvalState(alice, id));

    WebClient bob = new WebClient(gw, bobKey);
    WebClient.Live approving = bob.watch(id);
    InputStream out = ssh.getInputStream();
    assertEquals("started-after-approval\n", new String(out.readNBytes("started-after-approval\n".length())));
    OutputStream in = ssh.getOutputStream();
    in.write("one\n".getBytes());
    in.flush();
    assertEquals("got one\n", new String(out.readNBytes("got one\n".length())));

    approving.leave();
    awaitAudit("session_paused");
    in.write("two\n".getBytes());
    in.flush();
    Thread.sleep(1500);
    assertEquals(0, out.available(), "input reached the target while no approver watched");

    WebClient.Live back = bob.watch(id);
    assertEquals("got two\n", new String(out.readNBytes("got two\n".length())));
    awaitAudit("session_resumed");
    in.close();
    assertTrue(ssh.waitFor(10, TimeUnit.SECONDS));
    String err = new String(ssh.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(err.contains("bastion: approved by bob@example.com; starting the session"), err);
    assertTrue(err.contains("bastion: paused: fewer than 1 approver(s) are watching; your input is held until one is back"), err);
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
    assertTrue(err.contains("bastion: an approver stopped watching, so the session ended (four-eyes)"), err);
  }

  @Test
  void declineEndsTheRequestWithTheReasonOnTheEngineersTerminal() throws Exception {
    long loginsBefore = upstreamLogins();
    Process ssh = session("secure01", "echo should-not-run");
    String id = pendingSession("secure01");
    WebClient bob = new WebClient(gw, bobKey);
    WebClient alice = new WebClient(gw, aliceKey);
    assertEquals(403, alice.post("/api/sessions/" + id + "/decline", "{\"reason\": \"self\"}").statusCode(),
        "the requester may not decline (or approve) their own request");
    assertEquals(200, bob.post("/api/sessions/" + id + "/decline", "{\"reason\": \"not during the release\"}").statusCode());
    assertTrue(ssh.waitFor(10, TimeUnit.SECONDS));
    String err = new String(ssh.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(1, ssh.exitValue());
    assertTrue(err.contains("bastion: request declined by bob@example.com: not during the release"), err);
    assertEquals(loginsBefore, upstreamLogins());
    awaitAudit("approval_declined");
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
        if (target.equals(s.get("target").asText()) && s.has("approval") && "waiting".equals(s.get("approval").get("state").asText())) {
          return s.get("id").asText();
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no pending request for " + target);
  }

  private String approvalState(WebClient client, String id) throws Exception {
    return JSON.readTree(client.get("/api/sessions/" + id).body()).get("approval").get("state").asText();
  }

  private long upstreamLogins() {
    return gw.target.log().lines().filter(l -> l.contains("Accepted publickey")).count();
  }

  private void awaitAudit(String kind) throws InterruptedException {
    AuditReader reader = new AuditReader(gw.bastion.database());
    for (int i = 0; i < 100; i++) {
      if (reader.events(null, null, 2000).stream().map(AuditEvent::kind).anyMatch(kind::equals)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no audit event " + kind);
  }
}
