package dev.bastion.live;

import dev.bastion.recorder.LiveHub;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The viewers on other nodes of this node's sessions: each one a {@link RemoteViewer} subscribed to
 * the live hub. Their nodes' acknowledgements and cancellations arrive at {@link
 * SessionAsk#viewersOf} this node; a node that leaves the fleet takes its viewers with it.
 */
final class RemoteViewers {
  private final Vertx vertx;
  private final LiveHub hub;
  private final Map<String, RemoteViewer> viewers = new ConcurrentHashMap<>();
  private final MessageConsumer<JsonObject> consumer;
  private final MessageConsumer<JsonObject> cancelled;

  RemoteViewers(Vertx vertx, String node, LiveHub hub) {
    this.vertx = vertx;
    this.hub = hub;
    this.consumer = vertx.eventBus().consumer(SessionAsk.viewersOf(node), this::heard);
    this.cancelled = vertx.eventBus().consumer(SessionAsk.CANCELLED, this::heard);
  }

  /** Feeds a viewer on {@code node}; false if the session is not (or no longer) live here. */
  boolean watch(String sessionId, String node, long watch) {
    String key = key(node, watch);
    RemoteViewer viewer =
        new RemoteViewer(
            vertx.eventBus(), vertx.getOrCreateContext(), node, watch, () -> viewers.remove(key));
    viewers.put(key, viewer);
    LiveHub.Subscription subscription = hub.subscribe(sessionId, viewer);
    if (subscription == null) {
      viewers.remove(key);
      return false;
    }
    viewer.attach(subscription);
    return true;
  }

  /** How many viewers on other nodes this node feeds. */
  int count() {
    return viewers.size();
  }

  void nodeLeft(String node) {
    viewers
        .values()
        .removeIf(
            viewer -> {
              if (!viewer.node.equals(node)) {
                return false;
              }
              viewer.cancel();
              return true;
            });
  }

  private void heard(Message<JsonObject> message) {
    JsonObject body = message.body();
    RemoteViewer viewer = viewers.get(key(body.getString("node"), body.getLong("watch")));
    if (viewer == null) {
      return; // its feed closed meanwhile
    }
    if (body.getBoolean("cancel", false)) {
      viewers.remove(key(viewer.node, viewer.watch));
      viewer.cancel();
    } else {
      viewer.acknowledged(body.getLong("acknowledged"));
    }
  }

  private static String key(String node, long watch) {
    return node + "/" + watch;
  }

  /** Completes once this node's address is registered in the fleet. */
  io.vertx.core.Future<Void> ready() {
    return consumer.completion().compose(v -> cancelled.completion());
  }

  void close() {
    consumer.unregister();
    cancelled.unregister();
    viewers.values().forEach(RemoteViewer::cancel);
    viewers.clear();
  }
}
