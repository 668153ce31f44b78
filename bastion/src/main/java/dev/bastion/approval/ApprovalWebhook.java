package dev.bastion.approval;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Announces new approval requests with a JSON POST (a chat bot pages approvers). Sent in the
 * background and retried three times with growing pauses; a failure is logged and never holds up
 * the request.
 */
public final class ApprovalWebhook implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApprovalWebhook.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final int ATTEMPTS = 4;

  private final URI url;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ScheduledExecutorService retries =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "approval-webhook");
            t.setDaemon(true);
            return t;
          });

  public ApprovalWebhook(URI url) {
    this.url = url;
  }

  public void announce(Map<String, Object> request) {
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(request);
    } catch (Exception e) {
      LOG.error("approval webhook: cannot encode request: {}", e.toString());
      return;
    }
    send(body, 1);
  }

  private void send(byte[] body, int attempt) {
    HttpRequest request =
        HttpRequest.newBuilder(url)
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    CompletableFuture<HttpResponse<Void>> sent =
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding());
    sent.whenComplete(
        (response, failure) -> {
          boolean ok = failure == null && response.statusCode() / 100 == 2;
          if (ok) {
            return;
          }
          String why = failure != null ? failure.toString() : "HTTP " + response.statusCode();
          if (attempt >= ATTEMPTS) {
            LOG.error("approval webhook {} failed {} times, giving up: {}", url, attempt, why);
            return;
          }
          LOG.warn("approval webhook {} failed (attempt {}): {}; retrying", url, attempt, why);
          retries.schedule(() -> send(body, attempt + 1), 1L << (attempt - 1), TimeUnit.SECONDS);
        });
  }

  @Override
  public void close() {
    retries.shutdownNow();
  }
}
