package dev.bastion.live;

import io.vertx.core.json.JsonObject;

/**
 * What any node may ask of a live session, sent to {@link #address} where the node running the
 * session answers while it is live ({@link OwnedSessions}): no consumer there means the session is
 * not live anywhere in the fleet.
 */
enum SessionAsk {
  /** Reply: viewers, whether it can be watched, four-eyes state. */
  SUMMARY,
  /** {@code by}, {@code reason}; reply: {@code done}. */
  TERMINATE,
  /** {@code text}; no reply. */
  MARKER,
  /** {@code node}, {@code seq}, {@code watchers}: the present watchers on one node; no reply. */
  WATCHERS,
  /** {@code by}, {@code reason}; reply: {@code done}. */
  DECLINE,
  /** {@code node}, {@code watch}: feed a viewer on that node; reply: {@code node} (the owner). */
  WATCH;

  static final String FIELD = "ask";

  /**
   * Published to every node: a watch whose ask went unanswered in time, to be cancelled by
   * whichever node started feeding it after all.
   */
  static final String CANCELLED = "bastion.viewers.cancelled";

  static String address(String sessionId) {
    return "bastion.session." + sessionId;
  }

  /** Lines for the remote viewers on {@code node}, and word that a feed closed. */
  static String feedsOf(String node) {
    return "bastion.node." + node + ".feeds";
  }

  /** Acknowledgements and cancellations from the remote viewers of {@code node}'s sessions. */
  static String viewersOf(String node) {
    return "bastion.node." + node + ".viewers";
  }

  JsonObject message() {
    return new JsonObject().put(FIELD, name().toLowerCase(java.util.Locale.ROOT));
  }

  static SessionAsk of(JsonObject message) {
    String ask = message.getString(FIELD);
    for (SessionAsk a : values()) {
      if (a.name().equalsIgnoreCase(ask)) {
        return a;
      }
    }
    throw new IllegalArgumentException("unknown ask " + ask);
  }
}
