package dev.bastion.web;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Who is watching which live session, checked rather than assumed: every watcher is pinged each
 * second, and one that has not answered for {@link #PRESENCE_TIMEOUT_MS} no longer counts and is
 * disconnected. Four-eyes approval rests on this list, so the bastion is told after every change,
 * and always the list as it is when the news is delivered: announcements run on worker threads, and
 * a list taken when the change happened could arrive after a newer one and undo it.
 */
final class LiveWatchers {
  static final long PING_INTERVAL_MS = 1000;
  static final long PRESENCE_TIMEOUT_MS = 3000;

  private static final class Watch {
    final WebUser user;
    volatile long lastPong = System.currentTimeMillis();

    Watch(WebUser user) {
      this.user = user;
    }
  }

  private final Vertx vertx;
  private final BastionBackend backend;
  private final Map<String, Map<ServerWebSocket, Watch>> watching = new ConcurrentHashMap<>();

  LiveWatchers(Vertx vertx, BastionBackend backend) {
    this.vertx = vertx;
    this.backend = backend;
  }

  /** Starts the pings. */
  void start() {
    vertx.setPeriodic(PING_INTERVAL_MS, id -> check());
  }

  void add(String sessionId, ServerWebSocket socket, WebUser user) {
    Watch watch = new Watch(user);
    socket.pongHandler(pong -> watch.lastPong = System.currentTimeMillis());
    // compute, not computeIfAbsent and put: check() may be dropping the empty map at this moment.
    watching.compute(
        sessionId,
        (k, sockets) -> {
          Map<ServerWebSocket, Watch> map = sockets == null ? new ConcurrentHashMap<>() : sockets;
          map.put(socket, watch);
          return map;
        });
    announce(sessionId);
  }

  /** Live views open now, over every session (read by a metrics scrape, not on the data path). */
  int count() {
    int n = 0;
    for (Map<ServerWebSocket, Watch> sockets : watching.values()) {
      n += sockets.size();
    }
    return n;
  }

  void remove(String sessionId, ServerWebSocket socket) {
    Map<ServerWebSocket, Watch> sockets = watching.get(sessionId);
    if (sockets != null && sockets.remove(socket) != null) {
      announce(sessionId);
    }
  }

  /**
   * The page of {@code identity} reported that its player failed on this session: that person's
   * live views of it no longer count as watching (four-eyes acts on it at once) and are closed with
   * 1000, which the player takes as the end of the stream rather than a reason to reconnect.
   *
   * @return whether any live view was dropped
   */
  boolean playerFailed(String sessionId, String identity) {
    Map<ServerWebSocket, Watch> sockets = watching.getOrDefault(sessionId, Map.of());
    boolean dropped = false;
    for (var entry : sockets.entrySet()) {
      if (entry.getValue().user.identity().equals(identity)
          && sockets.remove(entry.getKey()) != null) {
        dropped = true;
        entry.getKey().close((short) 1000, "player failed");
      }
    }
    if (dropped) {
      announce(sessionId);
    }
    return dropped;
  }

  /** Closes the live views of the users {@code which} matches (revoked certificates). */
  void close(Predicate<WebUser> which, short code, String reason) {
    watching.forEach(
        (sessionId, sockets) ->
            sockets.forEach(
                (socket, watch) -> {
                  if (which.test(watch.user) && !socket.isClosed()) {
                    socket.close(code, reason);
                  }
                }));
  }

  /** Pings every watcher; one that stopped answering no longer counts and is disconnected. */
  private void check() {
    long now = System.currentTimeMillis();
    watching.forEach(
        (sessionId, sockets) -> {
          boolean changed = false;
          for (var entry : sockets.entrySet()) {
            ServerWebSocket socket = entry.getKey();
            if (now - entry.getValue().lastPong > PRESENCE_TIMEOUT_MS) {
              changed |= sockets.remove(socket) != null;
              if (!socket.isClosed()) {
                socket.close((short) 1001, "not answering pings");
              }
            } else if (!socket.isClosed()) {
              socket.writePing(Buffer.buffer("presence"));
            }
          }
          if (changed) {
            announce(sessionId);
          }
          watching.computeIfPresent(sessionId, (k, map) -> map.isEmpty() ? null : map);
        });
  }

  private void announce(String sessionId) {
    vertx.executeBlocking(
        () -> {
          synchronized (this) {
            backend.watchersChanged(sessionId, present(sessionId));
          }
          return null;
        },
        false);
  }

  private List<WebUser> present(String sessionId) {
    return watching.getOrDefault(sessionId, Map.of()).values().stream().map(w -> w.user).toList();
  }
}
