package dev.bastion.web;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The front-end's files: a fixed list, read once at start. Any other name is 404 and costs nothing,
 * so strangers cannot grow the server by asking for names (the files need no login).
 */
final class Assets {
  /** Pages, the app, and the asciinema-player files copied from npm at build time. */
  static final List<String> NAMES =
      List.of(
          "index.html",
          "session.html",
          "recordings.html",
          "replay.html",
          "audit.html",
          "static/app.js",
          "static/style.css",
          "vendor/asciinema-player.min.js",
          "vendor/asciinema-player-worker.min.js",
          "vendor/asciinema-player.css");

  private final Map<String, Buffer> files;

  private Assets(Map<String, Buffer> files) {
    this.files = Map.copyOf(files);
  }

  /** Reads every listed file that the jar holds (vendor files are absent without npm). */
  static Assets load() {
    Map<String, Buffer> files = new HashMap<>();
    for (String name : NAMES) {
      try (InputStream in = Assets.class.getResourceAsStream("/web/" + name)) {
        if (in != null) {
          files.put(name, Buffer.buffer(in.readAllBytes()));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the web viewer's " + name, e);
      }
    }
    return new Assets(files);
  }

  /** How many files are held: never more than {@link #NAMES}. */
  int held() {
    return files.size();
  }

  void serve(RoutingContext ctx, String name) {
    Buffer body = files.get(name);
    if (body == null) {
      ctx.response().setStatusCode(404).end("not found");
      return;
    }
    ctx.response().putHeader("content-type", contentType(name)).end(body);
  }

  private static String contentType(String name) {
    if (name.endsWith(".html")) {
      return "text/html; charset=utf-8";
    }
    if (name.endsWith(".js")) {
      return "text/javascript; charset=utf-8";
    }
    if (name.endsWith(".css")) {
      return "text/css; charset=utf-8";
    }
    return "application/octet-stream";
  }
}
