package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.keys.CaKeyStore;
import dev.bastion.testsupport.OpenSsh;
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
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A second engineer in a real headless Chromium: logs in with a link from the real ssh client,
 * watches a live session made by the real ssh client, sees typed text appear, ends the session with
 * a reason (the ssh client exits with it), and replays the recording. Screenshots go to {@code
 * target/browser-screenshots/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrowserEndToEndTest {
  Path dir;
  GatewayFixture gw;
  WebDriver browser;
  Path bobKey;

  @BeforeAll
  void start(@TempDir Path tempDir) throws Exception {
    dir = tempDir;
    String login = dev.bastion.testsupport.LoginAccount.name();
    gw =
        GatewayFixture.start(
            dir,
            "  gated01:\n    address: TARGET_ADDRESS\n    host_key: \"TARGET_HOST_KEY\"\n    logins: ["
                + login
                + "]\n"
                + "    require_approval: {count: 1, from: [approver], on_leave: pause}\n",
            "  approver:\n    targets: [\"gated*\"]\n    logins: ["
                + login
                + "]\n    can: [approve]\n");
    bobKey = OpenSsh.keygen(Files.createDirectories(dir.resolve("bob")), "id_bob");
    GatewayFixture.issue(
        new CaKeyStore(gw.dataDir),
        bobKey,
        "bob@example.com",
        List.of("approver"),
        Duration.ofHours(1));
    browser = HeadlessChromium.start(dir);
  }

  @AfterAll
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void watchTerminateAndReplayASessionInTheBrowser() throws Exception {
    // Log in through a one-time link printed by the real ssh client.
    WebDriverWait wait = logIn(gw.userKey, "alice@example.com");

    // An engineer's session through the real ssh client; what they type comes back from the target.
    Process ssh =
        session(
            "web01", "echo session-ready; while read line; do echo \"target got: $line\"; done");
    assertEquals(
        "session-ready\n", new String(ssh.getInputStream().readNBytes("session-ready\n".length())));

    wait.until(ExpectedConditions.elementToBeClickable(By.linkText("Watch")));
    screenshot("1-live-sessions");
    clickFresh(wait, driver -> driver.findElement(By.linkText("Watch")));
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".ap-term")));

    OutputStream typing = ssh.getOutputStream();
    typing.write("hello from the engineer\n".getBytes(StandardCharsets.UTF_8));
    typing.flush();
    try {
      wait.until(
          driver ->
              driver
                  .findElement(By.id("player"))
                  .getText()
                  .contains("target got: hello from the engineer"));
    } catch (org.openqa.selenium.TimeoutException e) {
      browser
          .manage()
          .logs()
          .get("browser")
          .forEach(entry -> System.out.println("browser console: " + entry));
      throw e;
    } finally {
      screenshot("2-live-view");
    }

    String err = endSession(wait, ssh, "change freeze");
    assertTrue(
        err.contains("bastion: session terminated by alice@example.com: change freeze"), err);
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "Session ended."));
    screenshot("3-terminated");

    // Replay the recording: the same text, played back. It is listed once it is sealed, which the
    // recorder does after the session has ended.
    gw.awaitSealed(s -> s.command() != null && s.command().contains("target got: $line"));
    browser.get("http://127.0.0.1:" + gw.bastion.webPort() + "/recordings");
    WebElement replay = wait.until(ExpectedConditions.elementToBeClickable(By.linkText("Replay")));
    replay.click();
    wait.until(
        driver ->
            driver
                .findElement(By.id("player"))
                .getText()
                .contains("target got: hello from the engineer"));
    screenshot("4-replay");

    browser.get("http://127.0.0.1:" + gw.bastion.webPort() + "/audit");
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(By.id("audit"), "session_terminated"));
    screenshot("5-audit");
  }

  /**
   * Bob may approve (role approver, right approve) but has no shadow or terminate right. He finds
   * Alice's requests at the top of the live sessions page, declines one, approves the next by
   * watching it, and ends it.
   */
  @Test
  void anApproverDeclinesOneRequestAndApprovesAndEndsAnotherInTheBrowser() throws Exception {
    WebDriverWait wait = logIn(bobKey, "bob@example.com");

    Process first = session("gated01", "echo first-request");
    WebElement request = pendingRequest(wait, "echo first-request");
    String row = request.getText();
    assertTrue(
        row.contains("alice@example.com") && row.contains("gated01") && row.contains(gw.login),
        row);
    screenshot("6-pending-request");
    clickFresh(
        wait, driver -> rowLink(driver, "#requests", "echo first-request", "Open to approve"));
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("approval"), "asks to run exec \"echo first-request\""));
    assertTrue(browser.findElement(By.id("approve")).isDisplayed());
    Thread.sleep(1500);
    assertEquals(0, first.getInputStream().available(), "opening the request approved it");
    browser.findElement(By.id("decline-reason")).sendKeys("use the runbook");
    browser.findElement(By.cssSelector("#decline button")).click();
    assertTrue(first.waitFor(10, TimeUnit.SECONDS), "the declined request did not end");
    String declined = new String(first.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(
        declined.contains("bastion: request declined by bob@example.com: use the runbook"),
        declined);
    assertEquals("", new String(first.getInputStream().readAllBytes(), StandardCharsets.UTF_8));

    Process second =
        session(
            "gated01",
            "echo approved-shell-ready; while read line; do echo \"target got: $line\"; done");
    pendingRequest(wait, "approved-shell-ready");
    clickFresh(
        wait, driver -> rowLink(driver, "#requests", "approved-shell-ready", "Open to approve"));
    WebElement approve = wait.until(ExpectedConditions.elementToBeClickable(By.id("approve")));
    screenshot("7-request-opened");
    approve.click();
    assertEquals(
        "approved-shell-ready\n",
        new String(
            second.getInputStream().readNBytes("approved-shell-ready\n".length()),
            StandardCharsets.UTF_8));
    wait.until(
        ExpectedConditions.textToBePresentInElementLocated(
            By.id("approval"), "approved; approvers watching: bob@example.com"));
    wait.until(
        ExpectedConditions.invisibilityOfElementLocated(
            By.id("decline"))); // nothing left to decline
    OutputStream typing = second.getOutputStream();
    typing.write("under four eyes\n".getBytes(StandardCharsets.UTF_8));
    typing.flush();
    wait.until(
        driver ->
            driver.findElement(By.id("player")).getText().contains("target got: under four eyes"));
    screenshot("8-approved-and-watching");

    String ended = endSession(wait, second, "seen enough");
    assertTrue(ended.contains("bastion: approved by bob@example.com; starting the session"), ended);
    assertTrue(
        ended.contains("bastion: session terminated by bob@example.com: seen enough"), ended);
  }

  /**
   * A session without a terminal sends bare line feeds, which the engineer's own terminal drew as
   * new lines (its ONLCR): the live view and the replay draw each line at column 0 too, while the
   * recording (its download) keeps the bytes. A session with a terminal is drawn as its terminal
   * drew it, a real staircase included (stty -onlcr on the target's pty).
   */
  @Test
  void outputOfASessionWithoutATerminalIsDrawnAsTheEngineersTerminalShowedIt() throws Exception {
    WebDriverWait wait = logIn(gw.userKey, "alice@example.com");
    Process noPty = session("web01", "printf 'one\\ntwo\\nthree\\n'; read end");
    assertEquals(
        "one\ntwo\nthree\n",
        new String(noPty.getInputStream().readNBytes(14), StandardCharsets.UTF_8));
    String id = watch(wait, "printf 'one");
    assertDrawn(wait, List.of("one", "two", "three"), "9-live-without-terminal");
    noPty.getOutputStream().close(); // the read ends, and with it the session
    assertTrue(noPty.waitFor(10, TimeUnit.SECONDS), "the session did not end");
    gw.awaitSealed(s -> id.equals(s.id()));
    replay(id);
    assertDrawn(wait, List.of("one", "two", "three"), "10-replay-without-terminal");
    String cast = download(id);
    assertTrue(cast.contains("\"pty\": false") || cast.contains("\"pty\":false"), cast);
    assertTrue(cast.contains("one\\ntwo\\nthree\\n"), "the recording keeps the bytes: " + cast);

    List<String> cmd = new ArrayList<>(List.of("ssh", "-tt", "-p", Integer.toString(gw.port())));
    cmd.addAll(gw.sshOptions(gw.userKey));
    cmd.addAll(
        List.of(
            gw.login + "@web01@127.0.0.1",
            "stty -onlcr; printf 'stair\\ncase\\n'; stty onlcr; read end"));
    Process pty = new ProcessBuilder(cmd).start();
    assertEquals(
        "stair\ncase\n", new String(pty.getInputStream().readNBytes(11), StandardCharsets.UTF_8));
    String ptyId = watch(wait, "printf 'stair");
    assertDrawn(wait, List.of("stair", "     case"), "11-live-with-terminal");
    pty.getOutputStream().write('\r');
    pty.getOutputStream().flush();
    assertTrue(pty.waitFor(10, TimeUnit.SECONDS), "the session with a terminal did not end");
    gw.awaitSealed(s -> ptyId.equals(s.id()));
    replay(ptyId);
    assertDrawn(wait, List.of("stair", "     case"), "12-replay-with-terminal");
  }

  /**
   * Finds and clicks an element of a page that redraws itself (the live list every 2 s): an element
   * replaced between finding and clicking is found again instead of failing the test.
   */
  private static void clickFresh(
      WebDriverWait wait, java.util.function.Function<WebDriver, WebElement> find) {
    wait.ignoring(StaleElementReferenceException.class)
        .until(
            driver -> {
              WebElement element = find.apply(driver);
              if (element == null) {
                return false;
              }
              element.click();
              return true;
            });
  }

  /** The link in the row of {@code table} that shows {@code text}; null while there is none. */
  private static WebElement rowLink(WebDriver driver, String table, String text, String link) {
    return driver.findElements(By.cssSelector(table + " tbody tr")).stream()
        .filter(r -> r.getText().contains(text))
        .findFirst()
        .map(r -> r.findElement(By.linkText(link)))
        .orElse(null);
  }

  /** Opens the live view of the live session running {@code command}; returns its id. */
  private String watch(WebDriverWait wait, String command) {
    browser.get("http://127.0.0.1:" + gw.bastion.webPort() + "/");
    clickFresh(wait, driver -> rowLink(driver, "#sessions", command, "Watch"));
    wait.until(ExpectedConditions.urlContains("/sessions/"));
    String url = browser.getCurrentUrl();
    return url.substring(url.lastIndexOf('/') + 1);
  }

  private void replay(String id) {
    browser.get("http://127.0.0.1:" + gw.bastion.webPort() + "/recordings/" + id);
  }

  /** The recording as the page's download link gets it. */
  private String download(String id) {
    return (String)
        ((org.openqa.selenium.JavascriptExecutor) browser)
            .executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                    + "fetch(document.querySelector('#download-cast').href).then(r => r.text())"
                    + ".then(done, e => done(String(e)));");
  }

  private void assertDrawn(WebDriverWait wait, List<String> rows, String screenshot)
      throws Exception {
    HeadlessChromium.assertDrawn(browser, wait, rows, screenshot);
  }

  private WebDriverWait logIn(Path key, String identity) {
    return HeadlessChromium.logIn(browser, gw, key, identity);
  }

  /** Alice's ssh client running {@code command} on {@code target} through the bastion. */
  private Process session(String target, String command) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(gw.port())));
    cmd.addAll(gw.sshOptions(gw.userKey));
    cmd.addAll(List.of(gw.login + "@" + target + "@127.0.0.1", command));
    return new ProcessBuilder(cmd).start();
  }

  /**
   * Ends the session shown on the page with "End session", confirms, and returns what the ssh
   * client printed on stderr.
   */
  private String endSession(WebDriverWait wait, Process ssh, String reason) throws Exception {
    browser.findElement(By.id("reason")).sendKeys(reason);
    browser.findElement(By.cssSelector("#terminate button")).click();
    wait.until(ExpectedConditions.alertIsPresent()).accept();
    assertTrue(
        ssh.waitFor(10, TimeUnit.SECONDS),
        "the ssh client did not exit after the browser ended the session");
    return new String(ssh.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  /**
   * The row of the pending request whose command contains {@code command}, on the live sessions
   * page.
   */
  private WebElement pendingRequest(WebDriverWait wait, String command) {
    browser.get("http://127.0.0.1:" + gw.bastion.webPort() + "/");
    return wait.until(
        driver ->
            driver.findElements(By.cssSelector("#requests tbody tr")).stream()
                .filter(r -> r.getText().contains(command))
                .findFirst()
                .orElse(null));
  }

  private void screenshot(String name) throws Exception {
    HeadlessChromium.screenshot(browser, name);
  }
}
