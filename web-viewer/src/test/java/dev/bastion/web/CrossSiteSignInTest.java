package dev.bastion.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import dev.bastion.recorder.LiveHub;
import dev.bastion.testsupport.HeadlessBrowser;
import dev.bastion.testsupport.OpenSshServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * In a real headless Chromium, the first page after signing in works although the provider is on
 * another site: the viewer at 127.0.0.1, the provider reached as {@code localhost} (another site to
 * the browser), so the way back is a cross-site redirect chain, after which browsers withhold
 * SameSite=Strict cookies from redirected requests.
 */
class CrossSiteSignInTest {
  @TempDir Path dir;
  HttpServer idp;
  WebServer web;
  LiveHub hub;
  WebDriver browser;

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (web != null) {
      web.close();
      hub.close();
    }
    if (idp != null) {
      idp.stop(0);
    }
  }

  @Test
  void theViewerOpensSignedInAfterTheProvidersCrossSiteRedirects() throws Exception {
    // The provider: sends the browser straight back with a code, as after a remembered login.
    idp = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    idp.createContext(
        "/authorize",
        exchange -> {
          String query = exchange.getRequestURI().getRawQuery();
          String back =
              java.net.URLDecoder.decode(query.split("&redirect=")[1], StandardCharsets.UTF_8);
          exchange
              .getResponseHeaders()
              .add("Location", back + "?" + query.split("&redirect=")[0] + "&code=ok");
          exchange.sendResponseHeaders(302, -1);
          exchange.close();
        });
    idp.start();
    int port = OpenSshServer.freePort();
    String base = "http://127.0.0.1:" + port;
    hub = new LiveHub();
    web =
        WebServer.start(
            new WebSettings("127.0.0.1", port, base, Optional.empty(), Optional.empty()),
            new NoBastion(),
            hub,
            new LoginTokens(Vertx.vertx(), Clock.systemUTC()),
            Optional.of(new OtherSiteProvider(idp.getAddress().getPort())),
            Clock.systemUTC());

    browser = HeadlessBrowser.start(dir);
    browser.get(base + "/login");
    browser.findElement(By.linkText("Sign in with Directory")).click();
    new WebDriverWait(browser, Duration.ofSeconds(20))
        .until(
            ExpectedConditions.textToBePresentInElementLocated(
                By.id("me"), "dana@example.com (shadow)"));
    assertEquals(base + "/", browser.getCurrentUrl());
  }

  /** A provider on another site ({@code localhost}) that vouches for dana. */
  record OtherSiteProvider(int port) implements SingleSignOn {
    @Override
    public String name() {
      return "Directory";
    }

    @Override
    public CompletableFuture<SignIn> begin(URI redirectUri) {
      String state = LoginTokens.random();
      URI authorize =
          URI.create(
              "http://localhost:"
                  + port
                  + "/authorize?state="
                  + state
                  + "&redirect="
                  + URLEncoder.encode(redirectUri.toString(), StandardCharsets.UTF_8));
      return CompletableFuture.completedFuture(signIn(state, authorize));
    }

    @Override
    public SignIn resume(JsonObject saved) {
      return signIn(saved.getString("state"), URI.create(saved.getString("authorize")));
    }

    private SignIn signIn(String state, URI authorize) {
      return new SignIn() {
        @Override
        public URI authorizationUrl() {
          return authorize;
        }

        @Override
        public String state() {
          return state;
        }

        @Override
        public CompletableFuture<SignedOn> finish(String code) {
          return CompletableFuture.completedFuture(
              new SignedOn(
                  new WebUser(
                      "dana@example.com",
                      null,
                      Set.of("reviewer"),
                      Set.of(WebRight.SHADOW),
                      java.time.Instant.now().plus(Duration.ofMinutes(5))),
                  "issuer http://localhost, subject d, groups reviewers"));
        }

        @Override
        public void failed(String error) {}

        @Override
        public JsonObject saved() {
          return new JsonObject().put("state", state).put("authorize", authorize.toString());
        }
      };
    }
  }
}
