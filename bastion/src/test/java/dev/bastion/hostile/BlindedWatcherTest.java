package dev.bastion.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditReader;
import dev.bastion.e2e.GatewayFixture;
import dev.bastion.e2e.HeadlessChromium;
import dev.bastion.keys.CaKeyStore;
import dev.bastion.testsupport.LoginAccount;
import dev.bastion.testsupport.OpenSsh;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * An engineer cannot blind the people watching in a real Chromium: a huge terminal no longer breaks
 * the player, and a player that fails anyway says so on the page and stops counting as a watching
 * approver, so four-eyes holds the engineer's input.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BlindedWatcherTest {
  GatewayFixture gw;
  WebDriver browser;
  Path bobKey;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    String login = LoginAccount.name();
    gw =
        GatewayFixture.start(
            dir,
            "  gated01:\n    address: TARGET_ADDRESS\n    host_key: \"TARGET_HOST_KEY\"\n    logins: ["
                + login
                + "]\n"
                + "    require_approval: {count: 1, from: [approver], on_leave: pause}\n",
            "  approver:\n    targets: [\"gated*\", \"web*\"]\n    logins: ["
                + login
                + "]\n    can: [approve, shadow]\n");
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

  /**
   * A 65535x65535 terminal, a 0xFFFFFFFF resize, then output full of sequences with huge counts (a
   * full-screen job for the player at the largest size): the live view still shows what follows.
   */
  @Test
  void theLivePlayerKeepsShowingTheSessionAfterAHugeTerminalAndResize() throws Exception {
    WebDriverWait wait = HeadlessChromium.logIn(browser, gw, bobKey, "bob@example.com");
    try (HostileClient engineer = HostileClient.login(gw.port(), gw.onTarget(), gw.userKey)) {
      HostileClient.Terminal terminal =
          engineer.exec(
              "echo huge-ready; while read -r line; do printf \"$line\"; echo; echo printed; done",
              65535,
              65535);
      terminal.await(seen -> seen.contains("huge-ready"));
      browser.get("http://127.0.0.1:" + gw.bastion.webPort() + "/");
      wait.until(ExpectedConditions.elementToBeClickable(By.linkText("Watch"))).click();
      try {
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".ap-term")));
        terminal.resize(-1, -1); // 0xFFFFFFFF x 0xFFFFFFFF
        List<String> sequences =
            List.of(
                "4294967295;4294967295H",
                "99999999@",
                "99999999L",
                "99999999S",
                "99999999T",
                "1;99999999r",
                "99999999X",
                "99999999b",
                "8;65535;65535t",
                "?99999999h",
                "99999999;99999999;99999999m",
                "99999999P",
                "99999999M",
                "99999999G");
        for (int i = 0; i < sequences.size(); i++) {
          String marker = "sequence-" + i + "-done";
          terminal.type("\\033[" + sequences.get(i) + marker + "\n");
          terminal.await(seen -> seen.contains(marker));
        }
        terminal.type("\\033[0m\\033[2J\\033[Hafter the resize\n");
        terminal.await(seen -> seen.contains("after the resize"));
        wait.until(
            driver -> driver.findElement(By.id("player")).getText().contains("after the resize"));
      } finally {
        HeadlessChromium.screenshot(browser, "hostile-1-huge-terminal");
        browser
            .manage()
            .logs()
            .get("browser")
            .forEach(entry -> System.out.println("browser console: " + entry));
        System.out.println("player error: " + browser.findElement(By.id("player-error")).getText());
      }
      assertFalse(browser.findElement(By.id("player-error")).isDisplayed());
    }
  }

  @Test
  void aWatcherWhosePlayerFailsIsToldAndNoLongerCountsAsWatching() throws Exception {
    WebDriverWait wait = HeadlessChromium.logIn(browser, gw, bobKey, "bob@example.com");
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(gw.port())));
    cmd.addAll(gw.sshOptions(gw.userKey));
    cmd.addAll(
        List.of(
            gw.login + "@gated01@127.0.0.1",
            "echo approved-ready; while read line; do echo \"target got: $line\"; done"));
    Process ssh = new ProcessBuilder(cmd).start();
    try {
      browser.get("http://127.0.0.1:" + gw.bastion.webPort() + "/");
      wait.until(ExpectedConditions.elementToBeClickable(By.linkText("Open to approve"))).click();
      wait.until(ExpectedConditions.elementToBeClickable(By.id("approve"))).click();
      assertEquals(
          "approved-ready\n",
          new String(
              ssh.getInputStream().readNBytes("approved-ready\n".length()),
              StandardCharsets.UTF_8));
      OutputStream typing = ssh.getOutputStream();
      typing.write("while watched\n".getBytes(StandardCharsets.UTF_8));
      typing.flush();
      wait.until(
          driver ->
              driver.findElement(By.id("player")).getText().contains("target got: while watched"));

      // The player fails as a wasm trap does: an error nobody catches, on the page (injected by
      // the driver, its message reaches the page as "Script error.").
      ((JavascriptExecutor) browser)
          .executeScript(
              "setTimeout(() => { throw new Error('RuntimeError: unreachable (simulated)'); });");
      WebElement shown =
          wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("player-error")));
      assertTrue(shown.getText().contains("The player failed"), shown.getText());
      // Bob no longer counts: four-eyes pauses the session and holds the engineer's input.
      wait.until(ExpectedConditions.attributeToBe(By.id("approval"), "data-state", "paused"));
      HeadlessChromium.screenshot(browser, "hostile-2-player-failed");
      // Its row is written on its own, not before the pause.
      AuditReader reader = new AuditReader(gw.bastion.database());
      boolean audited = false;
      for (int i = 0; i < 200 && !audited; i++) {
        audited =
            reader.events(null, "bob@example.com", 100).stream()
                .anyMatch(
                    e ->
                        e.kind() == AuditKind.WATCH_FAILED
                            && e.detail().startsWith("the player failed"));
        Thread.sleep(audited ? 0 : 50);
      }
      assertTrue(audited, "no watch_failed row");
    } finally {
      ssh.destroy();
    }
  }
}
