package dev.bastion.web;

import io.vertx.ext.web.RoutingContext;

/**
 * The few pages the server writes itself (login, sign-in results): plain HTML with every given text
 * escaped, styled by the viewer's style sheet, no script.
 */
final class Pages {
  private Pages() {}

  /** Answers with a page titled {@code title} whose body is {@code html} (already escaped). */
  static void send(RoutingContext ctx, int status, String title, String html) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("content-type", "text/html; charset=utf-8")
        .end(page(title, html, ""));
  }

  /** A page that takes the browser on to {@code path} (same site) at once. */
  static void forward(RoutingContext ctx, String title, String html, String path) {
    ctx.response()
        .setStatusCode(200)
        .putHeader("content-type", "text/html; charset=utf-8")
        .end(
            page(
                title,
                html,
                "<meta http-equiv=\"refresh\" content=\"0;url=" + escape(path) + "\">\n"));
  }

  /** A paragraph of text. */
  static String p(String text) {
    return "<p>" + escape(text) + "</p>\n";
  }

  /** A link. */
  static String a(String href, String text, String className) {
    return "<a class=\""
        + escape(className)
        + "\" href=\""
        + escape(href)
        + "\">"
        + escape(text)
        + "</a>";
  }

  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (char c : text.toCharArray()) {
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  private static String page(String title, String html, String head) {
    return "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        + head
        + "<title>"
        + escape(title)
        + " · bastion</title>\n<link rel=\"stylesheet\" href=\"/static/style.css\">\n</head>\n"
        + "<body data-page=\"login\">\n<header><nav><a href=\"/\">bastion</a></nav></header>\n"
        + "<main class=\"login\">\n<h1 id=\"title\">"
        + escape(title)
        + "</h1>\n"
        + html
        + "</main>\n</body>\n</html>\n";
  }
}
