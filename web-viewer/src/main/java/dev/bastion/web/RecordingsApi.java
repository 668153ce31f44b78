package dev.bastion.web;

import io.vertx.ext.web.RoutingContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * Recordings: {@code GET /api/recordings[?identity=&target=&date=]} lists those the user may
 * replay, {@code GET /api/recordings/ID.cast} and {@code ID.cast.seal} download one (audited), or
 * answer 410 for one that {@code recording.retention} removed.
 */
final class RecordingsApi {
  private final BastionBackend backend;

  /** What a download request found: a file to send, a refusal, or the time retention removed it. */
  private record Download(Path file, boolean refused, Instant removedAt) {}

  RecordingsApi(BastionBackend backend) {
    this.backend = backend;
  }

  void list(RoutingContext ctx) {
    WebUser user = ctx.get(Authentication.USER);
    String identity = ctx.request().getParam("identity");
    String target = ctx.request().getParam("target");
    String date = ctx.request().getParam("date");
    Reply.offLoop(
        ctx,
        () ->
            backend.sessions("ended", 2000).stream()
                .filter(SessionView::recorded)
                .filter(s -> Access.mayReplay(user, s))
                .filter(s -> blank(identity) || s.identity().equals(identity))
                .filter(s -> blank(target) || s.target().equals(target))
                .filter(s -> blank(date) || s.startedAt().toString().startsWith(date))
                .map(SessionJson::of)
                .toList(),
        list -> Reply.json(ctx, 200, list));
  }

  private static boolean blank(String filter) {
    return filter == null || filter.isBlank();
  }

  void file(RoutingContext ctx) {
    WebUser user = ctx.get(Authentication.USER);
    String file = ctx.pathParam("file");
    boolean seal = file.endsWith(".cast.seal");
    String id = file.replaceAll("\\.cast(\\.seal)?$", "");
    if (!file.endsWith(".cast") && !seal || !SessionLookup.SESSION_ID.matcher(id).matches()) {
      Reply.error(ctx, 404, "no such recording");
      return;
    }
    Reply.offLoop(
        ctx,
        () -> find(user, id, seal),
        found -> {
          if (found.isEmpty()) {
            Reply.error(ctx, 404, "no such recording");
          } else if (found.get().refused()) {
            Reply.error(ctx, 403, "you may not replay other people's sessions (right 'replay')");
          } else if (found.get().removedAt() != null) {
            Reply.error(
                ctx,
                410,
                "recording removed by retention policy on "
                    + found.get().removedAt().truncatedTo(ChronoUnit.SECONDS));
          } else {
            ctx.response()
                .putHeader("content-type", seal ? "application/json" : "application/x-asciicast")
                .sendFile(found.get().file().toString());
          }
        });
  }

  /** Runs off the event loop: database and disk. */
  private Optional<Download> find(WebUser user, String id, boolean seal) {
    Optional<SessionView> session = backend.session(id);
    if (session.isEmpty() || !session.get().recorded()) {
      return Optional.empty();
    }
    if (!Access.mayReplay(user, session.get())) {
      return Optional.of(new Download(null, true, null));
    }
    if (session.get().recordingRemovedAt() != null) {
      return Optional.of(new Download(null, false, session.get().recordingRemovedAt()));
    }
    Optional<Path> cast = backend.recording(id);
    if (cast.isEmpty()) {
      return Optional.empty();
    }
    Path path = seal ? cast.get().resolveSibling(cast.get().getFileName() + ".seal") : cast.get();
    if (!Files.exists(path)) {
      return Optional.empty();
    }
    backend.audit(
        "recording_replayed",
        user.identity(),
        id,
        seal ? "downloaded the seal" : "replayed the recording");
    return Optional.of(new Download(path, false, null));
  }
}
