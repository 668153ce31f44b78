package dev.bastion.web;

import dev.bastion.recorder.RecordingFormat;
import dev.bastion.recorder.Seal;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;

/**
 * Recordings: {@code GET /api/recordings[?identity=&target=&date=]} lists those the user may
 * replay; {@code GET /api/recordings/ID.cast} gives the plain asciicast whatever the format on
 * disk, {@code ID.cast.zst} the compressed file as recorded, {@code ID.cast.seal} the seal of the
 * file on disk (each audited), or 410 for one that {@code recording.retention} removed.
 */
final class RecordingsApi {
  private final BastionBackend backend;

  /** What a request asks for, by the name's ending. */
  private enum Asked {
    PLAIN(".cast", "application/x-asciicast", "replayed the recording"),
    ORIGINAL(".cast.zst", "application/zstd", "downloaded the recording as stored (zstd)"),
    SEAL(".cast.seal", "application/json", "downloaded the seal");

    final String ending;
    final String contentType;
    final String audited;

    Asked(String ending, String contentType, String audited) {
      this.ending = ending;
      this.contentType = contentType;
      this.audited = audited;
    }
  }

  /** How the answer is sent: a file as it is (maybe zstd-encoded), or the decoded plain text. */
  private enum Delivery {
    FILE,
    FILE_ZSTD_ENCODED,
    DECODED
  }

  /**
   * What a download request found: a file to send and how, a refusal, or when retention removed it.
   */
  private record Download(Path file, Delivery delivery, boolean refused, Instant removedAt) {}

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
    String name = ctx.pathParam("file");
    Asked asked = null;
    for (Asked a : Asked.values()) {
      if (name.endsWith(a.ending)) {
        asked = a;
      }
    }
    String id = asked == null ? "" : name.substring(0, name.length() - asked.ending.length());
    if (asked == null || !SessionLookup.SESSION_ID.matcher(id).matches()) {
      Reply.error(ctx, 404, "no such recording");
      return;
    }
    Asked what = asked;
    boolean takesZstd = acceptsZstd(ctx.request().getHeader("Accept-Encoding"));
    Reply.offLoop(
        ctx,
        () -> find(user, id, what, takesZstd),
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
            send(ctx, what, found.get());
          }
        });
  }

  /**
   * The web server does no compression of its own (HttpServerOptions leaves it off), so a zstd file
   * goes out as stored, never encoded twice.
   */
  private static void send(RoutingContext ctx, Asked asked, Download download) {
    HttpServerResponse response = ctx.response().putHeader("content-type", asked.contentType);
    if (asked == Asked.PLAIN) {
      response.putHeader("Vary", "Accept-Encoding");
    }
    switch (download.delivery()) {
      case FILE_ZSTD_ENCODED -> {
        response.putHeader("Content-Encoding", "zstd");
        response.sendFile(download.file().toString());
      }
      case DECODED -> PlainStream.send(ctx.vertx(), response, download.file());
      default -> response.sendFile(download.file().toString());
    }
  }

  /** Runs off the event loop: database and disk. */
  private Optional<Download> find(WebUser user, String id, Asked asked, boolean takesZstd)
      throws IOException {
    Optional<SessionView> session = backend.session(id);
    if (session.isEmpty() || !session.get().recorded()) {
      return Optional.empty();
    }
    if (!Access.mayReplay(user, session.get())) {
      return Optional.of(new Download(null, null, true, null));
    }
    if (session.get().recordingRemovedAt() != null) {
      return Optional.of(new Download(null, null, false, session.get().recordingRemovedAt()));
    }
    Optional<Path> recording = backend.recording(id).filter(Files::exists);
    if (recording.isEmpty()) {
      return Optional.empty();
    }
    Path file = recording.get();
    boolean zstd = RecordingFormat.of(file) == RecordingFormat.ZSTD;
    Download download;
    if (asked == Asked.SEAL) {
      download = new Download(Seal.sealFileOf(file), Delivery.FILE, false, null);
    } else if (asked == Asked.ORIGINAL) {
      download = zstd ? new Download(file, Delivery.FILE, false, null) : null;
    } else if (!zstd) {
      download = new Download(file, Delivery.FILE, false, null);
    } else if (takesZstd && completeFrame(file)) {
      download = new Download(file, Delivery.FILE_ZSTD_ENCODED, false, null);
    } else {
      download = new Download(file, Delivery.DECODED, false, null);
    }
    if (download == null || !Files.exists(download.file())) {
      return Optional.empty();
    }
    backend.audit("recording_replayed", user.identity(), id, asked.audited);
    return Optional.of(download);
  }

  /**
   * True when the zstd stream is known to be ended: sealed at the end of its session. A live
   * recording, or one sealed after its bastion was killed, may stop mid-frame; a browser would
   * reject that, so it is decoded here instead (up to its last whole line).
   */
  private static boolean completeFrame(Path file) throws IOException {
    Path seal = Seal.sealFileOf(file);
    return Files.exists(seal) && !Seal.read(seal).interrupted();
  }

  /** True when the Accept-Encoding header lists zstd (and does not refuse it with q=0). */
  static boolean acceptsZstd(String acceptEncoding) {
    if (acceptEncoding == null) {
      return false;
    }
    for (String coding : acceptEncoding.toLowerCase(Locale.ROOT).split(",")) {
      String[] parts = coding.split(";");
      if (!parts[0].strip().equals("zstd")) {
        continue;
      }
      for (int i = 1; i < parts.length; i++) {
        String param = parts[i].strip().replace(" ", "");
        if (param.startsWith("q=") && param.substring(2).matches("0(\\.0*)?")) {
          return false;
        }
      }
      return true;
    }
    return false;
  }
}
