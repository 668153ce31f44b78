package dev.bastion.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bastion.recorder.LiveHub;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Static files are a fixed set: asking for others, logged in or not, costs the server nothing. */
class StaticAssetsTest {
  final HttpClient http = HttpClient.newHttpClient();
  final LiveHub hub = new LiveHub();
  WebServer web;
  String base;

  @BeforeEach
  void start() {
    web =
        WebServer.start(
            new WebSettings("127.0.0.1", 0, "http://127.0.0.1", Optional.empty(), Optional.empty()),
            new NoBastion(),
            hub,
            new LoginTokens(Vertx.vertx(), Clock.systemUTC()),
            Clock.systemUTC());
    base = "http://127.0.0.1:" + web.port();
  }

  @AfterEach
  void stop() {
    web.close();
    hub.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void unknownNamesAreNotFoundAndNothingIsKeptForThem() throws Exception {
    assertEquals(200, get("/static/app.js").statusCode());
    int held = web.assetsHeld();
    for (int i = 0; i < 200; i++) {
      assertEquals(404, get("/static/nothing-" + i + ".js").statusCode());
      assertEquals(404, get("/vendor/nothing-" + i + ".css").statusCode());
    }
    assertEquals(held, web.assetsHeld(), "asking for unknown files must not grow the server");
  }

  @Test
  void theFrontEndIsServedWithItsType() throws Exception {
    HttpResponse<String> app = get("/static/app.js");
    assertEquals(200, app.statusCode());
    assertEquals("text/javascript; charset=utf-8", app.headers().firstValue("content-type").get());
    assertEquals(app.body(), get("/static/app.js").body(), "the same file every time");
    assertEquals(Assets.NAMES.size(), web.assetsHeld(), "the front-end is complete");
    HttpResponse<String> page = get("/sessions/0123456789abcdef0123456789abcdef");
    assertEquals(200, page.statusCode());
    assertEquals("text/html; charset=utf-8", page.headers().firstValue("content-type").get());
  }
}
