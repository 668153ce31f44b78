package dev.bastion.web;

import dev.bastion.recorder.VisibleText;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Watching a live session: {@code GET /api/sessions/:id/live} upgrades to a WebSocket (this site's
 * Origin only) fed by the session's live feed, on this node or another ({@link LiveSocket}).
 * Joining and leaving are audited and marked in the recording, and the watcher counts as present
 * ({@link LiveWatchers}) while it answers pings.
 */
final class LiveStream {
  private final Vertx vertx;
  private final BastionBackend backend;
  private final LiveFeeds feeds;
  private final SessionLookup lookup;
  private final Authentication authentication;
  private final LiveWatchers watchers;

  LiveStream(
      Vertx vertx,
      BastionBackend backend,
      LiveFeeds feeds,
      SessionLookup lookup,
      Authentication authentication,
      LiveWatchers watchers) {
    this.vertx = vertx;
    this.backend = backend;
    this.feeds = feeds;
    this.lookup = lookup;
    this.authentication = authentication;
    this.watchers = watchers;
  }

  void watch(RoutingContext ctx) {
    if (!authentication.sameOrigin(ctx)) {
      Reply.error(ctx, 403, "cross-origin WebSocket refused");
      return;
    }
    ctx.request().pause();
    lookup.find(
        ctx,
        (user, session) ->
            feeds
                .isLive(session.id())
                .onFailure(
                    e -> Reply.error(ctx, 503, "cannot reach the session: " + e.getMessage()))
                .onSuccess(
                    live -> {
                      if (!live) {
                        Reply.error(ctx, 404, "session is not live");
                        return;
                      }
                      ctx.request()
                          .toWebSocket()
                          .onFailure(
                              e ->
                                  Reply.error(
                                      ctx, 400, "not a WebSocket request: " + e.getMessage()))
                          .onSuccess(socket -> join(socket, user, session));
                    }));
  }

  /**
   * {@code POST /api/sessions/:id/player-failed {"error": "..."}}: the page's player failed, so
   * what the watcher sees is no longer the session. The watcher stops counting as watching (see
   * {@link LiveWatchers#playerFailed}); audited as {@code watch_failed} with the player's error.
   */
  void playerFailed(RoutingContext ctx) {
    String error = ctx.body().asJsonObject() == null ? null : errorOf(ctx);
    lookup.find(
        ctx,
        (user, session) -> {
          boolean dropped = watchers.playerFailed(session.id(), user.identity());
          Reply.offLoop(
              ctx,
              () -> {
                backend.audit(
                    "watch_failed",
                    user.identity(),
                    session.id(),
                    "the player failed ("
                        + VisibleText.fit(error == null ? "no details" : error, 200)
                        + "); no longer counted as watching");
                return dropped;
              },
              done -> Reply.json(ctx, 200, Map.of("id", session.id(), "watching", false)));
        });
  }

  private static String errorOf(RoutingContext ctx) {
    Object error = ctx.body().asJsonObject().getValue("error");
    return error == null ? null : String.valueOf(error);
  }

  private void join(ServerWebSocket socket, WebUser user, SessionView session) {
    LiveSocket viewer = new LiveSocket(socket);
    feeds
        .watch(session.id(), viewer)
        .compose(
            watch ->
                watch == null
                    ? io.vertx.core.Future.succeededFuture((LiveFeeds.Watch) null)
                    : vertx.executeBlocking(
                        () -> {
                          backend.audit(
                              "watch_started",
                              user.identity(),
                              session.id(),
                              "watching " + session.identity() + "'s session");
                          return watch;
                        }))
        .onFailure(e -> socket.close((short) 1011, "cannot watch: " + e.getMessage()))
        .onSuccess(
            watch -> {
              if (watch == null) {
                socket.close((short) 1000, "session ended");
                return;
              }
              // From this event loop, before the watcher counts: the recording shows the viewer
              // join before an approval or a resume their watching brings (both travel to the
              // session as messages, and only messages sent from one thread keep their order).
              backend.marker(session.id(), "viewer " + user.identity() + " joined");
              viewer.attach(watch);
              AtomicBoolean left = new AtomicBoolean();
              Runnable leave =
                  () -> {
                    if (left.compareAndSet(false, true)) {
                      leave(viewer, socket, user, session);
                    }
                  };
              socket.closeHandler(v -> leave.run());
              watchers.add(session.id(), socket, user);
              if (socket.isClosed()) {
                leave.run(); // closed while subscribing: it must not count as watching
              }
            });
  }

  private void leave(LiveSocket viewer, ServerWebSocket socket, WebUser user, SessionView session) {
    viewer.cancel();
    // Before the watcher stops counting: the viewer leaves before the session pauses for it.
    backend.marker(session.id(), "viewer " + user.identity() + " left");
    watchers.remove(session.id(), socket);
    vertx.executeBlocking(
        () -> {
          backend.audit("watch_ended", user.identity(), session.id(), "stopped watching");
          return null;
        });
  }
}
