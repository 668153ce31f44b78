package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.testsupport.CommandResult;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/** A real headless Chromium for web viewer tests; screenshots go to target/browser-screenshots. */
public final class HeadlessChromium {
  static final Path SCREENSHOTS = Path.of("target", "browser-screenshots");
  static final String CHROMIUM = "/usr/bin/chromium";
  static final String CHROMEDRIVER = "/usr/bin/chromedriver";

  private HeadlessChromium() {}

  /** Starts Chromium with its profile in {@code dir}. */
  public static WebDriver start(Path dir) throws Exception {
    assertTrue(
        new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute(),
        "Chromium and ChromeDriver are needed (apt-get install chromium chromium-driver; .ci/run does)");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
        "--user-data-dir=" + dir.resolve("chromium-profile"));
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER)).build();
    Files.createDirectories(SCREENSHOTS);
    return new ChromeDriver(service, options);
  }

  /** Logs the browser in with a one-time link printed by the real ssh client for {@code key}. */
  public static WebDriverWait logIn(
      WebDriver browser, GatewayFixture gw, Path key, String identity) {
    CommandResult link = gw.sshWith(key, "me", null, "web-login");
    assertEquals(0, link.exitCode(), link.toString());
    browser.get(link.stdout().strip());
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("me"), identity));
    return wait;
  }

  public static void screenshot(WebDriver browser, String name) throws Exception {
    byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
    Files.write(SCREENSHOTS.resolve(name + ".png"), png);
  }
}
