package dev.bastion.live;

import dev.bastion.web.SessionView;
import dev.bastion.web.WebUser;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What this node asks of live sessions wherever in the fleet they run, this node included (the same
 * event bus messages either way). The blocking methods wait at most {@link #TIMEOUT_MS} and are for
 * worker threads only.
 */
public final class FleetSessions {
  static final long TIMEOUT_MS = 5000;

  /** A live session's state on the node running it. */
  public record Summary(
      String node, int viewers, boolean watchable, SessionView.Approval approval) {}

  private final Vertx vertx;
  private final String node;
  // Reports of this node's watchers carry increasing numbers, also across restarts of the node.
  private final AtomicLong reports = new AtomicLong(System.currentTimeMillis() * 1000);

  FleetSessions(Vertx vertx, String node) {
    this.vertx = vertx;
    this.node = node;
  }

  /** The summary of a live session, empty when no node runs it (or none answered in time). */
  public Future<Optional<Summary>> summary(String sessionId) {
    return ask(sessionId, SessionAsk.SUMMARY.message())
        .map(answer -> Optional.of(summaryOf(answer.body())))
        .otherwise(Optional.empty());
  }

  /** Summaries of sessions, asked all at once; those that did not answer are left out. Blocks. */
  public Map<String, Summary> summaries(Collection<String> sessionIds) {
    Map<String, Future<Optional<Summary>>> asked = new HashMap<>();
    sessionIds.forEach(id -> asked.put(id, summary(id)));
    Map<String, Summary> summaries = new HashMap<>();
    asked.forEach(
        (id, answer) -> await(answer).flatMap(s -> s).ifPresent(s -> summaries.put(id, s)));
    return summaries;
  }

  /** Ends a live session on its node (which audits it); false if it is not live. Blocks. */
  public boolean terminate(String sessionId, String by, String reason) {
    return done(ask(sessionId, SessionAsk.TERMINATE.message().put("by", by).put("reason", reason)));
  }

  /** Declines a session's pending approval request; false if there is none. Blocks. */
  public boolean decline(String sessionId, String by, String reason) {
    return done(ask(sessionId, SessionAsk.DECLINE.message().put("by", by).put("reason", reason)));
  }

  /** A marker in a live session's recording. */
  public void marker(String sessionId, String text) {
    vertx
        .eventBus()
        .send(SessionAsk.address(sessionId), SessionAsk.MARKER.message().put("text", text));
  }

  /** The people watching a session from this node now (replacing what this node said before). */
  public void watchers(String sessionId, List<WebUser> watching) {
    JsonArray list = new JsonArray();
    for (WebUser user : watching) {
      list.add(
          new JsonObject()
              .put("identity", user.identity())
              .put("roles", new JsonArray(new ArrayList<>(user.roles()))));
    }
    vertx
        .eventBus()
        .send(
            SessionAsk.address(sessionId),
            SessionAsk.WATCHERS
                .message()
                .put("node", node)
                .put("seq", reports.incrementAndGet())
                .put("watchers", list));
  }

  private Future<Message<JsonObject>> ask(String sessionId, JsonObject message) {
    return vertx
        .eventBus()
        .request(
            SessionAsk.address(sessionId),
            message,
            new DeliveryOptions().setSendTimeout(TIMEOUT_MS));
  }

  private static boolean done(Future<Message<JsonObject>> answer) {
    return await(answer.map(m -> m.body().getBoolean("done", false)).otherwise(false))
        .orElse(false);
  }

  private static <T> Optional<T> await(Future<T> future) {
    try {
      return Optional.ofNullable(
          future
              .toCompletionStage()
              .toCompletableFuture()
              .get(TIMEOUT_MS + 1000, TimeUnit.MILLISECONDS));
    } catch (ExecutionException | TimeoutException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private static Summary summaryOf(JsonObject s) {
    JsonObject a = s.getJsonObject("approval");
    return new Summary(
        s.getString("node"),
        s.getInteger("viewers", 0),
        s.getBoolean("watchable", false),
        a == null
            ? null
            : new SessionView.Approval(
                a.getString("state"),
                a.getInteger("needed"),
                a.getJsonArray("from").stream().map(String::valueOf).toList(),
                a.getJsonArray("approvers").stream().map(String::valueOf).toList(),
                Instant.parse(a.getString("since"))));
  }
}
