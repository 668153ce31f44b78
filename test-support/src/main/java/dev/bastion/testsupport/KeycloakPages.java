package dev.bastion.testsupport;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Keycloak 26's own pages (theme keycloak.v2) driven in a real browser as a person would: the login
 * form, the device code form, the device consent page and the pages that end the device flow.
 */
public final class KeycloakPages {
  /** How long each page may take to appear. */
  public static final Duration PAGE_WAIT = Duration.ofSeconds(30);

  /**
   * What the person answers on the device consent page ("Do you grant these access privileges?").
   */
  public enum Consent {
    GRANT,
    DENY
  }

  /** The page the browser shows, as far as these flows go. */
  enum Page {
    LOGIN,
    DEVICE_CODE,
    CONSENT,
    DEVICE_DONE,
    DEVICE_DENIED,
    ERROR
  }

  private KeycloakPages() {}

  /**
   * Opens {@code verificationUriComplete} (the device flow's complete URL), signs in as {@code
   * user} unless the browser already has a Keycloak session (see {@link #signOut}), and grants the
   * device. Returns once Keycloak says "Device Login Successful".
   */
  public static void approveDevice(
      WebDriver driver, String verificationUriComplete, String user, String password) {
    answerDevice(driver, verificationUriComplete, user, password, Consent.GRANT);
  }

  /** As {@link #approveDevice}, but answers "No" on the consent page ("Consent denied"). */
  public static void denyDevice(
      WebDriver driver, String verificationUriComplete, String user, String password) {
    answerDevice(driver, verificationUriComplete, user, password, Consent.DENY);
  }

  /**
   * As a person who typed what the terminal showed: opens {@code verificationUri} (without the
   * code), enters {@code userCode} in Keycloak's device form, signs in as {@code user} and grants
   * the device.
   */
  public static void approveDeviceWithCode(
      WebDriver driver, String verificationUri, String userCode, String user, String password) {
    answer(driver, verificationUri, userCode, user, password, Consent.GRANT);
  }

  /**
   * The device flow in the browser: signs in, confirms the code if asked, answers {@code consent},
   * and waits for Keycloak's closing page for that answer.
   */
  public static void answerDevice(
      WebDriver driver,
      String verificationUriComplete,
      String user,
      String password,
      Consent consent) {
    answer(driver, verificationUriComplete, null, user, password, consent);
  }

  /** {@code userCode} null: the URL carries it (the complete URL) and the form comes prefilled. */
  private static void answer(
      WebDriver driver,
      String url,
      String userCode,
      String user,
      String password,
      Consent consent) {
    driver.get(url);
    Set<Page> seen = EnumSet.noneOf(Page.class);
    for (int step = 0; step < 6; step++) {
      Page page = await(driver);
      if (!seen.add(page)) {
        throw new IllegalStateException("Keycloak shows " + page + " again: " + text(driver));
      }
      switch (page) {
        case LOGIN -> fillLogin(driver, user, password);
        case DEVICE_CODE -> enterCode(driver, userCode);
        case CONSENT ->
            driver.findElement(By.id(consent == Consent.GRANT ? "kc-login" : "kc-cancel")).click();
        case DEVICE_DONE, DEVICE_DENIED -> {
          Page expected = consent == Consent.GRANT ? Page.DEVICE_DONE : Page.DEVICE_DENIED;
          if (page != expected) {
            throw new IllegalStateException("Keycloak ended the device flow with: " + text(driver));
          }
          return;
        }
        default -> throw new IllegalStateException("Keycloak shows an error: " + text(driver));
      }
      awaitLeaving(driver, page);
    }
    throw new IllegalStateException("the device flow did not end: " + text(driver));
  }

  private static void enterCode(WebDriver driver, String userCode) {
    if (userCode != null) {
      WebElement field = driver.findElement(By.id("device_user_code"));
      field.clear();
      field.sendKeys(userCode);
    }
    driver.findElement(By.id("kc-login")).click();
  }

  /**
   * Fills Keycloak's login form as {@code user} and submits it; the browser must be on (or going
   * to) Keycloak's login page, such as after opening an authorization URL. Returns once the browser
   * has left the login page (to the redirect URI, or to a page the caller expects).
   */
  public static void signIn(WebDriver driver, String user, String password) {
    Page page = await(driver);
    if (page != Page.LOGIN) {
      throw new IllegalStateException("not Keycloak's login page: " + text(driver));
    }
    fillLogin(driver, user, password);
    awaitLeaving(driver, Page.LOGIN);
  }

  /**
   * Forgets the browser's Keycloak session (its cookies), so that the next flow asks for a login
   * again, such as before signing in as another user in the same browser.
   */
  public static void signOut(WebDriver driver, String issuer) {
    driver.get(issuer + "/.well-known/openid-configuration");
    driver.manage().deleteAllCookies();
  }

  /** The visible text of the page, for failure messages. */
  public static String text(WebDriver driver) {
    try {
      String title = driver.getTitle();
      String body = driver.findElement(By.tagName("body")).getText().replaceAll("\\s+", " ");
      return driver.getCurrentUrl() + " [" + title + "] " + body;
    } catch (RuntimeException e) {
      return driver.getCurrentUrl() + " (" + e.getClass().getSimpleName() + ")";
    }
  }

  private static void fillLogin(WebDriver driver, String user, String password) {
    WebElement username = driver.findElement(By.id("username"));
    username.clear();
    username.sendKeys(user);
    WebElement secret = driver.findElement(By.id("password"));
    secret.clear();
    secret.sendKeys(password);
    driver.findElement(By.id("kc-login")).click();
  }

  private static Page await(WebDriver driver) {
    return new WebDriverWait(driver, PAGE_WAIT)
        .withMessage(() -> "no known Keycloak page: " + text(driver))
        .until(d -> current(d).orElse(null));
  }

  /** Waits until the page is no longer {@code page} (or the login form shows an error again). */
  private static void awaitLeaving(WebDriver driver, Page page) {
    String before = driver.getCurrentUrl();
    new WebDriverWait(driver, PAGE_WAIT)
        .withMessage(() -> "Keycloak stayed on " + page + ": " + text(driver))
        .until(
            d -> current(d).map(p -> p != page).orElse(true) || !d.getCurrentUrl().equals(before));
  }

  static Optional<Page> current(WebDriver driver) {
    if (present(driver, By.id("kc-form-login"))) {
      return Optional.of(Page.LOGIN);
    }
    if (present(driver, By.id("kc-user-verify-device-user-code-form"))) {
      return Optional.of(Page.DEVICE_CODE);
    }
    if (present(driver, By.id("kc-oauth"))) {
      return Optional.of(Page.CONSENT);
    }
    String title = heading(driver);
    if (title.contains("Device Login Successful")) {
      return Optional.of(Page.DEVICE_DONE);
    }
    if (title.contains("Consent denied") || text(driver).contains("Consent denied")) {
      return Optional.of(Page.DEVICE_DENIED);
    }
    if (present(driver, By.id("kc-error-message")) || title.contains("Device Login Failed")) {
      return Optional.of(Page.ERROR);
    }
    return Optional.empty();
  }

  private static String heading(WebDriver driver) {
    List<WebElement> h = driver.findElements(By.id("kc-page-title"));
    return h.isEmpty() ? "" : h.get(0).getText();
  }

  private static boolean present(WebDriver driver, By by) {
    return !driver.findElements(by).isEmpty();
  }
}
