package dev.bastion.web;

import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/**
 * Four-eyes requests: {@code POST /api/sessions/:id/decline} turns a waiting request down.
 * Approving is watching the session live (see {@link LiveStream}), so there is no approve call.
 */
final class ApprovalsApi {
  private final BastionBackend backend;
  private final SessionLookup lookup;

  ApprovalsApi(BastionBackend backend, SessionLookup lookup) {
    this.backend = backend;
    this.lookup = lookup;
  }

  void decline(RoutingContext ctx) {
    String why = Reply.reason(ctx);
    if (why == null) {
      return;
    }
    lookup.find(
        ctx,
        (user, session) -> {
          if (session.approval() == null || !"waiting".equals(session.approval().state())) {
            Reply.error(ctx, 409, "session has no pending approval request");
            return;
          }
          if (!Access.mayDecline(user, session)) {
            Reply.error(
                ctx,
                403,
                "only approvers (roles "
                    + String.join(", ", session.approval().from())
                    + ") may decline");
            return;
          }
          Reply.offLoop(
              ctx,
              () -> backend.decline(session.id(), user, why),
              done -> {
                if (done) {
                  Reply.json(ctx, 200, Map.of("id", session.id(), "state", "declined"));
                } else {
                  Reply.error(ctx, 409, "session has no pending approval request");
                }
              });
        });
  }
}
