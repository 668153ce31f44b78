package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.keys.Revocation;
import dev.bastion.keys.RevocationList;
import dev.bastion.testsupport.Keycloak;
import dev.bastion.testsupport.KeycloakPages;
import dev.bastion.testsupport.LoginAccount;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web viewer's "Sign in with Keycloak" in a real headless Chromium against a real Keycloak:
 * directory users get the roles of their groups and see what those allow, a user in no mapped group
 * gets the reason, and revoking an identity ends its browser session and refuses it again.
 */
@Tag("keycloak")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SingleSignOnBrowserTest {
  Keycloak keycloak;
  GatewayFixture gw;
  WebDriver browser;
  WebDriverWait wait;
  String base;
  final List<Process> sessions = new ArrayList<>();

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    keycloak = Keycloak.shared();
    Path secret = dir.resolve("oidc-secret");
    Files.writeString(secret, Keycloak.CLIENT_SECRET + "\n");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    gw =
        GatewayFixture.start(
            dir,
            "",
            "  approving:\n"
                + "    oidc_groups: [approvers]\n"
                + "    targets: []\n"
                + "    can: [shadow, approve]\n"
                + "  sre:\n"
                + "    oidc_groups: [sre]\n"
                + "    targets: [\"web*\"]\n"
                + "    logins: ["
                + LoginAccount.name()
                + "]\n"
                + "oidc:\n"
                + "  issuer: "
                + keycloak.issuer()
                + "\n"
                + "  name: Keycloak\n"
                + "  client_id: "
                + Keycloak.CLIENT_ID
                + "\n"
                + "  client_secret_file: "
                + secret
                + "\n");
    base = "http://127.0.0.1:" + gw.bastion.webPort();
    browser = HeadlessChromium.start(dir);
    wait = new WebDriverWait(browser, Duration.ofSeconds(30));
  }

  @AfterAll
  void stop() {
    sessions.forEach(Process::destroy);
    if (browser != null) {
      browser.quit();
    }
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  @Order(1)
  void aUserInNoMappedGroupIsRefusedWithTheReason() throws Exception {
    signInAs(Keycloak.CAROL);
    wait.until(ExpectedConditions.titleContains("Sign-in not completed"));
    String page = browser.findElement(By.tagName("main")).getText();
    HeadlessChromium.screenshot(browser, "sso-1-carol-refused");
    assertTrue(
        page.contains(
            "Signed in as carol@example.com, but your groups at Keycloak (none) give you no role"
                + " on this bastion."),
        page);
    assertTrue(browser.findElement(By.linkText("Try again")).isDisplayed());
    AuditEvent refused =
        AuditRows.await(gw, AuditKind.LOGIN_REFUSED, "no_role", "carol@example.com");
    assertTrue(refused.detail().contains("issuer " + keycloak.issuer()), refused.detail());
    assertEquals(401, me(browser.manage().getCookieNamed("bastion_session")), "no session");
  }

  @Test
  @Order(2)
  void aUserWhoseRolesGiveNoWebRightsSeesOnlyTheirOwn() throws Exception {
    signInAs(Keycloak.ALICE);
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("me"), "alice@example.com (no rights)"));
    assertEquals(base + "/", browser.getCurrentUrl());
  }

  @Test
  @Order(3)
  void anApproverSeesLiveSessionsAndRevocationEndsTheBrowserSession() throws Exception {
    // Alice's session through the real ssh client, with her certificate.
    Process ssh = session("echo session-ready; cat");
    assertEquals(
        "session-ready\n", new String(ssh.getInputStream().readNBytes("session-ready\n".length())));

    signInAs(Keycloak.BOB);
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("me"), "bob@example.com (approve, shadow)"));
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.cssSelector("#sessions tbody"), "alice@example.com"));
    assertTrue(browser.findElement(By.linkText("Watch")).isDisplayed(), "shadow lets bob watch");
    HeadlessChromium.screenshot(browser, "sso-2-bob-live-sessions");
    AuditEvent login = AuditRows.await(gw, AuditKind.WEB_LOGIN, "oidc", "bob@example.com");
    assertTrue(
        login.detail().contains("issuer " + keycloak.issuer())
            && login.detail().contains("groups approvers")
            && login.detail().contains("roles approving"),
        login.detail());
    var cookie = browser.manage().getCookieNamed("bastion_session");
    assertEquals(200, me(cookie));
    assertTrue(
        cookie.getExpiry().toInstant().isBefore(Instant.now().plus(Duration.ofHours(8))),
        "the cookie lasts no longer than 8 hours: " + cookie.getExpiry());

    new RevocationList(gw.dataDir).add(Revocation.identity("bob@example.com", Instant.now()));
    // The page's next call gets 401 and takes the browser to the login page.
    wait.until(ExpectedConditions.urlToBe(base + "/login"));
    wait.until(ExpectedConditions.titleContains("Log in"));
    HeadlessChromium.screenshot(browser, "sso-3-bob-revoked");
    assertEquals(401, me(cookie), "the revoked session is over");

    signInAs(Keycloak.BOB);
    wait.until(ExpectedConditions.titleContains("Sign-in not completed"));
    String page = browser.findElement(By.tagName("main")).getText();
    assertTrue(page.contains("The identity bob@example.com is revoked on this bastion."), page);
    AuditRows.await(gw, AuditKind.LOGIN_REFUSED, "revoked_identity", "bob@example.com");
  }

  /** From the bastion's login page through Keycloak's, as {@code user}, in a fresh browser. */
  private void signInAs(Keycloak.DirectoryUser user) throws Exception {
    // Keycloak and the bastion share the host 127.0.0.1, so this drops both sites' cookies.
    KeycloakPages.signOut(browser, keycloak.issuer());
    browser.get(base + "/login");
    assertTrue(browser.getPageSource().contains("ssh -p PORT you@BASTION web-login"));
    browser.findElement(By.linkText("Sign in with Keycloak")).click();
    KeycloakPages.signIn(browser, user.email(), user.password());
  }

  /** {@code GET /api/me} with this session cookie (null: none). */
  private int me(org.openqa.selenium.Cookie cookie) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/api/me"));
    if (cookie != null) {
      request.header("Cookie", cookie.getName() + "=" + cookie.getValue());
    }
    return HttpClient.newHttpClient()
        .send(request.build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  /** Alice's ssh client running {@code command} on web01 through the bastion. */
  private Process session(String command) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(gw.port())));
    cmd.addAll(gw.sshOptions(gw.userKey));
    cmd.addAll(List.of(gw.login + "@web01@127.0.0.1", command));
    Process process = new ProcessBuilder(cmd).start();
    sessions.add(process);
    return process;
  }
}
