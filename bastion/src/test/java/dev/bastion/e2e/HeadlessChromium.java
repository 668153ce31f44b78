package dev.bastion.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.HeadlessBrowser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/** A real headless Chromium for web viewer tests; screenshots go to target/browser-screenshots. */
public final class HeadlessChromium {
  static final Path SCREENSHOTS = Path.of("target", "browser-screenshots");

  private HeadlessChromium() {}

  /** Starts Chromium with its profile in {@code dir} (test-support's {@link HeadlessBrowser}). */
  public static WebDriver start(Path dir) throws Exception {
    Files.createDirectories(SCREENSHOTS);
    return HeadlessBrowser.start(dir);
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

  /**
   * Waits until the player's first rows read {@code rows}, each cell where the terminal put it (the
   * player draws a row as spans at their columns); takes a screenshot either way.
   */
  public static void assertDrawn(
      WebDriver browser, WebDriverWait wait, List<String> rows, String screenshot)
      throws Exception {
    try {
      wait.until(
          driver ->
              drawnRows(browser).size() >= rows.size()
                  && drawnRows(browser).subList(0, rows.size()).equals(rows));
    } catch (org.openqa.selenium.TimeoutException e) {
      throw new AssertionError("the player draws " + drawnRows(browser) + ", not " + rows, e);
    } finally {
      screenshot(browser, screenshot);
    }
  }

  @SuppressWarnings("unchecked")
  static List<String> drawnRows(WebDriver browser) {
    return (List<String>)
        ((org.openqa.selenium.JavascriptExecutor) browser)
            .executeScript(
                "return Array.from(document.querySelectorAll('#player .ap-term-text .ap-line'))"
                    + ".map(row => Array.from(row.children).reduce((text, span) =>"
                    + " text.padEnd(Number(span.style.getPropertyValue('--offset')))"
                    + " + span.textContent, '').trimEnd());");
  }
}
