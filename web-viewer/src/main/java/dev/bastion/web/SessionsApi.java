package dev.bastion.web;

import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/**
 * Sessions: {@code GET /api/sessions[?state=live|ended]} lists those the user may see, {@code GET
 * /api/sessions/:id} shows one, {@code POST /api/sessions/:id/terminate} ends a live one.
 */
final class SessionsApi {
  private final BastionBackend backend;
  private final SessionLookup lookup;

  SessionsApi(BastionBackend backend, SessionLookup lookup) {
    this.backend = backend;
    this.lookup = lookup;
  }

  void list(RoutingContext ctx) {
    WebUser user = ctx.get(Authentication.USER);
    String state = ctx.request().getParam("state");
    if (state != null && !state.equals("live") && !state.equals("ended")) {
      Reply.error(ctx, 400, "state must be live or ended");
      return;
    }
    Reply.offLoop(
        ctx,
        () ->
            backend.sessions(state, 500).stream()
                .filter(s -> Access.maySee(user, s))
                .map(SessionJson::of)
                .toList(),
        list -> Reply.json(ctx, 200, list));
  }

  void get(RoutingContext ctx) {
    lookup.find(ctx, (user, session) -> Reply.json(ctx, 200, SessionJson.of(session)));
  }

  void terminate(RoutingContext ctx) {
    String why = Reply.reason(ctx);
    if (why == null) {
      return;
    }
    lookup.find(
        ctx,
        (user, session) -> {
          if (!Access.mayTerminate(user, session)) {
            Reply.error(ctx, 403, "you may not end other people's sessions (right 'terminate')");
            return;
          }
          if (!"live".equals(session.state())) {
            Reply.error(ctx, 409, "session is not live");
            return;
          }
          Reply.offLoop(
              ctx,
              () -> backend.terminate(session.id(), user.identity(), why),
              ended -> {
                if (ended) {
                  Reply.json(ctx, 200, Map.of("id", session.id(), "state", "terminating"));
                } else {
                  Reply.error(ctx, 409, "session is not live");
                }
              });
        });
  }
}
