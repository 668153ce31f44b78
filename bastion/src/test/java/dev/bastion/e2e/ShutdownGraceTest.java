package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.cli.CliRun;
import dev.bastion.testsupport.CommandResult;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bastion serve} behind a load balancer, stopped by SIGTERM ({@code ssh.shutdown_grace}):
 * the SSH port closes at once, {@code /readyz} says draining, live sessions are told when they will
 * be ended and may go on until then, the web viewer keeps serving, and the node exits as soon as no
 * session is left.
 */
class ShutdownGraceTest {
  private static final String ENDED = "bastion: this bastion node shut down; session ended";

  @TempDir Path dir;

  @Test
  void sigtermClosesTheDoorLetsSessionsGoOnAndExitsWhenTheLastOneEnds() throws Exception {
    try (ServeProcess node = ServeProcess.start(dir, "  shutdown_grace: 10m\n")) {
      String cookie = node.webLogin();
      // The connection of this session also carries others (ssh multiplexing, as ControlMaster).
      String control = "ControlPath=" + dir.resolve("control.sock");
      ServeProcess.Session session =
          node.session(
              "echo started; read line; echo got $line", "-o", "ControlMaster=yes", "-o", control);
      assertEquals("started", session.firstLine());

      node.process.destroy(); // SIGTERM
      String notice = session.awaitStderr("shutting down");
      assertTrue(
          notice.matches(
              "bastion: this bastion node is shutting down; this session will be ended at"
                  + " \\d\\d:\\d\\d:\\d\\d UTC \\(in 10 minutes\\)"),
          notice);
      String ready = node.awaitGet("/readyz", a -> a.startsWith("503"));
      assertTrue(ready.contains("draining: the bastion is shutting down"), ready);
      CommandResult refused = node.ssh(node.onTarget(), "true");
      assertEquals(255, refused.exitCode(), refused.toString());
      assertTrue(refused.stderr().contains("Connection refused"), refused.toString());
      CommandResult another =
          node.ssh(node.onTarget(), "true", "-o", "ControlMaster=no", "-o", control);
      assertEquals(1, another.exitCode(), another.toString());
      assertEquals(
          "bastion: this bastion node is shutting down and starts no new session; connect again"
              + " to reach another node",
          another.stderr().strip());
      // Watchers can still watch: the viewer lists the session that goes on.
      String live = node.get("/api/sessions", cookie);
      assertTrue(live.startsWith("200 ") && live.contains("alice@example.com"), live);
      assertTrue(node.process.isAlive(), "exited while a session was live:\n" + node.output());

      session.type("done\n");
      assertEquals(0, session.awaitExit(), node.output());
      // Ten minutes of grace remain: it exits because no session is left.
      assertEquals(0, node.awaitExit(), node.output());
    }
    String sessions = CliRun.of(dir.resolve("data"), "sessions", "--json").ok().stdout();
    assertTrue(sessions.contains("\"exit_status\" : 0"), sessions);
    assertFalse(sessions.contains("shut down"), sessions);
    assertTrue(CliRun.of(dir.resolve("data"), "audit").ok().stdout().contains("server_stopped"));
  }

  @Test
  void sessionsStillLiveWhenTheGraceIsOverAreEndedWithALineAuditedAndSealed() throws Exception {
    try (ServeProcess node = ServeProcess.start(dir, "  shutdown_grace: 3s\n")) {
      ServeProcess.Session session = node.session("echo started; sleep 600");
      assertEquals("started", session.firstLine());

      node.process.destroy(); // SIGTERM
      assertTrue(session.awaitStderr("shutting down").endsWith("(in 3 seconds)"));
      assertEquals(ENDED, session.awaitStderr("session ended"));
      assertEquals(255, session.awaitExit());
      assertEquals(0, node.awaitExit(), node.output());
    }
    String sessions = CliRun.of(dir.resolve("data"), "sessions", "--json").ok().stdout();
    assertTrue(
        sessions.contains("\"end_reason\" : \"this bastion node shut down; session ended\""),
        sessions);
    String audit = CliRun.of(dir.resolve("data"), "audit").ok().stdout();
    assertTrue(audit.contains("this bastion node shut down; session ended"), audit);
    assertTrue(audit.contains("server_stopped"), audit);
    CliRun verify = CliRun.of(dir.resolve("data"), "recordings", "verify");
    assertEquals(0, verify.exitCode(), verify.toString());
    assertTrue(verify.stdout().startsWith("ok "), verify.stdout());
  }

  @Test
  void aSecondSigtermEndsTheSessionsAtOnce() throws Exception {
    try (ServeProcess node = ServeProcess.start(dir, "  shutdown_grace: 10m\n")) {
      ServeProcess.Session session = node.session("echo started; sleep 600");
      assertEquals("started", session.firstLine());

      node.process.destroy(); // SIGTERM
      session.awaitStderr("shutting down");
      node.process.destroy(); // SIGTERM again: the operator will not wait

      assertEquals(ENDED, session.awaitStderr("session ended"));
      assertEquals(255, session.awaitExit());
      assertEquals(0, node.awaitExit(), node.output());
    }
    String audit = CliRun.of(dir.resolve("data"), "audit").ok().stdout();
    assertTrue(audit.contains("this bastion node shut down; session ended"), audit);
  }
}
