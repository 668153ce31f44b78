package dev.bastion.keys;

/**
 * The outcome of {@link CertificateValidator#validate}: accepted with who it is, or refused and
 * why.
 */
public sealed interface CertificateCheck {
  boolean accepted();

  record Accepted(CertifiedUser user) implements CertificateCheck {
    @Override
    public boolean accepted() {
      return true;
    }
  }

  /**
   * A refusal with its reason and a message that states the facts ("certificate expired at ...").
   * The key id and serial are those the certificate claims, for the audit log; they are not proven
   * unless the signature was checked (reasons after {@link Refusal#BAD_SIGNATURE}).
   */
  record Refused(Refusal reason, String message, String claimedIdentity, String claimedSerial)
      implements CertificateCheck {
    @Override
    public boolean accepted() {
      return false;
    }
  }
}
