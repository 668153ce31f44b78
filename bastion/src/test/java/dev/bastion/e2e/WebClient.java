package dev.bastion.e2e;

import dev.bastion.testsupport.CommandResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A web viewer user driven from tests: logs in with a link from the real ssh client, calls the API,
 * watches live.
 */
public final class WebClient {
  public final GatewayFixture gw;
  public final String base;
  public final String cookie;
  public final HttpClient http =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  public WebClient(GatewayFixture gw, Path key) throws Exception {
    this.gw = gw;
    this.base = "http://127.0.0.1:" + gw.bastion.webPort();
    CommandResult link = gw.sshWith(key, "me", null, "web-login");
    if (link.exitCode() != 0) {
      throw new AssertionError(link.toString());
    }
    HttpResponse<String> login =
        http.send(
            HttpRequest.newBuilder(URI.create(link.stdout().strip())).build(),
            HttpResponse.BodyHandlers.ofString());
    this.cookie = login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
  }

  public HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path)).header("Cookie", cookie).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> post(String path, String json) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Cookie", cookie)
            .header("Origin", base)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A live view of a session; messages are collected, the socket answers pings. */
  public Live watch(String sessionId) throws Exception {
    Live live = new Live();
    live.socket =
        http.newWebSocketBuilder()
            .header("Cookie", cookie)
            .header("Origin", base)
            .subprotocols("v2.asciicast")
            .buildAsync(
                URI.create(base.replace("http", "ws") + "/api/sessions/" + sessionId + "/live"),
                live)
            .get(10, TimeUnit.SECONDS);
    return live;
  }

  public static final class Live implements WebSocket.Listener {
    public final List<String> messages = new CopyOnWriteArrayList<>();
    public final CompletableFuture<Integer> closed = new CompletableFuture<>();
    public WebSocket socket;
    private StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        messages.add(partial.toString());
        partial = new StringBuilder();
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
      closed.complete(status);
      return null;
    }

    /**
     * Closes the live view (nothing to do if the server closed it already, e.g. the session ended).
     */
    public void leave() throws Exception {
      if (closed.isDone() || socket.isOutputClosed()) {
        return;
      }
      try {
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        if (!(e.getCause() instanceof java.io.IOException)) {
          throw e;
        }
        // "Output closed": the server closed it first, as it does when the session ends
      }
    }
  }

  public static Duration seconds(int n) {
    return Duration.ofSeconds(n);
  }
}
