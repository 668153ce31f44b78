package dev.bastion.web;

import io.vertx.ext.web.RoutingContext;
import java.time.Instant;

/** The audit log: {@code GET /api/audit[?since=...&identity=...]}, for holders of audit. */
final class AuditApi {
  private final BastionBackend backend;

  AuditApi(BastionBackend backend) {
    this.backend = backend;
  }

  void events(RoutingContext ctx) {
    WebUser user = ctx.get(Authentication.USER);
    if (!Access.mayReadAudit(user)) {
      Reply.error(ctx, 403, "reading the audit log needs the right 'audit'");
      return;
    }
    Instant since;
    try {
      String text = ctx.request().getParam("since");
      since = text == null || text.isBlank() ? null : Instant.parse(text);
    } catch (RuntimeException e) {
      Reply.error(ctx, 400, "since must be a time like 2026-11-21T12:00:00Z");
      return;
    }
    String identity = ctx.request().getParam("identity");
    Reply.offLoop(
        ctx,
        () ->
            backend.auditEvents(
                since, identity == null || identity.isBlank() ? null : identity, 1000),
        list -> Reply.json(ctx, 200, list));
  }
}
