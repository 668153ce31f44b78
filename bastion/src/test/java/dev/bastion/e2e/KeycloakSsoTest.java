package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.HeadlessBrowser;
import dev.bastion.testsupport.Keycloak;
import dev.bastion.testsupport.KeycloakPages;
import dev.bastion.testsupport.LoginAccount;
import dev.bastion.testsupport.OpenSsh;
import dev.bastion.testsupport.TcpRelay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.WebDriver;

/**
 * Single sign-on inside plain {@code ssh} against a real Keycloak: the real {@code ssh} shows the
 * device flow's URL, headless Chromium completes Keycloak's pages as a directory user, and the
 * session runs on a real sshd with the roles of that user's groups. Keycloak is reached through a
 * relay the test can stop, as a provider that goes down.
 */
@Tag("keycloak")
class KeycloakSsoTest {
  private static final Pattern COMPLETE_URL =
      Pattern.compile("\\n  (http://\\S+/device\\?user_code=\\S+)\\n");

  @TempDir static Path dir;
  static TcpRelay relay;
  static GatewayFixture gw;
  static WebDriver browser;

  @BeforeAll
  static void start() throws Exception {
    Keycloak keycloak = Keycloak.shared();
    relay = TcpRelay.start(keycloak.baseUri());
    gw = GatewayFixture.start(dir, "", ssoYaml(Keycloak.CLIENT_ID, Keycloak.CLIENT_SECRET));
    browser = HeadlessBrowser.start(dir.resolve("browser"));
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (gw != null) {
      gw.close();
    }
    if (relay != null) {
      relay.close();
    }
  }

  @Test
  void aliceSignsInInTheBrowserGetsHerShellAndACertificateForLaterLogins() throws Exception {
    Path key = OpenSsh.keygen(Files.createDirectories(dir.resolve("alice")), "id_alice");
    List<String> ssh = new ArrayList<>(List.of("ssh", "-tt", "-p", Integer.toString(gw.port())));
    List<String> options = new ArrayList<>(gw.sshOptions(key));
    options.replaceAll(o -> o.equals("BatchMode=yes") ? "BatchMode=no" : o);
    ssh.addAll(options);
    ssh.add(gw.onTarget() + "@127.0.0.1");
    try (TerminalScreen screen = TerminalScreen.start(dir, ssh)) {
      String shown = screen.await("(the code is valid for ", 60);
      assertTrue(shown.contains("bastion: sign in with Keycloak to continue:"), shown);
      approve(completeUrl(shown), Keycloak.ALICE);
      screen.await("$", 60);
      screen.type("echo shell-of-$(id -un)");
      screen.await("shell-of-" + gw.login, 30);
      screen.type("exit");
    }
    AuditEvent accepted =
        AuditRows.await(gw, AuditKind.LOGIN_ACCEPTED, "oidc", Keycloak.ALICE.email());
    assertTrue(accepted.detail().contains("groups sre, roles sre, key SHA256:"), accepted.detail());
    assertTrue(accepted.detail().contains("issuer " + relay.uri() + "/realms/"), accepted.detail());

    // A second sign-in (Chromium still has the Keycloak session) asks for a certificate.
    CommandResult cert;
    try (InteractiveSsh client = InteractiveSsh.start(gw, key, "me", "cert")) {
      approve(completeUrl(client.awaitStderr("(the code is valid for ")), Keycloak.ALICE);
      cert = client.result();
    }
    assertEquals(0, cert.exitCode(), cert.toString());
    OpenSsh.write(OpenSsh.cert(key), cert.stdout());
    String described = OpenSsh.describe(OpenSsh.cert(key));
    assertTrue(described.contains("Key ID: \"" + Keycloak.ALICE.email() + "\""), described);
    assertTrue(described.matches("(?s).*Principals: \\n\\s+sre\\n.*"), described);
    CommandResult later = gw.sshWith(key, gw.onTarget(), null, "id", "-un");
    assertEquals(0, later.exitCode(), later.toString());
    assertEquals(gw.login + "\n", later.stdout());
    AuditRows.await(gw, AuditKind.CERTIFICATE_ISSUED, "oidc", Keycloak.ALICE.email());
  }

