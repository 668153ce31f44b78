package dev.bastion.live;

import dev.bastion.recorder.Viewer;
import dev.bastion.web.LiveFeeds;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The viewers on this node of sessions running on other nodes: lines for all of them arrive at
 * {@link SessionAsk#feedsOf} this node, each tagged with its watch number. A node that leaves the
 * fleet closes the views of its sessions.
 */
final class RemoteFeeds {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RemoteFeeds.class);

  private final Vertx vertx;
  private final String node;
  private final long askTimeoutMs;
  private final Map<Long, RemoteFeed> feeds = new ConcurrentHashMap<>();
  private final AtomicLong watches = new AtomicLong();
  private final MessageConsumer<Object> consumer;

  RemoteFeeds(Vertx vertx, String node, long askTimeoutMs) {
    this.vertx = vertx;
    this.node = node;
    this.askTimeoutMs = askTimeoutMs;
    this.consumer = vertx.eventBus().consumer(SessionAsk.feedsOf(node), this::heard);
  }

  /** Asks the node running the session to feed {@code viewer}; null when it is not live. */
  Future<LiveFeeds.Watch> watch(String sessionId, Viewer viewer) {
    long watch = watches.incrementAndGet();
    RemoteFeed feed =
        new RemoteFeed(vertx.eventBus(), node, watch, viewer, () -> feeds.remove(watch));
    feeds.put(watch, feed); // before asking: the first lines may come before the answer
    return vertx
        .eventBus()
        .<JsonObject>request(
            SessionAsk.address(sessionId),
            SessionAsk.WATCH.message().put("node", node).put("watch", watch),
            new DeliveryOptions().setSendTimeout(askTimeoutMs))
        .map(
            answer -> {
              feed.ownedBy(answer.body().getString("node"));
              return (LiveFeeds.Watch) feed;
            })
        .otherwise(
            failure -> {
              feeds.remove(watch);
              if (failure instanceof ReplyException e && e.failureType() == ReplyFailure.TIMEOUT) {
                // The owner may have started feeding after all: whoever it is, it stops.
                LOG.warn("no node answered in time to watch session {}", sessionId);
                vertx
                    .eventBus()
                    .publish(
                        SessionAsk.CANCELLED,
                        new JsonObject().put("node", node).put("watch", watch).put("cancel", true));
              }
              return null;
            });
  }

  /** How many views of other nodes' sessions are open here. */
  int count() {
    return feeds.size();
  }

  void nodeLeft(String left) {
    for (RemoteFeed feed : feeds.values()) {
      if (left.equals(feed.owner())) {
        feed.closed("node " + left + " running the session left the fleet");
      }
    }
  }

  private void heard(Message<Object> message) {
    if (message.body() instanceof Buffer line) {
      RemoteFeed feed = feeds.get(line.getLong(0));
      if (feed != null) {
        feed.line(line.getBytes(8, line.length()));
      }
    } else if (message.body() instanceof JsonObject closed) {
      RemoteFeed feed = feeds.get(closed.getLong("watch"));
      if (feed != null) {
        feed.closed(closed.getString("closed"));
      }
    }
  }

  /** Completes once this node's address is registered in the fleet. */
  io.vertx.core.Future<Void> ready() {
    return consumer.completion();
  }

  void close() {
    consumer.unregister();
    feeds.values().forEach(f -> f.closed("this node is shutting down"));
  }
}
