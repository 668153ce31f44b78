package dev.bastion.live;

import dev.bastion.recorder.LiveHub;
import dev.bastion.recorder.Viewer;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A viewer on another node, as this node's live hub sees it: each line goes over the event bus to
 * that node, which acknowledges the bytes its WebSocket took. While more than {@link #WINDOW} bytes
 * are unacknowledged the viewer says it is saturated, so the hub queues for it and drops it past
 * {@link LiveHub#QUEUE_LIMIT}, exactly as for a slow WebSocket on this node. Lines and the final
 * close are sent from one Vert.x context, which keeps them in order on the way.
 */
final class RemoteViewer implements Viewer {
  /** Bytes a remote viewer may have unacknowledged before it counts as saturated. */
  static final int WINDOW = 256 * 1024;

  final String node;
  final long watch;
  private final EventBus bus;
  private final Context context;
  private final String address;
  private final Runnable gone;
  private final AtomicLong unacknowledged = new AtomicLong();
  private final AtomicReference<Runnable> waiting = new AtomicReference<>();
  private volatile LiveHub.Subscription subscription;

  /**
   * @param gone called once the feed closed (the session ended or the viewer was dropped)
   */
  RemoteViewer(EventBus bus, Context context, String node, long watch, Runnable gone) {
    this.bus = bus;
    this.context = context;
    this.node = node;
    this.watch = watch;
    this.address = SessionAsk.feedsOf(node);
    this.gone = gone;
  }

  void attach(LiveHub.Subscription subscription) {
    this.subscription = subscription;
  }

  /** The watcher left, or its node did: stop feeding it. */
  void cancel() {
    LiveHub.Subscription s = subscription;
    if (s != null) {
      s.cancel();
    }
  }

  /** The watching node took {@code bytes} more. */
  void acknowledged(long bytes) {
    unacknowledged.addAndGet(-bytes);
    if (!saturated()) {
      Runnable ready = waiting.getAndSet(null);
      if (ready != null) {
        ready.run();
      }
    }
  }

  @Override
  public void send(byte[] line) {
    unacknowledged.addAndGet(line.length);
    Buffer message = Buffer.buffer(8 + line.length).appendLong(watch).appendBytes(line);
    context.runOnContext(v -> bus.send(address, message));
  }

  @Override
  public boolean saturated() {
    return unacknowledged.get() > WINDOW;
  }

  @Override
  public void onDrain(Runnable ready) {
    waiting.set(ready);
    if (!saturated()) {
      acknowledged(0); // acknowledged before the hub asked: that acknowledgement woke nobody
    }
  }

  @Override
  public void close(String reason) {
    JsonObject closed = new JsonObject().put("watch", watch).put("closed", reason);
    context.runOnContext(v -> bus.send(address, closed));
    gone.run();
  }
}
