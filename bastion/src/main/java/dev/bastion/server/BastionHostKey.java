package dev.bastion.server;

import dev.bastion.keys.CaKeyStore;
import dev.bastion.keys.CaKind;
import dev.bastion.keys.CertificateAuthority;
import dev.bastion.keys.CertificateRequest;
import dev.bastion.keys.OpenSshKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.sshd.common.config.keys.OpenSshCertificate;

/**
 * The bastion's own Ed25519 host key ({@code <data-dir>/ssh_host_ed25519_key}, created once) and a
 * host certificate for it from the host CA for the configured host names, so clients need only the
 * {@code @cert-authority} line. The certificate lives 30 days and is renewed in memory when a week
 * is left, so a bastion that runs for months never presents an expired one.
 */
public final class BastionHostKey {
  static final Duration CERTIFICATE_LIFETIME = Duration.ofDays(30);
  static final Duration RENEW_BEFORE = Duration.ofDays(7);

  private final KeyPair keyPair;
  private final CertificateAuthority hostCa;
  private final List<String> hostnames;
  private final Clock clock;
  private volatile OpenSshCertificate certificate;

  private BastionHostKey(
      KeyPair keyPair, CertificateAuthority hostCa, List<String> hostnames, Clock clock) {
    this.keyPair = keyPair;
    this.hostCa = hostCa;
    this.hostnames = List.copyOf(hostnames);
    this.clock = clock;
    this.certificate = issue();
  }

  public static BastionHostKey loadOrCreate(
      Path dataDir, CaKeyStore cas, List<String> hostnames, Clock clock) {
    Path file = dataDir.resolve("ssh_host_ed25519_key");
    if (!Files.exists(file)) {
      OpenSshKeys.writeNewPrivateKey(OpenSshKeys.generateEd25519(), "bastion host key", file);
    }
    return new BastionHostKey(
        OpenSshKeys.readPrivateKey(file), cas.load(CaKind.HOST), hostnames, clock);
  }

  public KeyPair keyPair() {
    return keyPair;
  }

  /** The host certificate to present now; renewed when less than a week of it is left. */
  public OpenSshCertificate certificate() {
    OpenSshCertificate current = certificate;
    Instant renewAt = Instant.ofEpochSecond(current.getValidBefore()).minus(RENEW_BEFORE);
    if (clock.instant().isAfter(renewAt)) {
      synchronized (this) {
        if (certificate == current) {
          certificate = issue();
        }
        return certificate;
      }
    }
    return current;
  }

  private OpenSshCertificate issue() {
    return hostCa.sign(
        CertificateRequest.host(
            keyPair.getPublic(),
            "bastion " + hostnames.get(0),
            hostnames,
            CERTIFICATE_LIFETIME,
            clock));
  }
}
