package dev.bastion.web;

import dev.bastion.recorder.LiveHub;
import dev.bastion.recorder.Viewer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Where the web viewer finds live sessions to watch: this node's live hub, or (in a fleet) any
 * node's. A viewer gets the same lines either way: the session's header, its catch-up, then each
 * new event, through the hub's bounded per-viewer queue. Both methods are called on an event loop
 * and never block.
 */
public interface LiveFeeds {
  /** A viewer's place in a session's feed. */
  interface Watch {
    /** Stops watching; nothing more reaches the viewer, and it is not closed by the feed. */
    void cancel();
  }

  /** Whether the session is live where these feeds reach. */
  Future<Boolean> isLive(String sessionId);

  /** Starts feeding {@code viewer}; completes with null when the session is not live. */
  Future<Watch> watch(String sessionId, Viewer viewer);

  /** The sessions of this node's {@code hub} only. */
  static LiveFeeds of(Vertx vertx, LiveHub hub) {
    return new LiveFeeds() {
      @Override
      public Future<Boolean> isLive(String sessionId) {
        return Future.succeededFuture(hub.isLive(sessionId));
      }

      @Override
      public Future<Watch> watch(String sessionId, Viewer viewer) {
        // Joining copies the catch-up under the feed's lock: not on an event loop.
        return vertx.executeBlocking(
            () -> {
              LiveHub.Subscription subscription = hub.subscribe(sessionId, viewer);
              return subscription == null ? null : subscription::cancel;
            },
            false);
      }
    };
  }
}
