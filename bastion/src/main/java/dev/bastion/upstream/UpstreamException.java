package dev.bastion.upstream;

import dev.bastion.config.BastionConfig;

/** The bastion could not log in to a target; the message says why in words the user can act on. */
public final class UpstreamException extends Exception {
  private final String code;

  public UpstreamException(String code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** Short code for the audit log: {@code target_unreachable}, {@code host_key_mismatch}, ... */
  public String code() {
    return code;
  }

  /** {@code target_unreachable}, with the reason in words: refused, no route, timed out... */
  static UpstreamException unreachable(BastionConfig.Target target, Throwable cause) {
    Throwable root = cause;
    while (root != null
        && root.getCause() != null
        && root.getCause() != root
        && !(root instanceof java.net.ConnectException)) {
      root = root.getCause();
    }
    String why =
        root == null
            ? "connection failed"
            : root instanceof java.net.ConnectException
                ? "connection refused"
                : root instanceof java.net.NoRouteToHostException
                    ? "no route to host"
                    : root instanceof java.net.SocketTimeoutException
                            || root instanceof java.util.concurrent.TimeoutException
                        ? "connection timed out"
                        : String.valueOf(root.getMessage());
    return new UpstreamException(
        "target_unreachable",
        "target " + target.name() + " (" + target.address() + ") is unreachable: " + why,
        cause);
  }
}
