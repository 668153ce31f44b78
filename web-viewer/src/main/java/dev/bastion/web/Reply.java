package dev.bastion.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.bastion.recorder.VisibleText;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * How handlers answer: JSON bodies, JSON errors, and work that may block run off the event loop.
 */
final class Reply {
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  private Reply() {}

  static void json(RoutingContext ctx, int status, Object body) {
    try {
      ctx.response()
          .setStatusCode(status)
          .putHeader("content-type", "application/json")
          .end(JSON.writeValueAsString(body));
    } catch (IOException e) {
      ctx.response().setStatusCode(500).end();
    }
  }

  static void error(RoutingContext ctx, int status, String message) {
    if (!ctx.response().ended()) {
      json(ctx, status, Map.of("error", message));
    }
  }

  /** Runs {@code work} (database, disk) on a worker thread, then {@code then} with its result. */
  static <T> void offLoop(RoutingContext ctx, Callable<T> work, Consumer<T> then) {
    ctx.vertx()
        .executeBlocking(work)
        .onSuccess(then::accept)
        .onFailure(e -> error(ctx, 500, "internal error: " + e.getMessage()));
  }

  /** The longest reason a terminate or decline may give: it is one line on a terminal. */
  static final int MAX_REASON = 200;

  /**
   * The required {"reason": "..."} of a POST: printable text of at most {@link #MAX_REASON}
   * characters, as it reaches the engineer's terminal; null after answering 400.
   */
  static String reason(RoutingContext ctx) {
    String reason;
    try {
      reason =
          ctx.body().asJsonObject() == null ? null : ctx.body().asJsonObject().getString("reason");
    } catch (RuntimeException e) {
      error(ctx, 400, "body must be JSON: {\"reason\": \"...\"}");
      return null;
    }
    if (reason == null || reason.isBlank()) {
      error(ctx, 400, "a reason is required");
      return null;
    }
    String stripped = reason.strip();
    if (VisibleText.hasControl(stripped)) {
      error(ctx, 400, "a reason must be printable text: no control characters or line breaks");
      return null;
    }
    if (stripped.length() > MAX_REASON) {
      error(
          ctx,
          400,
          "a reason must be at most "
              + MAX_REASON
              + " characters ("
              + stripped.length()
              + " given)");
      return null;
    }
    return stripped;
  }
}
