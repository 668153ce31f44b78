package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditReader;
import dev.bastion.cli.CliRun;
import dev.bastion.keys.CaKind;
import dev.bastion.oidc.SignInException;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.LoginAccount;
import dev.bastion.testsupport.OpenSsh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Single sign-on inside plain {@code ssh} (device flow over keyboard-interactive), driven with the
 * real OpenSSH client against a real sshd target; the provider is an in-process fake whose answers
 * the test gives ({@link FakeIdentityProvider}). The same flows run against Keycloak in {@code
 * KeycloakSsoTest}.
 */
class SsoLoginTest {
  static final String SSO_YAML =
      "  sre:\n"
          + "    oidc_groups: [sre]\n"
          + "    targets: [\"web*\"]\n"
          + "    logins: ["
          + LoginAccount.name()
          + "]\n"
          + "oidc:\n"
          + "  issuer: "
          + FakeIdentityProvider.ISSUER
          + "\n"
          + "  name: "
          + FakeIdentityProvider.NAME
          + "\n"
          + "  client_id: bastion\n"
          + "  certificate_ttl: 2h\n";

  @TempDir static Path dir;
  static GatewayFixture gw;
  static final FakeIdentityProvider idp = new FakeIdentityProvider();

  @BeforeAll
  static void start() throws Exception {
    gw = GatewayFixture.start(dir, SSO_YAML, oidc -> idp);
  }

