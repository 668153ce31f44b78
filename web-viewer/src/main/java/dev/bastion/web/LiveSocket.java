package dev.bastion.web;

import dev.bastion.recorder.Viewer;
import io.netty.buffer.Unpooled;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.websocket.WebSocketFrameImpl;
import io.vertx.core.internal.buffer.BufferInternal;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A browser watching a session: a live feed's viewer on one WebSocket, one asciicast v2 line per
 * text message. The hub's bytes go out as they are: asciinema-player's v2.asciicast protocol wants
 * text messages, and Vert.x can only make a text frame from a String in its public API, so the
 * frames are built from the shared array directly (wrapped, not copied), split like Vert.x splits
 * long messages. A session without a terminal is shown as the engineer's terminal showed it ({@link
 * NoTerminalOutput}): its header, the first line, says which.
 */
final class LiveSocket implements Viewer {
  static final int MAX_FRAME = HttpServerOptions.DEFAULT_MAX_WEBSOCKET_FRAME_SIZE;

  private final ServerWebSocket socket;
  private volatile LiveFeeds.Watch watch;
  private volatile boolean headerSeen;
  private volatile boolean noTerminal;

  LiveSocket(ServerWebSocket socket) {
    this.socket = socket;
  }

  void attach(LiveFeeds.Watch watch) {
    this.watch = watch;
  }

  void cancel() {
    LiveFeeds.Watch w = watch;
    if (w != null) {
      w.cancel();
    }
  }

  @Override
  public void send(byte[] event) {
    byte[] line = event;
    if (!headerSeen) {
      headerSeen = true;
      noTerminal = NoTerminalOutput.applies(event);
    } else if (noTerminal) {
      line = NoTerminalOutput.asShown(event);
    }
    if (line.length <= MAX_FRAME) {
      socket.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, line, true));
      return;
    }
    socket.writeFrame(
        new WebSocketFrameImpl(
            WebSocketFrameType.TEXT, Unpooled.wrappedBuffer(line, 0, MAX_FRAME), false));
    for (int at = MAX_FRAME; at < line.length; at += MAX_FRAME) {
      int length = Math.min(MAX_FRAME, line.length - at);
      socket.writeFrame(
          WebSocketFrame.continuationFrame(
              BufferInternal.buffer(Unpooled.wrappedBuffer(line, at, length)),
              at + length == line.length));
    }
  }

  @Override
  public boolean saturated() {
    return socket.writeQueueFull();
  }

  @Override
  public void onDrain(Runnable ready) {
    AtomicBoolean once = new AtomicBoolean();
    Runnable readyOnce =
        () -> {
          if (once.compareAndSet(false, true)) {
            socket.drainHandler(null);
            ready.run();
          }
        };
    socket.drainHandler(v -> readyOnce.run());
    if (!socket.writeQueueFull()) {
      readyOnce.run(); // it drained before the handler was set: that drain fired nobody
    }
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
