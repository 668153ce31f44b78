package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditReader;
import dev.bastion.proxy.ProxiedSession;
import dev.bastion.proxy.SessionState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ending a session from the bastion's side holds even against a client that stops reading. */
class TerminationTest {
  @TempDir Path dir;
  GatewayFixture gw;

  @BeforeEach
  void start() throws Exception {
    gw = GatewayFixture.start(dir, "");
  }

  @AfterEach
  void stop() {
    gw.close();
  }

  @Test
  void aClientThatStopsReadingCannotKeepATerminatedSessionAlive() throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(gw.port())));
    cmd.addAll(gw.sshOptions(gw.userKey));
    cmd.addAll(List.of(gw.onTarget() + "@127.0.0.1", "yes"));
    // Nobody reads the client's stdout: its pipe fills, then its SSH window closes for good.
    Process ssh = new ProcessBuilder(cmd).start();
    try {
      ProxiedSession session = awaitStalled();
      session.terminate("ended by the test operator");

      AuditEvent ended = awaitEnded(session.id());
      assertEquals("exit", ended.code(), ended.toString());
      assertTrue(
          ended.detail().startsWith("ended by the test operator, exit status 255"),
          ended.toString());
      // The ended row is written before the session leaves the live list.
      for (int i = 0; i < 200 && gw.bastion.liveSessions().get(session.id()).isPresent(); i++) {
        Thread.sleep(50);
      }
      assertTrue(gw.bastion.liveSessions().get(session.id()).isEmpty(), "the session stayed live");
    } finally {
      ssh.destroyForcibly();
    }
  }

  /** The running session whose output stopped moving: the client's window is closed. */
  private ProxiedSession awaitStalled() throws InterruptedException {
    long before = -1;
    for (int i = 0; i < 300; i++) {
      Thread.sleep(200);
      Optional<ProxiedSession> running =
          gw.bastion.liveSessions().all().stream()
              .filter(s -> s.state() == SessionState.RUNNING)
              .findFirst();
      if (running.isEmpty()) {
        continue;
      }
      long now = running.get().bytesOut();
      if (now > 1_000_000 && now == before) {
        return running.get();
      }
      before = now;
    }
    throw new AssertionError("the session's output never stalled");
  }

  private AuditEvent awaitEnded(String id) throws InterruptedException {
    AuditReader reader = new AuditReader(gw.bastion.database());
    for (int i = 0; i < 600; i++) {
      Optional<AuditEvent> ended =
          reader.events(null, null, 5000).stream()
              .filter(e -> id.equals(e.sessionId()) && e.kind() == AuditKind.SESSION_ENDED)
              .findFirst();
      if (ended.isPresent()) {
        return ended.get();
      }
      Thread.sleep(50);
    }
    throw new AssertionError("session " + id + " was terminated but never ended");
  }
}
