package dev.bastion.oidc;

import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import dev.bastion.oidc.SignInException.Reason;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;

/**
 * The bastion's HTTP exchanges with the provider: every request with a connect and a read timeout,
 * every failure turned into a one-line {@link SignInException} that names the provider and never
 * holds a token, code or secret (only the provider's error code and description).
 */
final class ProviderLink {
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
  private static final int MAX_DESCRIPTION = 200;

  private final String name;
  private final String issuer;

  ProviderLink(String name, String issuer) {
    this.name = name;
    this.issuer = issuer;
  }

  String name() {
    return name;
  }

  /**
   * Sends {@code request} (blocking: only on the provider's own threads); a provider that cannot be
   * reached or answers with a server error is {@link Reason#PROVIDER_UNAVAILABLE}.
   */
  HTTPResponse send(HTTPRequest request, String what) throws SignInException {
    request.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
    request.setReadTimeout((int) READ_TIMEOUT.toMillis());
    request.setFollowRedirects(false);
    HTTPResponse response;
    try {
      response = request.send();
    } catch (IOException e) {
      throw unreachable(what, request.getURI(), e);
    }
    if (response.getStatusCode() >= 500) {
      throw new SignInException(
          Reason.PROVIDER_UNAVAILABLE,
          name + " is unavailable: " + what + " answered HTTP " + response.getStatusCode());
    }
    return response;
  }

  SignInException unreachable(String what, URI uri, Exception cause) {
    return new SignInException(
        Reason.PROVIDER_UNAVAILABLE,
        "cannot reach "
            + name
            + " ("
            + what
            + " at "
            + origin(uri)
            + "): "
            + oneLine(String.valueOf(cause.getMessage()), cause.getClass().getSimpleName()),
        cause);
  }

  /** The provider refused a request: its error code and description, in one line. */
  SignInException refused(String what, ErrorObject error) {
    return new SignInException(
        Reason.PROVIDER_ERROR, name + " refused the " + what + ": " + describe(error));
  }

  SignInException malformed(String what, Exception cause) {
    return new SignInException(
        Reason.PROVIDER_ERROR,
        name + " answered the " + what + " with something unexpected (" + issuer + ")",
        cause);
  }

  static String describe(ErrorObject error) {
    if (error == null) {
      return "no reason given";
    }
    String code = error.getCode() == null ? "error" : error.getCode();
    String description = error.getDescription();
    String text =
        description == null || description.isBlank() ? code : code + " (" + description + ")";
    if (error.getCode() == null && error.getHTTPStatusCode() > 0) {
      text = "HTTP " + error.getHTTPStatusCode();
    }
    return oneLine(text, code);
  }

  /** Scheme, host and port only: no path or query that might carry a code. */
  static String origin(URI uri) {
    if (uri == null) {
      return "?";
    }
    return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
  }

  static String oneLine(String text, String fallback) {
    if (text == null || text.isBlank() || "null".equals(text)) {
      return fallback;
    }
    String line = text.replaceAll("[\\r\\n\\t\\p{Cntrl}]+", " ").strip();
    return line.length() > MAX_DESCRIPTION ? line.substring(0, MAX_DESCRIPTION) + "..." : line;
  }
}
