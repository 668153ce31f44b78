package dev.bastion.upstream;

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
}
