package dev.bastion.live;

import dev.bastion.approval.Approvals;
import dev.bastion.audit.AuditLog;
import dev.bastion.cluster.Fleet;
import dev.bastion.proxy.LiveSessions;
import dev.bastion.recorder.LiveHub;
import dev.bastion.recorder.Viewer;
import dev.bastion.web.LiveFeeds;
import io.vertx.core.Future;
import java.time.Clock;

/**
 * Live sessions as one bastion, from any node: this node's sessions answer the fleet over the event
 * bus ({@link OwnedSessions}), and this node's web viewer watches, counts, terminates and approves
 * any node's ({@link FleetSessions}, {@link #watch}). Alone, the same messages stay on the node's
 * own event bus. A session on this node is watched straight from its live hub; one on another node
 * through that node's hub, over the event bus, with flow control ({@link RemoteViewer}).
 */
public final class FleetLive implements LiveFeeds, AutoCloseable {
  private final LiveHub hub;
  private final LiveFeeds local;
  private final FleetSessions sessions;
  private final RemoteViewers viewers;
  private final RemoteFeeds feeds;
  private final OwnedSessions owned;

  /** Starts answering for this node's live sessions (make it before any session starts). */
  public FleetLive(
      Fleet fleet,
      LiveSessions live,
      LiveHub hub,
      Approvals approvals,
      AuditLog audit,
      Clock clock) {
    this.hub = hub;
    this.local = LiveFeeds.of(fleet.vertx(), hub);
    this.sessions = new FleetSessions(fleet.vertx(), fleet.node());
    this.viewers = new RemoteViewers(fleet.vertx(), fleet.node(), hub);
    this.feeds = new RemoteFeeds(fleet.vertx(), fleet.node(), FleetSessions.TIMEOUT_MS);
    FleetWatchers watchers = new FleetWatchers(approvals);
    this.owned =
        new OwnedSessions(
            fleet.vertx(), fleet.node(), hub, approvals, audit, clock, viewers, watchers);
    live.listen(owned);
    fleet.onNodeLeft(
        node -> {
          viewers.nodeLeft(node);
          feeds.nodeLeft(node);
          fleet
              .vertx()
              .executeBlocking(
                  () -> {
                    watchers.nodeLeft(node); // the approval gate's listeners may wait
                    return null;
                  },
                  false);
        });
  }

  /** Asking live sessions anywhere in the fleet. */
  public FleetSessions sessions() {
    return sessions;
  }

  @Override
  public Future<Boolean> isLive(String sessionId) {
    if (hub.isLive(sessionId)) {
      return Future.succeededFuture(true);
    }
    return sessions.summary(sessionId).map(s -> s.isPresent() && s.get().watchable());
  }

  @Override
  public Future<Watch> watch(String sessionId, Viewer viewer) {
    return hub.isLive(sessionId) ? local.watch(sessionId, viewer) : feeds.watch(sessionId, viewer);
  }

  /** Views open here of other nodes' sessions, and viewers on other nodes of this node's. */
  public int remoteViews() {
    return feeds.count() + viewers.count();
  }

  @Override
  public void close() {
    owned.close();
    feeds.close();
    viewers.close();
  }
}