  @Test
  void carolInNoMappedGroupIsRefusedWithTheReason() throws Exception {
    try (InteractiveSsh client = InteractiveSsh.start(gw, null, gw.onTarget(), "true")) {
      KeycloakPages.signOut(browser, issuer());
      approve(completeUrl(client.awaitStderr("(the code is valid for ")), Keycloak.CAROL);
      CommandResult result = client.result();
      assertEquals(255, result.exitCode(), result.toString());
      assertTrue(
          result
              .stderr()
              .contains("bastion: your groups at Keycloak (none) map to no role of this bastion"),
          result.toString());
    } finally {
      KeycloakPages.signOut(browser, issuer());
    }
    AuditRows.await(gw, AuditKind.LOGIN_REFUSED, "no_role", Keycloak.CAROL.email());
  }

  @Test
  void aDeniedDeviceCodeEndsWithAClearMessage() throws Exception {
    try (InteractiveSsh client = InteractiveSsh.start(gw, null, gw.onTarget(), "true")) {
      KeycloakPages.denyDevice(
          browser,
          completeUrl(client.awaitStderr("(the code is valid for ")),
          Keycloak.BOB.email(),
          Keycloak.BOB.password());
      CommandResult result = client.result();
      assertEquals(255, result.exitCode(), result.toString());
      assertTrue(
          result.stderr().contains("bastion: the sign-in was denied at Keycloak"),
          result.toString());
    } finally {
      KeycloakPages.signOut(browser, issuer());
    }
    AuditEvent row = AuditRows.await(gw, AuditKind.LOGIN_REFUSED, "sso_denied", null);
    assertTrue(row.detail().contains("single sign-on"), row.detail());
  }

  @Test
  void aStoppedProviderGivesAClearMessageWhileCertificateLoginsKeepWorking() throws Exception {
    relay.stop();
    try (InteractiveSsh client = InteractiveSsh.start(gw, null, gw.onTarget(), "true")) {
      CommandResult result = client.result();
      assertEquals(255, result.exitCode(), result.toString());
      assertTrue(result.stderr().contains("bastion: cannot reach Keycloak ("), result.toString());
      CommandResult certificate = gw.ssh(gw.onTarget(), null, "id", "-un");
      assertEquals(0, certificate.exitCode(), certificate.toString());
    } finally {
      relay.restart();
    }
    AuditRows.await(gw, AuditKind.LOGIN_REFUSED, "sso_provider_unavailable", null);
  }

  @Test
  void anExpiredDeviceCodeEndsWithAClearMessage() throws Exception {
    Path shortDir = Files.createDirectories(dir.resolve("short-code"));
    try (GatewayFixture shortCodes =
            GatewayFixture.start(
                shortDir,
                "",
                ssoYaml(Keycloak.SHORT_CODE_CLIENT_ID, Keycloak.SHORT_CODE_CLIENT_SECRET));
        InteractiveSsh client = InteractiveSsh.start(shortCodes, null, "me", "true")) {
      // Nobody opens the URL: the code (3 seconds at this client) runs out.
      CommandResult result = client.result();
      assertEquals(255, result.exitCode(), result.toString());
      assertTrue(
          result
              .stderr()
              .contains("bastion: the code expired before the sign-in with Keycloak was completed"),
          result.toString());
      AuditRows.await(shortCodes, AuditKind.LOGIN_REFUSED, "sso_expired", null);
    }
  }

  /** {@code oidc:} for the realm through the relay, with a role for the {@code sre} group. */
  private static String ssoYaml(String clientId, String clientSecret) throws Exception {
    Path secret = dir.resolve("oidc-secret-" + clientId);
    Files.writeString(secret, clientSecret + "\n");
    Files.setPosixFilePermissions(
        secret, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    return "  sre:\n"
        + "    oidc_groups: [sre]\n"
        + "    targets: [\"web*\"]\n"
        + "    logins: ["
        + LoginAccount.name()
        + "]\n"
        + "oidc:\n"
        + "  issuer: "
        + issuer()
        + "\n"
        + "  name: Keycloak\n"
        + "  client_id: "
        + clientId
        + "\n"
        + "  client_secret_file: "
        + secret
        + "\n"
        + "  certificate_ttl: 2h\n";
  }

  private static String issuer() {
    return relay.uri() + "/realms/" + Keycloak.REALM;
  }

  private static void approve(String completeUrl, Keycloak.DirectoryUser user) {
    KeycloakPages.approveDevice(browser, completeUrl, user.email(), user.password());
  }

  private static String completeUrl(String shown) {
    Matcher m = COMPLETE_URL.matcher(shown);
    assertTrue(m.find(), "no complete URL shown:\n" + shown);
    return m.group(1);
  }
}
