package dev.bastion.web;

import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;

/**
 * Finds the session a route's {@code :id} names, off the event loop, for a user who may see it: 404
 * when there is none, 403 when it is someone else's and the user lacks the right.
 */
final class SessionLookup {
  static final Pattern SESSION_ID = Pattern.compile("[0-9a-f]{32}");

  /** What to do with a session the user may see. */
  interface Action {
    void run(WebUser user, SessionView session);
  }

  private final BastionBackend backend;

  SessionLookup(BastionBackend backend) {
    this.backend = backend;
  }

  void find(RoutingContext ctx, Action action) {
    WebUser user = ctx.get(Authentication.USER);
    String id = ctx.pathParam("id");
    if (id == null || !SESSION_ID.matcher(id).matches()) {
      Reply.error(ctx, 404, "no such session");
      return;
    }
    Reply.offLoop(
        ctx,
        () -> backend.session(id),
        found -> {
          if (found.isEmpty()) {
            Reply.error(ctx, 404, "no such session");
          } else if (!Access.maySee(user, found.get())) {
            Reply.error(ctx, 403, "you may not see other people's sessions (right 'shadow')");
          } else {
            action.run(user, found.get());
          }
        });
  }
}
