package dev.bastion.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
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

  /** The required {"reason": "..."} of a POST, at most 500 characters; null after answering 400. */
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
    return reason.strip().length() > 500 ? reason.strip().substring(0, 500) : reason.strip();
  }
}
