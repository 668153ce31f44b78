package dev.bastion.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.cli.BastionCommand;
import dev.bastion.e2e.AuditRows;
import dev.bastion.e2e.GatewayFixture;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.ExternalCommand;
import dev.bastion.testsupport.OpenSsh;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A certificate valid for years, or forever, is refused even from a trusted CA: the bastion has a
 * maximum lifetime (7 days by default), and {@code cert issue} will not make longer ones.
 */
class CertificateLifetimeTest {
  @TempDir Path dir;
  GatewayFixture gw;
  Path partnerCa;

  @BeforeEach
  void start() throws Exception {
    partnerCa = OpenSsh.keygen(Files.createDirectories(dir.resolve("partner")), "partner_ca");
    gw =
        GatewayFixture.start(
            dir,
            "",
            "",
            "trusted_user_cas:\n  - \"" + OpenSsh.read(OpenSsh.pub(partnerCa)) + "\"\n",
            Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    gw.close();
  }

  @Test
  void aTenYearCertificateFromATrustedCaIsRefusedWithItsLifetime() throws Exception {
    CommandResult login = loginWith("tenyear@example.com", "-1m:+3650d");

    assertEquals(255, login.exitCode(), login.toString());
    assertTrue(
        login.stderr().contains("bastion: certificate is valid for 3650 days (until "),
        login.toString());
    assertTrue(
        login
            .stderr()
            .contains("), longer than the 7 days this bastion accepts; ask for a shorter one"),
        login.toString());
    AuditEvent refused =
        AuditRows.await(gw, AuditKind.LOGIN_REFUSED, "lifetime_too_long", "tenyear@example.com");
    assertTrue(
        refused.detail().startsWith("certificate is valid for 3650 days"), refused.toString());
  }

  @Test
  void aForeverCertificateFromATrustedCaIsRefused() throws Exception {
    CommandResult login = loginWith("forever@example.com", "always:forever");

    assertEquals(255, login.exitCode(), login.toString());
    assertTrue(
        login
            .stderr()
            .contains(
                "bastion: certificate is valid forever, longer than the 7 days this bastion"
                    + " accepts; ask for a shorter one"),
        login.toString());
    AuditRows.await(gw, AuditKind.LOGIN_REFUSED, "lifetime_too_long", "forever@example.com");
  }

  @Test
  void aSevenDayCertificateFromTheSameCaLogsIn() throws Exception {
    CommandResult login = loginWith("week@example.com", "-1m:+7d");

    assertEquals("in\n", login.orThrow().stdout());
  }

  @Test
  void certIssueRefusesATtlBeyondTheMaximum() throws Exception {
    Path key = OpenSsh.keygen(Files.createDirectories(dir.resolve("cli")), "id_cli");
    String[] issue = {
      "cert", "issue", "--key", OpenSsh.pub(key).toString(), "--identity", "cli@example.com",
      "--principals", "ops", "--data-dir", gw.dataDir.toString(), "--ttl", "30d"
    };
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        BastionCommand.execute(
            issue,
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));

    assertEquals(BastionCommand.EXIT_FAILED, status);
    assertEquals(
        "bastion: --ttl 30 days is longer than ssh.max_certificate_lifetime (7 days); the bastion"
            + " would refuse the certificate\n",
        err.toString(StandardCharsets.UTF_8));
    assertTrue(Files.notExists(OpenSsh.cert(key)));
    issue[issue.length - 1] = "7d";
    assertEquals(0, BastionCommand.execute(issue, System.out, System.err));
  }

  /** Signs a new key with the partner CA ({@code ssh-keygen -V validity}), then logs in with it. */
  private CommandResult loginWith(String identity, String validity) throws Exception {
    Path key = OpenSsh.keygen(Files.createDirectories(dir.resolve(identity)), "id");
    ExternalCommand.of(
            "ssh-keygen",
            "-q",
            "-s",
            partnerCa.toString(),
            "-I",
            identity,
            "-n",
            "ops",
            "-V",
            validity,
            OpenSsh.pub(key).toString())
        .run()
        .orThrow();
    return gw.sshWith(key, gw.onTarget(), null, "echo in");
  }
}
