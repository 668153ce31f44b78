package dev.bastion.keys;

import java.net.InetAddress;
import java.security.PublicKey;
import java.security.interfaces.DSAPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.net.InetAddressRange;

/**
 * The one place that decides whether a user certificate may log in. Checks, in order: it is a
 * certificate, signed by a trusted CA with a modern algorithm and a valid signature, a user
 * certificate for a strong enough key, inside its validity window (with clock skew), not valid for
 * longer than the maximum lifetime, naming a person and at least one principal, with no critical
 * option we cannot enforce, used from an allowed source address, and neither its serial nor its
 * identity revoked. {@link #recheck} repeats the checks that can change while a connection is open
 * (expiry and revocation) at every session.
 */
public final class CertificateValidator {
  /** Default tolerance for clocks that disagree between the bastion and the CA. */
  public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);

  /** Default longest validity span of a user certificate. */
  public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofDays(7);

  /**
   * A start backdated this much (as our CA does, for clock skew) does not count against the maximum
   * lifetime: {@code cert issue --ttl 7d} stays within a maximum of 7 days.
   */
  public static final Duration LIFETIME_GRACE = CertificateRequest.BACKDATE;

  /** RSA user keys below this are refused even when a trusted CA signed them. */
  public static final int MIN_RSA_BITS = 2048;

  private static final Set<String> ENFORCED_CRITICAL_OPTIONS =
      Set.of(OpenSshCertificate.SOURCE_ADDRESS);

  private final List<PublicKey> trustedCas;
  private final Duration clockSkew;
  private final Revocations revocations;
  private final Clock clock;
  private final Duration maxLifetime;

  public CertificateValidator(
      List<PublicKey> trustedCas, Duration clockSkew, Revocations revocations, Clock clock) {
    this(trustedCas, clockSkew, DEFAULT_MAX_LIFETIME, revocations, clock);
  }

  public CertificateValidator(
      List<PublicKey> trustedCas,
      Duration clockSkew,
      Duration maxLifetime,
      Revocations revocations,
      Clock clock) {
    this.trustedCas = List.copyOf(trustedCas);
    this.clockSkew = clockSkew;
    this.maxLifetime = maxLifetime;
    this.revocations = revocations;
    this.clock = clock;
  }

  /** Checks the key a client authenticated with, connecting from {@code source}. */
  public CertificateCheck validate(PublicKey presented, InetAddress source) {
    if (!(presented instanceof OpenSshCertificate cert)) {
      return refuse(
          Refusal.NOT_A_CERTIFICATE,
          "a plain "
              + OpenSshKeys.keyType(presented)
              + " key ("
              + OpenSshKeys.fingerprint(presented)
              + ") was offered; only certificates from a trusted CA are accepted",
          (OpenSshCertificate) null);
    }
    return checkTrust(cert)
        .or(() -> checkKind(cert))
        .or(() -> checkValidity(cert))
        .or(() -> checkLifetime(cert))
        .or(() -> checkNames(cert))
        .or(() -> checkCriticalOptions(cert, source))
        .or(() -> checkRevocation(cert.getSerial(), cert.getId(), claims(cert)))
        .map(CertificateCheck.class::cast)
        .orElseGet(() -> new CertificateCheck.Accepted(toUser(cert)));
  }

  /**
   * What may have changed since {@code user} logged in: the certificate expired (with the same
   * clock skew as at login) or was revoked. Empty while it is still good.
   */
  public Optional<CertificateCheck.Refused> recheck(CertifiedUser user) {
    String[] claims = {user.identity(), user.serialText()};
    return checkExpiry(user.validBefore(), claims)
        .or(() -> checkRevocation(user.serial(), user.identity(), claims));
  }

  /**
   * The moment logins with this certificate stop being accepted: its end plus the clock skew;
   * {@link Instant#MAX} for one valid forever.
   */
  public Instant endOfValidity(CertifiedUser user) {
    Instant before = user.validBefore();
    return before.isAfter(Instant.MAX.minus(clockSkew)) ? Instant.MAX : before.plus(clockSkew);
  }

  private Optional<CertificateCheck.Refused> checkTrust(OpenSshCertificate cert) {
    PublicKey ca = cert.getCaPubKey();
    if (trustedCas.stream().noneMatch(ca::equals)) {
      return Optional.of(
          refuse(
              Refusal.UNTRUSTED_CA,
              "certificate signed by CA " + OpenSshKeys.fingerprint(ca) + " which is not trusted",
              cert));
    }
    String algorithm = cert.getSignatureAlgorithm();
    if ("ssh-rsa".equals(algorithm)) {
      return Optional.of(
          refuse(
              Refusal.WEAK_SIGNATURE_ALGORITHM,
              "certificate signed with ssh-rsa (SHA-1), which is refused; re-sign it with"
                  + " rsa-sha2-512 (ssh-keygen -t rsa-sha2-512)",
              cert));
    }
    if (!OpenSshKeys.hasValidCaSignature(cert)) {
      return Optional.of(
          refuse(
              Refusal.BAD_SIGNATURE,
              "certificate signature ("
                  + algorithm
                  + ") does not verify against CA "
                  + OpenSshKeys.fingerprint(ca)
                  + "; the certificate was altered or is corrupt",
              cert));
    }
    return Optional.empty();
  }

  private Optional<CertificateCheck.Refused> checkKind(OpenSshCertificate cert) {
    if (cert.getType() != OpenSshCertificate.Type.USER) {
      return Optional.of(
          refuse(
              Refusal.NOT_A_USER_CERTIFICATE,
              "a host certificate was offered for a user login; ask for a user certificate",
              cert));
    }
    PublicKey key = cert.getCertPubKey();
    if (key instanceof DSAPublicKey) {
      return Optional.of(refuse(Refusal.WEAK_KEY, "DSA keys are refused; use Ed25519", cert));
    }
    if (key instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() < MIN_RSA_BITS) {
      return Optional.of(
          refuse(
              Refusal.WEAK_KEY,
              "RSA key of "
                  + rsa.getModulus().bitLength()
                  + " bits is refused; at least "
                  + MIN_RSA_BITS
                  + " bits are required (Ed25519 recommended)",
              cert));
    }
    return Optional.empty();
  }

  private Optional<CertificateCheck.Refused> checkValidity(OpenSshCertificate cert) {
    Instant now = clock.instant();
    Instant after = instant(cert.getValidAfter());
    if (Long.compareUnsigned(cert.getValidAfter(), now.plus(clockSkew).getEpochSecond()) > 0) {
      return Optional.of(
          refuse(
              Refusal.NOT_YET_VALID,
              "certificate is not valid until "
                  + after
                  + " (in "
                  + TimeSpans.describe(Duration.between(now, after))
                  + "); check the clocks of the CA and the bastion",
              cert));
    }
    return checkExpiry(instant(cert.getValidBefore()), claims(cert));
  }

  private Optional<CertificateCheck.Refused> checkExpiry(Instant before, String[] claims) {
    Instant now = clock.instant();
    // valid_before is exclusive; "forever" is Instant.MAX.
    if (!before.isAfter(now.minus(clockSkew))) {
      return Optional.of(
          refuse(
              Refusal.EXPIRED,
              "certificate expired at "
                  + before
                  + " ("
                  + TimeSpans.describe(Duration.between(before, now))
                  + " ago); get a new one",
              claims));
    }
    return Optional.empty();
  }

  private Optional<CertificateCheck.Refused> checkLifetime(OpenSshCertificate cert) {
    long span = cert.getValidBefore() - cert.getValidAfter(); // unsigned; after < before here
    if (cert.getValidBefore() == -1L
        || Long.compareUnsigned(span, maxLifetime.plus(LIFETIME_GRACE).getSeconds()) > 0) {
      return Optional.of(
          refuse(
              Refusal.LIFETIME_TOO_LONG,
              "certificate is valid "
                  + (cert.getValidBefore() == -1L
                      ? "forever"
                      : "for "
                          + TimeSpans.describe(Duration.ofSeconds(span))
                          + " (until "
                          + instant(cert.getValidBefore())
                          + ")")
                  + ", longer than the "
                  + TimeSpans.describe(maxLifetime)
                  + " this bastion accepts; ask for a shorter one",
              cert));
    }
    return Optional.empty();
  }

  private Optional<CertificateCheck.Refused> checkNames(OpenSshCertificate cert) {
    if (cert.getId() == null || cert.getId().isBlank()) {
      return Optional.of(
          refuse(
              Refusal.NO_KEY_ID, "certificate has an empty key id; it must name the person", cert));
    }
    if (cert.getPrincipals() == null || cert.getPrincipals().isEmpty()) {
      return Optional.of(
          refuse(
              Refusal.NO_PRINCIPALS,
              "certificate has no principals; it must name at least one role",
              cert));
    }
    return Optional.empty();
  }

  private Optional<CertificateCheck.Refused> checkCriticalOptions(
      OpenSshCertificate cert, InetAddress source) {
    Map<String, String> options = cert.getCriticalOptionsMap();
    for (String name : options.keySet()) {
      if (ENFORCED_CRITICAL_OPTIONS.contains(name)) {
        continue;
      }
      if (OpenSshCertificate.FORCE_COMMAND.equals(name)
          || OpenSshCertificate.VERIFY_REQUIRED.equals(name)) {
        return Optional.of(
            refuse(
                Refusal.UNSUPPORTED_CRITICAL_OPTION,
                "certificate has critical option "
                    + name
                    + ", which the bastion cannot enforce; ask for a certificate without it",
                cert));
      }
      return Optional.of(
          refuse(
              Refusal.UNKNOWN_CRITICAL_OPTION,
              "certificate has unknown critical option " + name + "; refused",
              cert));
    }
    String allowed = options.get(OpenSshCertificate.SOURCE_ADDRESS);
    if (allowed != null && !sourceAllowed(allowed, source)) {
      return Optional.of(
          refuse(
              Refusal.SOURCE_ADDRESS_NOT_ALLOWED,
              "connection from "
                  + (source == null ? "an unknown address" : source.getHostAddress())
                  + " is not allowed by the certificate's source-address "
                  + allowed,
              cert));
    }
    return Optional.empty();
  }

  /**
   * OpenSSH's rule: a comma-separated list of addresses and CIDR blocks; anything malformed fails.
   */
  static boolean sourceAllowed(String list, InetAddress source) {
    if (source == null) {
      return false;
    }
    List<InetAddressRange> ranges = new ArrayList<>();
    for (String item : list.split(",")) {
      String entry = item.strip();
      try {
        if (!entry.contains("/")) {
          entry = entry + (entry.contains(":") ? "/128" : "/32");
        }
        ranges.add(InetAddressRange.fromCIDR(entry));
      } catch (RuntimeException e) {
        return false;
      }
    }
    return ranges.stream().anyMatch(r -> r.contains(source));
  }

  private Optional<CertificateCheck.Refused> checkRevocation(
      long serial, String identity, String[] claims) {
    Optional<Revocation> hit;
    try {
      hit = revocations.find(serial, identity);
    } catch (KeyFileException e) {
      return Optional.of(
          refuse(
              Refusal.REVOCATION_LIST_UNREADABLE,
              "revocation list cannot be read, so no certificate is accepted: " + e.getMessage(),
              claims));
    }
    return hit.map(
        r ->
            refuse(
                r.kind() == Revocation.Kind.SERIAL
                    ? Refusal.REVOKED_SERIAL
                    : Refusal.REVOKED_IDENTITY,
                "certificate "
                    + r.describe()
                    + " was revoked at "
                    + r.revokedAt()
                    + (r.kind() == Revocation.Kind.IDENTITY ? "; ask the CA operator" : ""),
                claims));
  }

  private static CertifiedUser toUser(OpenSshCertificate cert) {
    return new CertifiedUser(
        cert.getId(),
        List.copyOf(cert.getPrincipals()),
        cert.getSerial(),
        OpenSshKeys.fingerprint(cert.getCaPubKey()),
        OpenSshKeys.fingerprint(cert.getCertPubKey()),
        instant(cert.getValidBefore()),
        cert.getExtensionsMap());
  }

  /**
   * An unsigned OpenSSH timestamp as an Instant; "forever" and beyond become {@link Instant#MAX}.
   */
  static Instant instant(long unsignedEpochSeconds) {
    if (unsignedEpochSeconds < 0 || unsignedEpochSeconds > Instant.MAX.getEpochSecond()) {
      return Instant.MAX;
    }
    return Instant.ofEpochSecond(unsignedEpochSeconds);
  }

  private static CertificateCheck.Refused refuse(
      Refusal reason, String message, OpenSshCertificate cert) {
    return refuse(reason, message, claims(cert));
  }

  /** The key id and serial a certificate claims, for the audit log. */
  private static String[] claims(OpenSshCertificate cert) {
    return cert == null
        ? new String[] {null, null}
        : new String[] {cert.getId(), Long.toUnsignedString(cert.getSerial())};
  }

  private static CertificateCheck.Refused refuse(Refusal reason, String message, String[] claims) {
    return new CertificateCheck.Refused(reason, message, claims[0], claims[1]);
  }
}
