package dev.bastion.web;

import dev.bastion.recorder.LiveHub;
import dev.bastion.recorder.Viewer;
import io.vertx.core.http.ServerWebSocket;

/** A browser watching a session: the live hub's viewer on one WebSocket, in asciicast v2 lines. */
final class LiveSocket implements Viewer {
  private final ServerWebSocket socket;
  private volatile LiveHub.Subscription subscription;

  LiveSocket(ServerWebSocket socket) {
    this.socket = socket;
  }

  void attach(LiveHub.Subscription subscription) {
    this.subscription = subscription;
  }

  void cancel() {
    LiveHub.Subscription s = subscription;
    if (s != null) {
      s.cancel();
    }
  }

  @Override
  public void send(String line) {
    socket.writeTextMessage(line);
  }

  @Override
  public boolean saturated() {
    return socket.writeQueueFull();
  }

  @Override
  public void onDrain(Runnable ready) {
    socket.drainHandler(
        v -> {
          socket.drainHandler(null);
          ready.run();
        });
  }

  @Override
  public void close(String reason) {
    // 1000 when the session ended normally; 1008 when this viewer was dropped for falling behind.
    short code = reason.startsWith("session ended") ? (short) 1000 : (short) 1008;
    String text = reason.length() > 120 ? reason.substring(0, 120) : reason;
    if (!socket.isClosed()) {
      socket.close(code, text);
    }
  }
}
