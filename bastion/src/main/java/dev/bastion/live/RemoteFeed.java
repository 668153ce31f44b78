package dev.bastion.live;

import dev.bastion.recorder.Viewer;
import dev.bastion.web.LiveFeeds;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A session on another node, fed to a viewer on this one (a WebSocket). Each line is handed to the
 * viewer as it arrives and acknowledged once the viewer took it: at once while the viewer keeps up
 * (in steps of {@link #STEP} bytes), only after it drained when it is full. So the owning node
 * never has more than {@link RemoteViewer#WINDOW} bytes on the way here, and a viewer that stops
 * reading is held back, then dropped, by the owner's hub, never by the session.
 */
final class RemoteFeed implements LiveFeeds.Watch {
  static final int STEP = RemoteViewer.WINDOW / 4;

  final long watch;
  private final Viewer viewer;
  private final EventBus bus;
  private final String node;
  private final Runnable forget;
  private final AtomicLong taken = new AtomicLong();
  private final AtomicBoolean awaitingDrain = new AtomicBoolean();
  private final AtomicBoolean cancelled = new AtomicBoolean();
  private volatile String owner;

  /**
   * @param node this node, to which the owner sends
   * @param forget removes this feed from the node's feeds
   */
  RemoteFeed(EventBus bus, String node, long watch, Viewer viewer, Runnable forget) {
    this.bus = bus;
    this.node = node;
    this.watch = watch;
    this.viewer = viewer;
    this.forget = forget;
  }

  /** The node running the session answered: acknowledgements go there from now on. */
  void ownedBy(String node) {
    owner = node;
    if (cancelled.get()) {
      tellOwner(new JsonObject().put("cancel", true));
    } else if (!awaitingDrain.get()) {
      acknowledge();
    }
  }

  String owner() {
    return owner;
  }

  void line(byte[] line) {
    viewer.send(line);
    long unacknowledged = taken.addAndGet(line.length);
    if (viewer.saturated()) {
      if (awaitingDrain.compareAndSet(false, true)) {
        viewer.onDrain(
            () -> {
              awaitingDrain.set(false);
              acknowledge();
            });
      }
    } else if (unacknowledged >= STEP && !awaitingDrain.get()) {
      acknowledge();
    }
  }

  /** The owner closed the feed (the session ended, the viewer was dropped) or left the fleet. */
  void closed(String reason) {
    forget.run();
    viewer.close(reason);
  }

  @Override
  public void cancel() {
    if (cancelled.compareAndSet(false, true)) {
      forget.run();
      if (owner != null) {
        tellOwner(new JsonObject().put("cancel", true));
      }
    }
  }

  private void acknowledge() {
    if (owner == null || cancelled.get()) {
      return;
    }
    long bytes = taken.getAndSet(0);
    if (bytes > 0) {
      tellOwner(new JsonObject().put("acknowledged", bytes));
    }
  }

  private void tellOwner(JsonObject message) {
    bus.send(SessionAsk.viewersOf(owner), message.put("node", node).put("watch", watch));
  }
}
