package dev.bastion.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.audit.AuditKind;
import dev.bastion.e2e.AuditRows;
import dev.bastion.e2e.GatewayFixture;
import dev.bastion.keys.CaKeyStore;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.OpenSsh;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One person cannot take every slot: with {@code max_sessions: 10}, sessions and waiting four-eyes
 * requests are limited per identity, refused beyond with the limit named, and others still get in.
 */
class IdentityLimitsTest {
  @TempDir Path dir;
  GatewayFixture gw;
  Path bobKey;
  final List<Process> open = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    String login = dev.bastion.testsupport.LoginAccount.name();
    gw =
        GatewayFixture.start(
            dir,
            "  max_sessions: 10\n"
                + "  max_sessions_per_identity: 2\n"
                + "  max_pending_approvals_per_identity: 1\n",
            "  gated01:\n"
                + "    address: TARGET_ADDRESS\n"
                + "    host_key: \"TARGET_HOST_KEY\"\n"
                + "    logins: ["
                + login
                + "]\n"
                + "    require_approval: {count: 1, from: [approver], timeout: 60s}\n",
            "  approver:\n    targets: [\"gated*\"]\n    logins: ["
                + login
                + "]\n    can: [approve]\n",
            Clock.systemUTC());
    bobKey = OpenSsh.keygen(Files.createDirectories(dir.resolve("bob")), "id_bob");
    GatewayFixture.issue(
        new CaKeyStore(gw.dataDir), bobKey, "bob@example.com", List.of("ops"), Duration.ofHours(1));
  }

  @AfterEach
  void stop() {
    open.forEach(Process::destroyForcibly);
    gw.close();
  }

  @Test
  void sessionsBeyondThePerIdentityLimitAreRefusedAndOthersStillGetIn() throws Exception {
    String target = gw.onTarget() + "@127.0.0.1";
    awaitStdout(start(gw.userKey, target, "echo started; sleep 60"), "started");
    awaitStdout(start(gw.userKey, target, "echo started; sleep 60"), "started");

    CommandResult third = gw.ssh(gw.onTarget(), null, "echo third");

    assertEquals(1, third.exitCode(), third.toString());
    assertFalse(third.stdout().contains("third"), third.toString());
    assertTrue(
        third
            .stderr()
            .contains(
                "bastion: you have 2 sessions open, the limit per person"
                    + " (ssh.max_sessions_per_identity: 2); end one and try again"),
        third.toString());
    AuditRows.await(gw, AuditKind.SESSION_REFUSED, "identity_session_limit", "alice@example.com");
    assertEquals("bob\n", gw.sshWith(bobKey, gw.onTarget(), null, "echo bob").orThrow().stdout());
  }

  @Test
  void waitingApprovalRequestsBeyondThePerIdentityLimitAreRefused() throws Exception {
    String gated = gw.login + "@gated01@127.0.0.1";
    awaitStderr(start(gw.userKey, gated, "echo first"), "Waiting");

    CommandResult second = gw.ssh(gw.login + "@gated01", null, "echo second");

    assertEquals(1, second.exitCode(), second.toString());
    assertFalse(second.stdout().contains("second"), second.toString());
    assertTrue(
        second
            .stderr()
            .contains(
                "bastion: you have 1 approval request(s) waiting, the limit per person"
                    + " (ssh.max_pending_approvals_per_identity: 1); wait for one or cancel it"),
        second.toString());
    AuditRows.await(gw, AuditKind.SESSION_REFUSED, "identity_approval_limit", "alice@example.com");
    // Someone else's request still waits for approvers as usual.
    awaitStderr(start(bobKey, gated, "echo bob"), "Waiting");
  }

  private Process start(Path key, String userAtHost, String command) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(gw.port())));
    cmd.addAll(gw.sshOptions(key));
    cmd.addAll(List.of(userAtHost, command));
    Process process = new ProcessBuilder(cmd).start();
    open.add(process);
    return process;
  }

  private static void awaitStdout(Process process, String line) throws Exception {
    await(
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)),
        line);
  }

  private static void awaitStderr(Process process, String text) throws Exception {
    await(
        new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)),
        text);
  }

  /** Reads lines until one contains {@code text}; the process's end without it fails. */
  private static void await(BufferedReader lines, String text) throws Exception {
    StringBuilder seen = new StringBuilder();
    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
      if (line.contains(text)) {
        return;
      }
      seen.append(line).append('\n');
    }
    throw new AssertionError("never saw '" + text + "': " + seen);
  }
}