  @AfterAll
  static void stop() {
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void anApprovedSignInRunsOnTheTargetWithTheRolesOfTheGroups() throws Exception {
    Path key = freshKey("alice");
    try (InteractiveSsh ssh = InteractiveSsh.start(gw, key, gw.onTarget(), "id", "-un")) {
      String code = ssh.awaitCode();
      String shown = ssh.stderr();
      assertTrue(shown.contains("bastion: sign in with TestIdP to continue:\n"), shown);
      assertTrue(
          shown.contains("\n  " + FakeIdentityProvider.ISSUER + "/device?user_code=" + code + "\n"),
          shown);
      assertTrue(
          shown.contains(
              "or open " + FakeIdentityProvider.ISSUER + "/device and enter the code " + code),
          shown);
      idp.approve(code, "alice@example.com", List.of("sre", "unmapped"));
      CommandResult result = ssh.result();
      assertEquals(0, result.exitCode(), result.toString());
      assertEquals(gw.login + "\n", result.stdout());
    }
    AuditEvent accepted =
        AuditRows.await(gw, AuditKind.LOGIN_ACCEPTED, "oidc", "alice@example.com");
    assertTrue(
        accepted
            .detail()
            .contains(
                "issuer "
                    + FakeIdentityProvider.ISSUER
                    + ", subject subject-of-alice@example.com, groups sre,unmapped, roles sre,"
                    + " key SHA256:"),
        accepted.detail());
    // The key was proven on the way (the first factor), which is not a refusal.
    assertFalse(
        AuditRows.find(
                new AuditReader(gw.bastion.database()).events(null, null, 5000),
                AuditKind.LOGIN_REFUSED,
                "not_a_certificate")
            .isPresent());
  }

  @Test
  void whoamiAndHelpShowTheSignInAndCertNeedsAProvenKey() throws Exception {
    assertTrue(
        signIn(null, "me", "dave@example.com", List.of("sre"), "whoami")
            .stdout()
            .contains("login:       signed in with TestIdP (SSO) until "));
    CommandResult whoami = signIn(null, "me", "dave@example.com", List.of("sre"), "whoami");
    assertTrue(whoami.stdout().contains("roles:       sre\n"), whoami.toString());
    assertTrue(whoami.stdout().contains("groups:      sre\n"), whoami.toString());
    CommandResult help = signIn(null, "me", "dave@example.com", List.of("sre"), "help");
    assertTrue(help.stdout().contains("\n  cert      after single sign-on"), help.toString());
    CommandResult cert = signIn(null, "me", "dave@example.com", List.of("sre"), "cert");
    assertEquals(1, cert.exitCode(), cert.toString());
    assertTrue(
        cert.stderr()
            .contains(
                "bastion: no key was proven on this connection, so there is nothing to certify;"
                    + " connect with the key you want certified: ssh -i ~/.ssh/id_ed25519 -p PORT"
                    + " me@BASTION cert"),
        cert.toString());
  }

  @Test
  void certGivesACertificateThatLogsInWithoutSignInUntilItsSerialIsRevoked() throws Exception {
    Path key = freshKey("erin");
    int devicesBefore = idp.started();
    CommandResult issued = signIn(key, "me", "erin@example.com", List.of("sre"), "cert");
    assertEquals(0, issued.exitCode(), issued.toString());
    assertTrue(issued.stdout().startsWith("ssh-ed25519-cert-v01@openssh.com "), issued.stdout());
    assertEquals(1, issued.stdout().lines().count(), issued.stdout());
    Matcher serial = Pattern.compile("serial (\\d+)").matcher(issued.stderr());
    assertTrue(serial.find(), issued.stderr());
    OpenSsh.write(OpenSsh.cert(key), issued.stdout());

    String described = OpenSsh.describe(OpenSsh.cert(key));
    assertTrue(described.contains("Key ID: \"erin@example.com\""), described);
    assertTrue(described.contains("Serial: " + serial.group(1)), described);
    assertTrue(described.matches("(?s).*Principals: \\n\\s+sre\\n.*"), described);
    assertTrue(described.matches("(?s).*Valid: from \\S+ to \\S+\\n.*"), described);
    assertTrue(
        described.contains(
            "Signing CA: ED25519 " + gw.bastion.cas().load(CaKind.USER).fingerprint()),
        described);
    AuditEvent row = AuditRows.await(gw, AuditKind.CERTIFICATE_ISSUED, "oidc", "erin@example.com");
    assertEquals(serial.group(1), row.serial());
    assertTrue(row.detail().contains("via oidc"), row.detail());

    // Batch mode: no keyboard-interactive, so this is the certificate alone.
    CommandResult later = gw.sshWith(key, gw.onTarget(), null, "id", "-un");
    assertEquals(0, later.exitCode(), later.toString());
    assertEquals(gw.login + "\n", later.stdout());
    assertEquals(devicesBefore + 1, idp.started());

    CliRun.of(gw.dataDir, "cert", "revoke", "--serial", serial.group(1)).ok();
    CommandResult revoked = gw.sshWith(key, gw.onTarget(), null, "true");
    assertEquals(255, revoked.exitCode(), revoked.toString());
    assertTrue(
        revoked
            .stderr()
            .contains("bastion: certificate serial " + serial.group(1) + " was revoked"),
        revoked.toString());
  }

  @Test
  void certOptionsBindTheSourceAddressAndShortenTheLifetimeWithinTheLimit() throws Exception {
    Path key = freshKey("fay");
    CommandResult bound =
        signIn(
            key,
            "me",
            "fay@example.com",
            List.of("sre"),
            "cert",
            "--ttl",
            "30m",
            "--source-address");
    assertEquals(0, bound.exitCode(), bound.toString());
    OpenSsh.write(OpenSsh.cert(key), bound.stdout());
    String described = OpenSsh.describe(OpenSsh.cert(key));
    assertTrue(described.matches("(?s).*source-address 127\\.0\\.0\\.1\\n.*"), described);

    CommandResult tooLong =
        signIn(key, "me", "fay@example.com", List.of("sre"), "cert", "--ttl", "3h");
    assertEquals(1, tooLong.exitCode(), tooLong.toString());
    assertTrue(
        tooLong
            .stderr()
            .contains(
                "bastion: --ttl 3h is longer than this bastion's oidc.certificate_ttl (2 hours)"),
        tooLong.toString());
  }

  @Test
  void certOnACertificateConnectionSaysItNeedsSingleSignOn() {
    CommandResult r = gw.ssh("me", null, "cert");
    assertEquals(1, r.exitCode(), r.toString());
    assertEquals(
        "bastion: cert issues certificates after single sign-on; you logged in with a certificate",
        r.stderr().strip());
  }

  @Test
  void refusedSignInsSayWhyAndLeaveARow() throws Exception {
    refused(
        "no_role",
        "grace@example.com",
        code -> idp.approve(code, "grace@example.com", List.of("marketing", "sales")),
        "bastion: your groups at TestIdP (marketing,sales) map to no role of this bastion");

    CliRun.of(gw.dataDir, "cert", "revoke", "--identity", "mallory@example.com").ok();
    refused(
        "revoked_identity",
        "mallory@example.com",
        code -> idp.approve(code, "mallory@example.com", List.of("sre")),
        "bastion: identity \"mallory@example.com\" was revoked at ");

    refused(
        "sso_denied",
        null,
        code ->
            idp.fail(
                code,
                new SignInException(
                    SignInException.Reason.DENIED, "the sign-in was denied at TestIdP")),
        "bastion: the sign-in was denied at TestIdP");

    refused(
        "sso_expired",
        null,
        code ->
            idp.fail(
                code,
                new SignInException(
                    SignInException.Reason.EXPIRED,
                    "the code expired before the sign-in was completed; run ssh again")),
        "bastion: the code expired before the sign-in was completed; run ssh again");
  }

  @Test
  void aProviderThatIsDownGivesAClearLineWhileCertificatesKeepWorking() throws Exception {
    idp.goDown(
        new SignInException(
            SignInException.Reason.PROVIDER_UNAVAILABLE,
            "TestIdP cannot be reached (connection refused); certificate logins still work"));
    try (InteractiveSsh ssh = InteractiveSsh.start(gw, null, gw.onTarget(), "true")) {
      CommandResult result = ssh.result();
      assertEquals(255, result.exitCode(), result.toString());
      assertTrue(
          result
              .stderr()
              .contains(
                  "bastion: TestIdP cannot be reached (connection refused); certificate logins"
                      + " still work"),
          result.toString());
    } finally {
      idp.goDown(null);
    }
    AuditRows.await(gw, AuditKind.LOGIN_REFUSED, "sso_provider_unavailable", null);
    CommandResult certificate = gw.ssh(gw.onTarget(), null, "id", "-un");
    assertEquals(0, certificate.exitCode(), certificate.toString());
  }

  @Test
  void aSignInSlowerThanTheUsualLoginTimeoutStillLogsIn() throws Exception {
    try (InteractiveSsh ssh = InteractiveSsh.start(gw, null, gw.onTarget(), "id", "-un")) {
      String code = ssh.awaitCode();
      // Past the 30 seconds MINA gives a login, as a person in a browser easily takes.
      Thread.sleep(35_000);
      idp.approve(code, "hank@example.com", List.of("sre"));
      CommandResult result = ssh.result();
      assertEquals(0, result.exitCode(), result.toString());
      assertEquals(gw.login + "\n", result.stdout());
    }
  }

  @Test
  void revokingTheIdentityEndsItsSignedInConnection() throws Exception {
    try (InteractiveSsh ssh =
        InteractiveSsh.start(gw, null, gw.onTarget(), "echo started; sleep 120")) {
      idp.approve(ssh.awaitCode(), "ivan@example.com", List.of("sre"));
      AuditRows.await(gw, AuditKind.LOGIN_ACCEPTED, "oidc", "ivan@example.com");
      ssh.awaitStdout("started");
      CliRun.of(gw.dataDir, "cert", "revoke", "--identity", "ivan@example.com").ok();
      CommandResult ended = ssh.result();
      assertTrue(ended.exitCode() != 0, ended.toString());
      assertTrue(
          ended.stderr().contains("revoked (identity \"ivan@example.com\")"), ended.toString());
    }
    AuditRows.await(gw, AuditKind.CONNECTION_CLOSED, "revoked_identity", "ivan@example.com");
  }

  @Test
  void aSignInHasItsOwnSerialSoRevokingSerialZeroNeverEndsIt() throws Exception {
    try (InteractiveSsh ssh =
        InteractiveSsh.start(gw, null, gw.onTarget(), "echo started; sleep 120")) {
      idp.approve(ssh.awaitCode(), "judy@example.com", List.of("sre"));
      AuditEvent login = AuditRows.await(gw, AuditKind.LOGIN_ACCEPTED, "oidc", "judy@example.com");
      ssh.awaitStdout("started");
      assertTrue(login.serial() != null && !login.serial().equals("0"), login.toString());
      // certificates signed without ssh-keygen -z carry serial 0; revoking it must not reach her
      CliRun.of(gw.dataDir, "cert", "revoke", "--serial", "0").ok();
      CliRun.of(gw.dataDir, "cert", "revoke", "--serial", login.serial()).ok();
      CommandResult ended = ssh.result();
      assertTrue(ended.stderr().contains("serial " + login.serial()), ended.toString());
    }
  }

  @Test
  void theBastionStopsPollingWhenTheClientLeaves() throws Exception {
    CompletableFuture<?> polling;
    try (InteractiveSsh ssh = InteractiveSsh.start(gw, null, gw.onTarget(), "true")) {
      String code = ssh.awaitCode();
      polling = idp.future(code);
      ssh.kill();
    }
    for (int i = 0; i < 200 && !polling.isCancelled(); i++) {
      Thread.sleep(50);
    }
    assertTrue(polling.isCancelled(), "the bastion still polls for a client that left");
  }

  private void refused(
      String code, String identity, java.util.function.Consumer<String> outcome, String line)
      throws Exception {
    try (InteractiveSsh ssh = InteractiveSsh.start(gw, null, gw.onTarget(), "true")) {
      outcome.accept(ssh.awaitCode());
      CommandResult result = ssh.result();
      assertEquals(255, result.exitCode(), result.toString());
      assertTrue(result.stderr().contains(line), result.toString());
    }
    AuditEvent row = AuditRows.await(gw, AuditKind.LOGIN_REFUSED, code, identity);
    assertTrue(row.detail().contains("single sign-on"), row.detail());
  }

  /** One SSO login (approved as {@code identity}) that runs {@code command}; its result. */
  static CommandResult signIn(
      Path key, String user, String identity, List<String> groups, String... command)
      throws Exception {
    try (InteractiveSsh ssh = InteractiveSsh.start(gw, key, user, command)) {
      idp.approve(ssh.awaitCode(), identity, groups);
      return ssh.result();
    }
  }

  private static Path freshKey(String name) throws Exception {
    return OpenSsh.keygen(Files.createDirectories(dir.resolve(name)), "id_" + name);
  }
}
