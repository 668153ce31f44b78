package dev.bastion.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.recorder.LiveHub;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A readiness check that hangs (a database that stopped answering) neither blocks the web server
 * nor piles up: {@code /readyz} answers 503 after its timeout, and no second check starts while the
 * first still hangs.
 */
class OperatorEndpointsTest {
  final HttpClient http = HttpClient.newHttpClient();
  final LiveHub hub = new LiveHub();
  final CountDownLatch release = new CountDownLatch(1);
  final AtomicInteger checksStarted = new AtomicInteger();
  WebServer web;

  @AfterEach
  void stop() {
    release.countDown();
    web.close();
    hub.close();
  }

  @Test
  void aHangingCheckAnswers503AndIsNotStartedAgainWhileItHangs() throws Exception {
    web = start(new HangingChecks());
    assertEquals("200 ok\n", get("/healthz"));
    String first = get("/readyz");
    assertTrue(first.startsWith("503 not ready:\nreadiness checks did not answer"), first);
    String second = get("/readyz");
    assertTrue(second.startsWith("503 "), second);
    assertEquals("200 ok\n", get("/healthz"));
    String metrics = get("/metrics");
    assertEquals("200 metric_a 1\n", metrics);
    assertEquals(1, checksStarted.get(), "a hanging check must not be started again");
  }

  private final class HangingChecks implements OperatorChecks {
    @Override
    public List<String> notReady() {
      checksStarted.incrementAndGet();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return List.of();
    }

    @Override
    public String metrics() {
      return "metric_a 1\n";
    }
  }

  private WebServer start(OperatorChecks checks) {
    return WebServer.start(
        new WebSettings("127.0.0.1", 0, "http://127.0.0.1", Optional.empty(), Optional.empty()),
        new NoBastion(),
        hub,
        new LoginTokens(Vertx.vertx(), Clock.systemUTC()),
        Optional.empty(),
        checks,
        Clock.systemUTC());
  }

  private String get(String path) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web.port() + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body();
  }
}
