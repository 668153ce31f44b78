package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.testsupport.CommandResult;
import java.io.File;
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
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A second engineer in a real headless Chromium: logs in with a link from the real ssh client,
 * watches a live session made by the real ssh client, sees typed text appear, ends the session
 * with a reason (the ssh client exits with it), and replays the recording. Screenshots go to
 * {@code target/browser-screenshots/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrowserEndToEndTest {
  static final Path SCREENSHOTS = Path.of("target", "browser-screenshots");
  static final String CHROMIUM = "/usr/bin/chromium";
  static final String CHROMEDRIVER = "/usr/bin/chromedriver";

  Path dir;
  GatewayFixture gw;
  WebDriver browser;

  @BeforeAll
  void start(@TempDir Path tempDir) throws Exception {
    assertTrue(new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute(),
        "Chromium and ChromeDriver are needed (apt-get install chromium chromium-driver; .ci/run does)");
    dir = tempDir;
    gw = GatewayFixture.start(dir, "");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--window-size=1280,900", "--user-data-dir=" + dir.resolve("chromium-profile"));
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER)).build();
    browser = new ChromeDriver(service, options);
    Files.createDirectories(SCREENSHOTS);
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
    CommandResult link = gw.ssh("me", null, "web-login");
    assertEquals(0, link.exitCode(), link.toString());
    browser.get(link.stdout().strip());
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("me"), "alice@example.com"));

    // An engineer's session through the real ssh client; what they type comes back from the target.
    List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(gw.port())));
    cmd.addAll(gw.sshOptions(gw.userKey));
    cmd.addAll(List.of(gw.onTarget() + "@127.0.0.1", "echo session-ready; while read line; do echo \"target got: $line\"; done"));
    Process ssh = new ProcessBuilder(cmd).start();
    assertEquals("session-ready\n", new String(ssh.getInputStream().readNBytes("session-ready\n".length())));

    WebElement watch = wait.until(ExpectedConditions.elementToBeClickable(By.linkText("Watch")));
    screenshot("1-live-sessions");
    watch.click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".ap-term")));

    OutputStream typing = ssh.getOutputStream();
    typing.write("hello from the engineer\n".getBytes(StandardCharsets.UTF_8));
    typing.flush();
    try {
      wait.until(driver -> driver.findElement(By.id("player")).getText().contains("target got: hello from the engineer"));
    } catch (org.openqa.selenium.TimeoutException e) {
      browser.manage().logs().get("browser").forEach(entry -> System.out.println("browser console: " + entry));
      throw e;
    } finally {
      screenshot("2-live-view");
    }

    browser.findElement(By.id("reason")).sendKeys("change freeze");
    browser.findElement(By.cssSelector("#terminate button")).click();
    wait.until(ExpectedConditions.alertIsPresent()).accept();
    assertTrue(ssh.waitFor(10, TimeUnit.SECONDS), "the ssh client did not exit after the browser ended the session");
    String err = new String(ssh.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(err.contains("bastion: session terminated by alice@example.com: change freeze"), err);
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "Session ended."));
    screenshot("3-terminated");

    // Replay the recording: the same text, played back.
    browser.get("http://127.0.0.1:" + gw.bastion.webPort() + "/recordings");
    WebElement replay = wait.until(ExpectedConditions.elementToBeClickable(By.linkText("Replay")));
    replay.click();
    wait.until(driver -> driver.findElement(By.id("player")).getText().contains("target got: hello from the engineer"));
    screenshot("4-replay");

    browser.get("http://127.0.0.1:" + gw.bastion.webPort() + "/audit");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("audit"), "session_terminated"));
    screenshot("5-audit");
  }

  private void screenshot(String name) throws Exception {
    byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
    Files.write(SCREENSHOTS.resolve(name + ".png"), png);
  }
}
