package dev.bastion.policy;

/** Why a session may not start; the message is shown to the user as {@code bastion: <message>}. */
public final class AccessDenied extends Exception {
  private final String code;

  public AccessDenied(String code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  /** Stable short code for the audit log, e.g. {@code unknown_target}. */
  public String code() {
    return code;
  }
}
