package dev.bastion.server;

import dev.bastion.keys.CertificateRequest;
import dev.bastion.keys.CertifiedUser;
import dev.bastion.keys.KeyFileException;
import dev.bastion.keys.OpenSshKeys;
import dev.bastion.keys.Refusal;
import dev.bastion.keys.Revocation;
import dev.bastion.keys.Revocations;
import dev.bastion.oidc.SignedIn;
import dev.bastion.policy.TargetPolicy;
import dev.bastion.recorder.VisibleText;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Turns a person the provider vouched for into the bastion's {@link CertifiedUser}: roles from
 * their groups ({@code oidc_groups}), a random serial for the sign-in, CA {@code sso:<issuer>}, the
 * proven key's fingerprint, valid for {@code oidc.certificate_ttl} from now, the extensions {@code
 * bastion cert issue} gives by default. Refused when the groups map to no role or the identity is
 * revoked.
 */
final class SsoUsers {
  /** Why a person who signed in may not log in; {@code code} goes to the audit row. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    private final String code;

    Refused(String code, String message) {
      super(message);
      this.code = code;
    }

    String code() {
      return code;
    }
  }

  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

  private final TargetPolicy policy;
  private final Revocations revocations;
  private final String providerName;
  private final Duration ttl;
  private final Clock clock;

  SsoUsers(
      TargetPolicy policy,
      Revocations revocations,
      String providerName,
      Duration ttl,
      Clock clock) {
    this.policy = policy;
    this.revocations = revocations;
    this.providerName = providerName;
    this.ttl = ttl;
    this.clock = clock;
  }

  /**
   * A random serial for one sign-in, never 0: shown by {@code whoami} and in its audit rows, so
   * that {@code bastion cert revoke --serial} can end that one connection, while a revocation of
   * serial 0 (which certificates signed without {@code -z} carry) can never reach SSO logins.
   */
  private static long signInSerial() {
    long serial;
    do {
      serial = RANDOM.nextLong();
    } while (serial == 0);
    return serial;
  }

  String providerName() {
    return providerName;
  }

  CertifiedUser admit(SignedIn person, Optional<PublicKey> provenKey) throws Refused {
    List<String> roles = policy.rolesForGroups(person.groups());
    if (roles.isEmpty()) {
      throw new Refused(
          "no_role",
          "your groups at "
              + providerName
              + " ("
              + (person.groups().isEmpty()
                  ? "none"
                  : VisibleText.fit(String.join(",", person.groups()), CertificateLogin.TEXT_BOUND))
              + ") map to no role of this bastion");
    }
    Optional<Revocation> revoked;
    try {
      revoked = revocations.current().findIdentity(person.identity());
    } catch (KeyFileException e) {
      throw new Refused(
          Refusal.REVOCATION_LIST_UNREADABLE.code(),
          "the revocation list cannot be read, so no login is accepted; tell the bastion's operators");
    }
    if (revoked.isPresent()) {
      throw new Refused(
          Refusal.REVOKED_IDENTITY.code(),
          VisibleText.fit(revoked.get().describe(), CertificateLogin.TEXT_BOUND)
              + " was revoked at "
              + revoked.get().revokedAt()
              + "; ask the bastion's operators");
    }
    Instant now = clock.instant();
    return new CertifiedUser(
        person.identity(),
        roles,
        signInSerial(),
        "sso:" + person.issuer(),
        provenKey.map(OpenSshKeys::fingerprint).orElse(""),
        now.plus(ttl),
        new java.util.TreeMap<>(CertificateRequest.DEFAULT_USER_EXTENSIONS));
  }
}
