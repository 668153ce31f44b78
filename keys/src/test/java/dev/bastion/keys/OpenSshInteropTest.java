package dev.bastion.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.testsupport.CommandResult;
import dev.bastion.testsupport.LoginAccount;
import dev.bastion.testsupport.OpenSsh;
import dev.bastion.testsupport.OpenSshServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our certificates against the real OpenSSH: sshd accepts our user certificates, ssh our host
 * certificates.
 */
class OpenSshInteropTest {
  @TempDir static Path dataDir;
  @TempDir Path work;

  static CaKeyStore store;
  static String login;

  @BeforeAll
  static void setUp() {
    OpenSsh.requireInstalled();
    store = new CaKeyStore(dataDir);
    store.init();
    login = LoginAccount.name();
  }

  @Test
  void sshdTrustingTheUpstreamCaAcceptsALoginWithOurCertificate() {
    CertificateAuthority upstream = store.load(CaKind.UPSTREAM);
    try (OpenSshServer sshd =
        OpenSshServer.builder(work.resolve("sshd"))
            .trustedUserCaKeys(upstream.publicKeyLine())
            .start()) {
      Path key = userKeyWithCertificate(upstream, login);
      Path knownHosts = knownHosts(sshd.knownHostsLine());

      CommandResult result =
          OpenSsh.ssh(
              key,
              knownHosts,
              sshd.port(),
              login + "@127.0.0.1",
              "echo",
              "logged-in-as",
              "$(id -un)");

      assertEquals(0, result.exitCode(), result + "\nsshd log:\n" + sshd.log());
      assertEquals("logged-in-as " + login, result.stdout().strip());
      assertTrue(sshd.log().contains("Accepted publickey for " + login), sshd.log());
      assertTrue(sshd.log().contains("ID bastion-test via interop"), sshd.log());
    }
  }

  @Test
  void sshdTrustingTheUpstreamCaRefusesACertificateFromTheUserCa() {
    try (OpenSshServer sshd =
        OpenSshServer.builder(work.resolve("sshd"))
            .trustedUserCaKeys(store.load(CaKind.UPSTREAM).publicKeyLine())
            .start()) {
      Path key = userKeyWithCertificate(store.load(CaKind.USER), login);
      CommandResult result =
          OpenSsh.ssh(
              key, knownHosts(sshd.knownHostsLine()), sshd.port(), login + "@127.0.0.1", "true");
      assertNotEquals(0, result.exitCode(), result.toString());
      assertTrue(result.stderr().contains("Permission denied"), result.stderr());
    }
  }

  @Test
  void sshClientWithOurHostCaAsCertAuthorityAcceptsOurHostCertificate() {
    CertificateAuthority hostCa = store.load(CaKind.HOST);
    Path hostKey = hostKeyWithCertificate(hostCa);
    try (OpenSshServer sshd =
        OpenSshServer.builder(work.resolve("sshd"))
            .hostKey(hostKey)
            .hostCertificate(OpenSsh.cert(hostKey))
            .trustedUserCaKeys(store.load(CaKind.UPSTREAM).publicKeyLine())
            .start()) {
      Path key = userKeyWithCertificate(store.load(CaKind.UPSTREAM), login);
      // No pinned key at all: only the CA line vouches for the host.
      Path knownHosts =
          knownHosts("@cert-authority [127.0.0.1]:" + sshd.port() + " " + hostCa.publicKeyLine());

      CommandResult result =
          OpenSsh.ssh(key, knownHosts, sshd.port(), login + "@127.0.0.1", "echo", "ok");

      assertEquals(0, result.exitCode(), result + "\nsshd log:\n" + sshd.log());
      assertEquals("ok", result.stdout().strip());
    }
  }

  @Test
  void sshClientRefusesOurHostCertificateWhenItTrustsAnotherCa() {
    CertificateAuthority hostCa = store.load(CaKind.HOST);
    Path hostKey = hostKeyWithCertificate(hostCa);
    try (OpenSshServer sshd =
        OpenSshServer.builder(work.resolve("sshd"))
            .hostKey(hostKey)
            .hostCertificate(OpenSsh.cert(hostKey))
            .trustedUserCaKeys(store.load(CaKind.UPSTREAM).publicKeyLine())
            .start()) {
      Path key = userKeyWithCertificate(store.load(CaKind.UPSTREAM), login);
      Path knownHosts =
          knownHosts(
              "@cert-authority [127.0.0.1]:"
                  + sshd.port()
                  + " "
                  + store.load(CaKind.USER).publicKeyLine());
      CommandResult result =
          OpenSsh.ssh(key, knownHosts, sshd.port(), login + "@127.0.0.1", "true");
      assertNotEquals(0, result.exitCode(), result.toString());
      assertTrue(result.stderr().contains("Host key verification failed"), result.stderr());
    }
  }

  private Path userKeyWithCertificate(CertificateAuthority ca, String principal) {
    Path key = OpenSsh.keygen(work, "id_user");
    OpenSshCertificate cert =
        ca.sign(
            CertificateRequest.user(
                OpenSshKeys.readPublicKey(OpenSsh.pub(key)),
                "bastion-test via interop",
                List.of(principal),
                Duration.ofMinutes(2),
                Clock.systemUTC()));
    OpenSsh.write(OpenSsh.cert(key), OpenSshKeys.toLine(cert, null) + "\n");
    return key;
  }

  private Path hostKeyWithCertificate(CertificateAuthority hostCa) {
    Path hostKey = OpenSsh.keygen(work, "ssh_host_ed25519_key");
    OpenSshCertificate cert =
        hostCa.sign(
            CertificateRequest.host(
                OpenSshKeys.readPublicKey(OpenSsh.pub(hostKey)),
                "test host",
                List.of("127.0.0.1", "localhost"),
                Duration.ofDays(1),
                Clock.systemUTC()));
    OpenSsh.write(OpenSsh.cert(hostKey), OpenSshKeys.toLine(cert, null) + "\n");
    return hostKey;
  }

  private Path knownHosts(String line) {
    Path file = work.resolve("known_hosts");
    OpenSsh.write(file, line + "\n");
    return file;
  }
}
