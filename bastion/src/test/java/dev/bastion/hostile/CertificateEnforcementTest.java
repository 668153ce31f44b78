package dev.bastion.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.cli.BastionCommand;
import dev.bastion.e2e.AuditRows;
import dev.bastion.e2e.GatewayFixture;
import dev.bastion.keys.OpenSshKeys;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.ExternalCommand;
import dev.bastion.testsupport.OpenSsh;
import dev.bastion.testsupport.ShiftableClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The certificate holds for the whole connection, not only its login: with OpenSSH connection
 * sharing ({@code ControlMaster}) every new session is checked again, and a revoked or expired
 * certificate ends its sessions and closes its connection.
 */
class CertificateEnforcementTest {
  @TempDir Path dir;
  GatewayFixture gw;
  Process master;

  @AfterEach
  void stop() {
    if (master != null) {
      master.destroyForcibly();
    }
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void revokingTheSerialRefusesTheNextSharedSessionAndClosesTheMasterConnection() throws Exception {
    gw = GatewayFixture.start(dir, "");
    Path ctl = dir.resolve("ctl");
    master = master(ctl);
    assertEquals("before\n", shared(ctl, "echo before").orThrow().stdout());
    String serial = serialOf(gw.userKey);

    cli("cert", "revoke", "--serial", serial);
    CommandResult after = shared(ctl, "echo after-revocation");

    assertNotEquals(0, after.exitCode(), after.toString());
    assertFalse(after.stdout().contains("after-revocation"), after.toString());
    assertTrue(
        after.stderr().contains("bastion: certificate serial " + serial + " was revoked at"),
        after.toString());
    // The master had no session open when the certificate was revoked; it is closed all the same.
    assertTrue(master.waitFor(20, TimeUnit.SECONDS), "the master connection stayed open");
    assertTrue(masterLog().contains("revoked"), masterLog());
    AuditEvent closed =
        AuditRows.await(gw, AuditKind.CONNECTION_CLOSED, "revoked_serial", "alice@example.com");
    assertEquals(serial, closed.serial());
  }

  @Test
  void aSessionOpenAcrossTheCertificatesExpiryEndsWithTheReason() throws Exception {
    gw = GatewayFixture.start(dir, "  clock_skew: 1s\n", "", "", Clock.systemUTC());
    Path key = OpenSsh.keygen(Files.createDirectories(dir.resolve("erin")), "id_erin");
    cli(
        "cert",
        "issue",
        "--key",
        OpenSsh.pub(key).toString(),
        "--identity",
        "erin@example.com",
        "--principals",
        "ops",
        "--ttl",
        "15s"); // time enough to log in on a loaded machine
    Instant validBefore = validBefore(key);
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(gw.port())));
    cmd.addAll(gw.sshOptions(key));
    cmd.addAll(List.of(gw.onTarget() + "@127.0.0.1", "echo started; sleep 120"));
    Process ssh = new ProcessBuilder(cmd).start();
    try {
      assertEquals(
          "started\n",
          new String(ssh.getInputStream().readNBytes("started\n".length()), StandardCharsets.UTF_8),
          "the session did not start while the certificate was valid");

      assertTrue(ssh.waitFor(60, TimeUnit.SECONDS), "the session outlived its certificate");
      String err = new String(ssh.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(
          err.contains("bastion: certificate expired at " + validBefore + "; session ended"), err);
      assertEquals(255, ssh.exitValue(), err);
    } finally {
      ssh.destroyForcibly();
    }
    AuditEvent ended = AuditRows.await(gw, AuditKind.SESSION_ENDED, "exit", "erin@example.com");
    assertTrue(
        ended.detail().startsWith("certificate expired at " + validBefore + "; session ended"),
        ended.toString());
    AuditRows.await(gw, AuditKind.CONNECTION_CLOSED, "expired", "erin@example.com");
  }

  @Test
  void aNewSessionOnASharedConnectionAfterExpiryIsRefused() throws Exception {
    ShiftableClock clock = new ShiftableClock();
    gw = GatewayFixture.start(dir, "", "", "", clock);
    Path ctl = dir.resolve("ctl");
    master = master(ctl);
    assertEquals("before\n", shared(ctl, "echo before").orThrow().stdout());

    // The bastion's clock passes the certificate's end (an hour) before its timer could fire.
    clock.moveForward(Duration.ofHours(2));
    CommandResult after = shared(ctl, "echo after-expiry");

    assertEquals(1, after.exitCode(), after.toString());
    assertFalse(after.stdout().contains("after-expiry"), after.toString());
    assertTrue(
        after
            .stderr()
            .contains("bastion: certificate expired at " + validBefore(gw.userKey) + " ("),
        after.toString());
    AuditEvent refused =
        AuditRows.await(gw, AuditKind.SESSION_REFUSED, "expired", "alice@example.com");
    assertTrue(refused.detail().contains("echo after-expiry"), refused.toString());
    assertTrue(master.waitFor(20, TimeUnit.SECONDS), "the master connection stayed open");
  }

  /** An OpenSSH master connection with no session of its own, ready for shared sessions. */
  private Process master(Path ctl) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "ssh",
                "-M",
                "-S",
                ctl.toString(),
                "-o",
                "ControlPersist=no",
                "-N",
                "-p",
                Integer.toString(gw.port())));
    cmd.addAll(gw.sshOptions(gw.userKey));
    cmd.add(gw.onTarget() + "@127.0.0.1");
    Process started =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("master.log").toFile())
            .start();
    for (int i = 0; i < 200 && started.isAlive(); i++) {
      if (ExternalCommand.of("ssh", "-F", "/dev/null", "-S", ctl.toString(), "-O", "check", "x")
          .run()
          .succeeded()) {
        return started;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the master connection did not come up: " + masterLog());
  }

  /** A command over the master's connection (OpenSSH falls back to a new one if it is gone). */
  private CommandResult shared(Path ctl, String command) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "ssh",
                "-S",
                ctl.toString(),
                "-o",
                "ControlMaster=no",
                "-p",
                Integer.toString(gw.port())));
    cmd.addAll(gw.sshOptions(gw.userKey));
    cmd.addAll(List.of(gw.onTarget() + "@127.0.0.1", command));
    return ExternalCommand.of(cmd).timeout(Duration.ofMinutes(1)).run();
  }

  private String masterLog() throws Exception {
    return Files.readString(dir.resolve("master.log"));
  }

  private void cli(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--data-dir", gw.dataDir.toString()));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        BastionCommand.execute(
            all.toArray(String[]::new),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
  }

  private static OpenSshCertificate certificate(Path key) {
    return OpenSshKeys.readCertificate(OpenSsh.cert(key));
  }

  private static String serialOf(Path key) {
    return Long.toUnsignedString(certificate(key).getSerial());
  }

  private static Instant validBefore(Path key) {
    return Instant.ofEpochSecond(certificate(key).getValidBefore());
  }
}
