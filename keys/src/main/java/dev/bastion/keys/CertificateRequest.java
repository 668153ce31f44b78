package dev.bastion.keys;

import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.sshd.common.config.keys.OpenSshCertificate;

/**
 * What a certificate should say: whose key, which names, how long. Built with {@link #user} or
 * {@link #host}, which fill in the safe defaults; the CA signs it as it is.
 */
public record CertificateRequest(
    OpenSshCertificate.Type type,
    PublicKey publicKey,
    String keyId,
    List<String> principals,
    Instant validAfter,
    Instant validBefore,
    long serial,
    Map<String, String> criticalOptions,
    Map<String, String> extensions) {

  /** Default lifetime of a user certificate. */
  public static final Duration DEFAULT_USER_TTL = Duration.ofHours(8);

  /** Default lifetime of a host certificate. */
  public static final Duration DEFAULT_HOST_TTL = Duration.ofDays(7 * 52);

  /** How far in the past validity starts, so that a client with a slow clock can use it at once. */
  public static final Duration BACKDATE = Duration.ofMinutes(1);

  /** What a user certificate permits unless told otherwise: a terminal, nothing else. */
  public static final Map<String, String> DEFAULT_USER_EXTENSIONS = Map.of("permit-pty", "");

  private static final SecureRandom SERIALS = new SecureRandom();

  public CertificateRequest {
    principals = List.copyOf(principals);
    criticalOptions = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(criticalOptions));
    extensions = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(extensions));
    if (!validBefore.isAfter(validAfter)) {
      throw new IllegalArgumentException("certificate would expire before it becomes valid");
    }
    if (keyId == null || keyId.isBlank()) {
      throw new IllegalArgumentException("a certificate needs a key id (the identity)");
    }
    for (String principal : principals) {
      if (principal.isBlank()
          || principal.chars().anyMatch(c -> c == ',' || Character.isWhitespace(c))) {
        throw new IllegalArgumentException(
            "principal '" + principal + "' is empty or has a comma or space");
      }
    }
  }

  /**
   * A user certificate with the defaults: random serial, valid from one minute ago for {@code ttl},
   * {@code permit-pty} and nothing else permitted.
   */
  public static CertificateRequest user(
      PublicKey key, String identity, List<String> principals, Duration ttl, Clock clock) {
    Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    return new CertificateRequest(
        OpenSshCertificate.Type.USER,
        key,
        identity,
        principals,
        now.minus(BACKDATE),
        now.plus(ttl),
        randomSerial(),
        Map.of(),
        new TreeMap<>(DEFAULT_USER_EXTENSIONS));
  }

  /** A host certificate for the given host names, random serial, valid from one minute ago. */
  public static CertificateRequest host(
      PublicKey key, String keyId, List<String> hostnames, Duration ttl, Clock clock) {
    Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    return new CertificateRequest(
        OpenSshCertificate.Type.HOST,
        key,
        keyId,
        hostnames,
        now.minus(BACKDATE),
        now.plus(ttl),
        randomSerial(),
        Map.of(),
        Map.of());
  }

  public CertificateRequest withSerial(long newSerial) {
    return new CertificateRequest(
        type,
        publicKey,
        keyId,
        principals,
        validAfter,
        validBefore,
        newSerial,
        criticalOptions,
        extensions);
  }

  public CertificateRequest withCriticalOption(String name, String value) {
    TreeMap<String, String> options = new TreeMap<>(criticalOptions);
    options.put(name, value);
    return new CertificateRequest(
        type, publicKey, keyId, principals, validAfter, validBefore, serial, options, extensions);
  }

  public CertificateRequest withExtension(String name) {
    TreeMap<String, String> more = new TreeMap<>(extensions);
    more.put(name, "");
    return new CertificateRequest(
        type, publicKey, keyId, principals, validAfter, validBefore, serial, criticalOptions, more);
  }

  public CertificateRequest withoutExtension(String name) {
    TreeMap<String, String> fewer = new TreeMap<>(extensions);
    fewer.remove(name);
    return new CertificateRequest(
        type,
        publicKey,
        keyId,
        principals,
        validAfter,
        validBefore,
        serial,
        criticalOptions,
        fewer);
  }

  public CertificateRequest withValidity(Instant after, Instant before) {
    return new CertificateRequest(
        type, publicKey, keyId, principals, after, before, serial, criticalOptions, extensions);
  }

  /** A random non-zero 64-bit serial (OpenSSH serials are unsigned; any bit pattern is valid). */
  public static long randomSerial() {
    long serial;
    do {
      serial = SERIALS.nextLong();
    } while (serial == 0);
    return serial;
  }
}
