package dev.bastion.keys;

/**
 * Why a certificate was refused, one value per distinct reason; {@link #code()} goes to the audit
 * log.
 */
public enum Refusal {
  NOT_A_CERTIFICATE,
  UNTRUSTED_CA,
  WEAK_SIGNATURE_ALGORITHM,
  BAD_SIGNATURE,
  NOT_A_USER_CERTIFICATE,
  WEAK_KEY,
  NOT_YET_VALID,
  EXPIRED,
  LIFETIME_TOO_LONG,
  NO_KEY_ID,
  NO_PRINCIPALS,
  UNSUPPORTED_CRITICAL_OPTION,
  UNKNOWN_CRITICAL_OPTION,
  SOURCE_ADDRESS_NOT_ALLOWED,
  REVOKED_SERIAL,
  REVOKED_IDENTITY,
  REVOCATION_LIST_UNREADABLE;

  /** Stable lower-case code, e.g. {@code expired}, {@code untrusted_ca}. */
  public String code() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
