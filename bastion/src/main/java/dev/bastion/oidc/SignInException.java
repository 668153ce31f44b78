package dev.bastion.oidc;

/**
 * Why a sign-in failed, with one line for the person ({@link #getMessage()}) and a code for the
 * audit log. Messages never hold tokens, codes or secrets.
 */
public final class SignInException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What went wrong; {@link #code()} is what the audit log stores. */
  public enum Reason {
    /** The provider cannot be reached, or answered with a server error. */
    PROVIDER_UNAVAILABLE,
    /** The person (or the provider) denied the request. */
    DENIED,
    /** The device code or the browser sign-in ran out of time. */
    EXPIRED,
    /** A token failed verification: signature, issuer, audience, expiry or nonce. */
    INVALID_TOKEN,
    /** The token lacks the identity claim (or it is not text). */
    MISSING_CLAIM,
    /** The provider refused this client or request (misconfiguration). */
    PROVIDER_ERROR;

    public String code() {
      return "sso_" + name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final Reason reason;

  public SignInException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public SignInException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
