package dev.bastion.server;

import dev.bastion.keys.CaKind;
import dev.bastion.keys.CaKeyStore;
import dev.bastion.keys.CertificateRequest;
import dev.bastion.keys.OpenSshKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.apache.sshd.common.config.keys.OpenSshCertificate;

/**
 * The bastion's own Ed25519 host key ({@code <data-dir>/ssh_host_ed25519_key}, created once) and a
 * host certificate for it from the host CA, issued afresh at every start for the configured host
 * names, so clients need only the {@code @cert-authority} line.
 */
public record BastionHostKey(KeyPair keyPair, OpenSshCertificate certificate) {
  static final Duration CERTIFICATE_LIFETIME = Duration.ofDays(30);

  public static BastionHostKey loadOrCreate(Path dataDir, CaKeyStore cas, List<String> hostnames) {
    Path file = dataDir.resolve("ssh_host_ed25519_key");
    if (!Files.exists(file)) {
      OpenSshKeys.writeNewPrivateKey(OpenSshKeys.generateEd25519(), "bastion host key", file);
    }
    KeyPair pair = OpenSshKeys.readPrivateKey(file);
    OpenSshCertificate cert =
        cas.load(CaKind.HOST)
            .sign(
                CertificateRequest.host(
                    pair.getPublic(), "bastion " + hostnames.get(0), hostnames, CERTIFICATE_LIFETIME, Clock.systemUTC()));
    return new BastionHostKey(pair, cert);
  }
}
