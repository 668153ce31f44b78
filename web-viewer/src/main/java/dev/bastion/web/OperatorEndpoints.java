package dev.bastion.web;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code /healthz}, {@code /readyz} and {@code /metrics} for load balancers and Prometheus:
 * unauthenticated, so they say what is wrong and how much, never who or where. The readiness checks
 * run off the event loop with a timeout and their answer is kept for {@link #CHECK_CACHE_MS}, so a
 * load balancer polling fast costs one check a second.
 */
final class OperatorEndpoints {
  static final long CHECK_CACHE_MS = 1000;
  static final long CHECK_TIMEOUT_MS = 2000;
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final Vertx vertx;
  private final OperatorChecks checks;
  private final Object lock = new Object();
  // guarded by lock: the last check (or the one running) and when it started; a check that hangs
  // (a database that does not answer) is not started again until it returns.
  private Future<List<String>> lastCheck;
  private Future<List<String>> running;
  private long lastCheckAt;

  OperatorEndpoints(Vertx vertx, OperatorChecks checks) {
    this.vertx = vertx;
    this.checks = checks;
  }

  /** 200 while the process runs and its event loop answers. */
  void health(RoutingContext ctx) {
    ctx.response().putHeader("Content-Type", "text/plain; charset=utf-8").end("ok\n");
  }

  /** 200 {@code ready}, or 503 with one line per thing that is not ready. */
  void ready(RoutingContext ctx) {
    readiness()
        .onComplete(
            done -> {
              List<String> problems =
                  done.succeeded()
                      ? done.result()
                      : List.of(
                          "readiness checks did not answer within " + CHECK_TIMEOUT_MS + " ms");
              ctx.response().putHeader("Content-Type", "text/plain; charset=utf-8");
              if (problems.isEmpty()) {
                ctx.response().end("ready\n");
              } else {
                ctx.response()
                    .setStatusCode(503)
                    .end("not ready:\n" + String.join("\n", problems) + "\n");
              }
            });
  }

  void metrics(RoutingContext ctx) {
    vertx
        .executeBlocking(checks::metrics, false)
        .onComplete(
            done -> {
              if (done.failed()) {
                ctx.response().setStatusCode(500).end("metrics unavailable\n");
              } else {
                ctx.response().putHeader("Content-Type", PROMETHEUS_TEXT).end(done.result());
              }
            });
  }

  private Future<List<String>> readiness() {
    long now = System.nanoTime();
    synchronized (lock) {
      if (lastCheck != null && now - lastCheckAt < TimeUnit.MILLISECONDS.toNanos(CHECK_CACHE_MS)) {
        return lastCheck;
      }
      lastCheckAt = now;
      if (running == null || running.isComplete()) {
        running = vertx.executeBlocking(checks::notReady, false);
      }
      lastCheck = running.timeout(CHECK_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      return lastCheck;
    }
  }
}
