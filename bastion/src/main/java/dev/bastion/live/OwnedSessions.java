package dev.bastion.live;

import dev.bastion.approval.ApprovalGate;
import dev.bastion.approval.Approvals;
import dev.bastion.audit.AuditEvent;
import dev.bastion.audit.AuditKind;
import dev.bastion.audit.AuditLog;
import dev.bastion.proxy.LiveSessions;
import dev.bastion.proxy.ProxiedSession;
import dev.bastion.recorder.LiveHub;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's live sessions as the whole fleet reaches them: while a session is live, a consumer at
 * {@link SessionAsk#address} answers what any node (this one included) asks of it. Anything that
 * may wait (the audit log, the recording, the approval gate's listeners) runs off the event loop.
 */
final class OwnedSessions implements LiveSessions.Listener {
  private final Vertx vertx;
  private final String node;
  private final LiveHub hub;
  private final Approvals approvals;
  private final AuditLog audit;
  private final Clock clock;
  private final RemoteViewers viewers;
  private final FleetWatchers watchers;
  private final Map<String, MessageConsumer<JsonObject>> consumers = new ConcurrentHashMap<>();

  OwnedSessions(
      Vertx vertx,
      String node,
      LiveHub hub,
      Approvals approvals,
      AuditLog audit,
      Clock clock,
      RemoteViewers viewers,
      FleetWatchers watchers) {
    this.vertx = vertx;
    this.node = node;
    this.hub = hub;
    this.approvals = approvals;
    this.audit = audit;
    this.clock = clock;
    this.viewers = viewers;
    this.watchers = watchers;
  }

  @Override
  public void started(ProxiedSession session) {
    consumers.put(
        session.id(),
        vertx
            .eventBus()
            .consumer(SessionAsk.address(session.id()), message -> answer(session, message)));
  }

  @Override
  public void ended(ProxiedSession session) {
    MessageConsumer<JsonObject> consumer = consumers.remove(session.id());
    if (consumer != null) {
      consumer.unregister();
    }
    watchers.forget(session.id());
  }

  /** How many sessions of this node the fleet can reach now. */
  int count() {
    return consumers.size();
  }

  private void answer(ProxiedSession session, Message<JsonObject> message) {
    JsonObject body = message.body();
    switch (SessionAsk.of(body)) {
      case SUMMARY -> message.reply(summary(session.id()));
      case WATCH -> {
        if (viewers.watch(session.id(), body.getString("node"), body.getLong("watch"))) {
          message.reply(new JsonObject().put("node", node));
        } else {
          message.fail(404, "session " + session.id() + " is not live");
        }
      }
      case TERMINATE ->
          offLoop(
              message, () -> terminate(session, body.getString("by"), body.getString("reason")));
      case DECLINE ->
          offLoop(
              message,
              () ->
                  approvals
                      .get(session.id())
                      .map(gate -> gate.decline(body.getString("by"), body.getString("reason")))
                      .orElse(false));
      case MARKER ->
          offLoop(
              message,
              () -> {
                session.marker(body.getString("text"));
                return true;
              });
      case WATCHERS ->
          offLoop(
              message,
              () -> {
                watchers.report(
                    session.id(),
                    body.getString("node"),
                    body.getLong("seq"),
                    watchersOf(body.getJsonArray("watchers")));
                return true;
              });
    }
  }

  /**
   * Does {@code work} on a worker thread, after the work of the messages that came before it: a
   * viewer's "joined" marker must reach the recording before the approval its watching brings.
   */
  private void offLoop(Message<JsonObject> message, java.util.concurrent.Callable<Boolean> work) {
    vertx
        .executeBlocking(work, true)
        .onSuccess(done -> message.reply(new JsonObject().put("done", done)))
        .onFailure(e -> message.fail(500, String.valueOf(e.getMessage())));
  }

  private JsonObject summary(String sessionId) {
    JsonObject summary =
        new JsonObject()
            .put("node", node)
            .put("viewers", hub.viewers(sessionId))
            .put("watchable", hub.isLive(sessionId));
    approvals
        .get(sessionId)
        .ifPresent(
            gate ->
                summary.put(
                    "approval",
                    new JsonObject()
                        .put("state", gate.state().name().toLowerCase(java.util.Locale.ROOT))
                        .put("needed", gate.policy().count())
                        .put("from", new JsonArray(List.copyOf(gate.policy().from())))
                        .put("approvers", new JsonArray(gate.approvers()))
                        .put("since", gate.since().toString())));
    return summary;
  }

  private boolean terminate(ProxiedSession session, String by, String reason) {
    audit.record(
        new AuditEvent(
            clock.instant(),
            AuditKind.SESSION_TERMINATED,
            by,
            null,
            null,
            session.id(),
            session.grant().target().name(),
            session.grant().login(),
            "web",
            "ended " + session.identity() + "'s session: " + reason));
    session.terminate("session terminated by " + by + ": " + reason);
    return true;
  }

  static List<ApprovalGate.Watcher> watchersOf(JsonArray list) {
    return list.stream()
        .map(JsonObject.class::cast)
        .map(
            w ->
                new ApprovalGate.Watcher(
                    w.getString("identity"),
                    new HashSet<>(w.getJsonArray("roles").stream().map(String::valueOf).toList())))
        .toList();
  }

  void close() {
    consumers.values().forEach(MessageConsumer::unregister);
    consumers.clear();
  }
}
