package dev.bastion.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.e2e.GatewayFixture;
import dev.bastion.keys.OpenSshKeys;
import dev.bastion.logging.CapturedLog;
import dev.bastion.testsupport.CommandResult;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 2: work before login is bounded. A flood of refused logins from one address is throttled
 * and costs a few counted rows; a huge user name leaves bounded log lines and rows; connections not
 * logged in are capped per address while an engineer on the same address still gets in.
 */
class PreLoginFloodTest {
  private static final KeyPair PLAIN = OpenSshKeys.generateEd25519();

  @TempDir Path dir;

  @Test
  void floodOfRefusedLoginsIsThrottledAndAuditedAsAFewCountedRows() throws Exception {
    int attempts = 150;
    try (GatewayFixture gw =
            GatewayFixture.start(
                dir,
                "",
                "ssh:\n"
                    + "  throttle: {window: 2s, failed_logins: 5, connections: 1000,"
                    + " unauthenticated: 50}\n");
        SshProbe probe = new SshProbe()) {
      ExecutorService flood = Executors.newFixedThreadPool(4);
      for (int i = 0; i < attempts; i++) {
        flood.execute(() -> probe.tryLogin(gw.port(), "root@web01", PLAIN));
      }
      flood.shutdown();
      assertTrue(flood.awaitTermination(2, TimeUnit.MINUTES));

      // Every attempt is accounted for, most of them in merged rows.
      SshProbe.await(() -> counted(gw) == attempts, "all " + attempts + " refusals counted");
      List<AuditEvent> rows = refusals(gw);
      assertTrue(rows.size() <= 20, rows.size() + " rows for " + attempts + " refusals");
      assertTrue(rows.stream().anyMatch(e -> e.count() > 1), "merged rows carry a count");
      assertTrue(
          rows.stream()
              .anyMatch(
                  e ->
                      e.kind() == AuditKind.CONNECTION_REFUSED
                          && "too_many_failed_logins".equals(e.code())),
          "throttled connections were closed before key exchange");

      // Once the address's failed logins have refilled, the engineer gets in again.
      CommandResult in = gw.ssh(gw.onTarget(), null, "echo", "in");
      for (int i = 0; i < 100 && in.exitCode() != 0; i++) {
        Thread.sleep(100);
        in = gw.ssh(gw.onTarget(), null, "echo", "in");
      }
      assertEquals(0, in.exitCode(), in.toString());
    }
  }

  @Test
  void twoHundredKilobyteUserNameLeavesBoundedLogLinesAndRows() throws Exception {
    try (CapturedLog log = CapturedLog.start();
        GatewayFixture gw = GatewayFixture.start(dir, "");
        SshProbe probe = new SshProbe()) {
      String user = "u".repeat(200_000);
      assertFalse(probe.tryLogin(gw.port(), user, PLAIN));
      SshProbe.await(
          () -> !SshProbe.events(gw, AuditKind.LOGIN_REFUSED).isEmpty(), "the refusal's row");
      // A login after the attempt: its log line comes after every line of the attempt.
      assertTrue(probe.tryLogin(gw.port(), gw.onTarget(), SshProbe.certified(gw.userKey)));
      SshProbe.await(() -> log.contains("login accepted"), "the later login's log line");
      for (String line : log.messages()) {
        assertTrue(line.length() < 2_000, "log line of " + line.length() + " characters");
      }
      AuditEvent row = SshProbe.events(gw, AuditKind.LOGIN_REFUSED).get(0);
      assertTrue(row.detail().length() < 1_000, "detail of " + row.detail().length());
      assertTrue(row.detail().contains("…[+199"), row.detail());
    }
  }

  @Test
  void connectionsNotLoggedInAreCappedPerAddressWhileAnEngineerStillLogsIn() throws Exception {
    try (GatewayFixture gw =
            GatewayFixture.start(
                dir,
                "",
                "ssh:\n"
                    + "  throttle: {unauthenticated: 3, failed_logins: 1000, connections:"
                    + " 1000}\n");
        SshProbe probe = new SshProbe()) {
      KeyPair engineer = SshProbe.certified(gw.userKey);
      // Logged-in connections do not count: five of them, more than the cap.
      List<ClientSession> loggedIn = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        loggedIn.add(probe.login(gw.port(), gw.onTarget(), engineer));
      }
      List<Socket> silent = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          Socket socket = new Socket("127.0.0.1", gw.port());
          silent.add(socket);
          assertTrue(firstLine(socket).startsWith("SSH-2.0-"), "connection " + i + " greeted");
        }
        try (Socket fourth = new Socket("127.0.0.1", gw.port())) {
          assertTrue(closedByBastion(fourth), "the fourth is closed before key exchange");
        }
        assertEquals("still here\n", loggedIn.get(0).executeRemoteCommand("echo still here"));

        silent.remove(0).close();
        boolean in = false;
        for (int i = 0; i < 100 && !in; i++) {
          in = probe.tryLogin(gw.port(), gw.onTarget(), engineer);
        }
        assertTrue(in, "a fresh login once a slot is free");
        assertTrue(
            SshProbe.events(gw, AuditKind.CONNECTION_REFUSED).stream()
                .anyMatch(e -> "too_many_unauthenticated".equals(e.code())));
      } finally {
        for (Socket socket : silent) {
          socket.close();
        }
        for (ClientSession session : loggedIn) {
          session.close(true);
        }
      }
    }
  }

  /** The first line the server sends. */
  private static String firstLine(Socket socket) throws Exception {
    socket.setSoTimeout(10_000);
    InputStream in = socket.getInputStream();
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
      line.append((char) b);
    }
    return line.toString();
  }

  /** Whether the bastion closes the connection without the client sending a byte. */
  private static boolean closedByBastion(Socket socket) throws Exception {
    socket.setSoTimeout(10_000);
    InputStream in = socket.getInputStream();
    try {
      while (in.read() >= 0) {
        // its greeting, if it was sent before the close
      }
      return true;
    } catch (java.net.SocketException reset) {
      return true;
    } catch (java.net.SocketTimeoutException open) {
      return false;
    }
  }

  private static List<AuditEvent> refusals(GatewayFixture gw) {
    return SshProbe.events(gw).stream()
        .filter(
            e -> e.kind() == AuditKind.LOGIN_REFUSED || e.kind() == AuditKind.CONNECTION_REFUSED)
        .toList();
  }

  private static long counted(GatewayFixture gw) {
    return refusals(gw).stream().mapToLong(AuditEvent::count).sum();
  }
}
