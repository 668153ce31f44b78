package dev.bastion.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bastion.testsupport.OpenSsh;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every certificate we issue reads back identically through the real {@code ssh-keygen -L}. */
class CertificateIssuingInteropTest {
  @TempDir static Path dataDir;
  @TempDir Path work;

  static CertificateAuthority userCa;
  static CertificateAuthority hostCa;
  static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  @BeforeAll
  static void createCas() {
    OpenSsh.requireInstalled();
    CaKeyStore store = new CaKeyStore(dataDir);
    store.init();
    userCa = store.load(CaKind.USER);
    hostCa = store.load(CaKind.HOST);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"ed25519, 0", "ecdsa, 256", "ecdsa, 384", "ecdsa, 521", "rsa, 3072", "rsa, 4096"})
  void userCertificateForEveryKeyTypeReadsBackThroughSshKeygen(String type, int bits) {
    Path key = OpenSsh.keygen(work, "id_" + type + bits, type, bits);
    CertificateRequest request =
        CertificateRequest.user(
                OpenSshKeys.readPublicKey(OpenSsh.pub(key)),
                "alice@example.com",
                List.of("ops", "dba"),
                Duration.ofHours(8),
                CLOCK)
            .withCriticalOption("source-address", "127.0.0.1/32,10.0.0.0/8")
            .withExtension("permit-agent-forwarding");
    OpenSshCertificate cert = userCa.sign(request);
    Path certFile = OpenSsh.cert(key);
    OpenSsh.write(certFile, OpenSshKeys.toLine(cert, "alice@example.com") + "\n");

    SshKeygenListing listing = SshKeygenListing.of(certFile);
    assertTrue(
        listing.field("Type").endsWith("-cert-v01@openssh.com user certificate"),
        listing.field("Type"));
    assertEquals("\"alice@example.com\"", listing.field("Key ID"));
    assertEquals(Long.toUnsignedString(request.serial()), listing.field("Serial"));
    assertEquals(
        "from "
            + local(NOW.minus(Duration.ofMinutes(1)))
            + " to "
            + local(NOW.plus(Duration.ofHours(8))),
        listing.field("Valid"));
    assertEquals(List.of("ops", "dba"), listing.principals());
    assertEquals(List.of("source-address 127.0.0.1/32,10.0.0.0/8"), listing.criticalOptions());
    assertEquals(List.of("permit-agent-forwarding", "permit-pty"), listing.extensions());
    assertEquals(
        "ED25519 " + userCa.fingerprint() + " (using ssh-ed25519)", listing.field("Signing CA"));
    assertTrue(listing.field("Public key").endsWith(OpenSshKeys.fingerprint(cert.getCertPubKey())));
    // ssh-keygen's own -L rendering and ours agree field by field.
    String ours = CertificateDescription.describe(certFile.toString(), cert);
    assertTrue(ours.contains("Key ID: \"alice@example.com\""), ours);
    assertTrue(ours.contains("Serial: " + Long.toUnsignedString(request.serial())), ours);
  }

  @Test
  void hostCertificateNamesItsHostsAndCarriesNoUserExtensions() {
    Path key = OpenSsh.keygen(work, "ssh_host_ed25519_key");
    OpenSshCertificate cert =
        hostCa.sign(
            CertificateRequest.host(
                OpenSshKeys.readPublicKey(OpenSsh.pub(key)),
                "bastion host",
                List.of("bastion.example", "127.0.0.1"),
                Duration.ofDays(364),
                CLOCK));
    Path certFile = OpenSsh.cert(key);
    OpenSsh.write(certFile, OpenSshKeys.toLine(cert, null) + "\n");
    SshKeygenListing listing = SshKeygenListing.of(certFile);
    assertEquals("ssh-ed25519-cert-v01@openssh.com host certificate", listing.field("Type"));
    assertEquals(List.of("bastion.example", "127.0.0.1"), listing.principals());
    assertEquals("(none)", listing.field("Extensions"));
  }

  @Test
  void serialsAreRandomAndUseAllSixtyFourBits() {
    Path key = OpenSsh.keygen(work, "id_serial");
    var pub = OpenSshKeys.readPublicKey(OpenSsh.pub(key));
    long a =
        userCa
            .sign(CertificateRequest.user(pub, "a", List.of("ops"), Duration.ofHours(1), CLOCK))
            .getSerial();
    long b =
        userCa
            .sign(CertificateRequest.user(pub, "a", List.of("ops"), Duration.ofHours(1), CLOCK))
            .getSerial();
    assertTrue(a != b && a != 0 && b != 0);
    long high = -3L; // 18446744073709551613 unsigned
    Path certFile = OpenSsh.cert(key);
    OpenSsh.write(
        certFile,
        OpenSshKeys.toLine(
                userCa.sign(
                    CertificateRequest.user(pub, "a", List.of("ops"), Duration.ofHours(1), CLOCK)
                        .withSerial(high)),
                null)
            + "\n");
    assertEquals("18446744073709551613", SshKeygenListing.of(certFile).field("Serial"));
  }

  @Test
  void shortRsaKeysAreNotCertified() {
    Path key = OpenSsh.keygen(work, "id_rsa2048", "rsa", 2048);
    var pub = OpenSshKeys.readPublicKey(OpenSsh.pub(key));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                userCa.sign(
                    CertificateRequest.user(pub, "a", List.of("ops"), Duration.ofHours(1), CLOCK)));
    assertTrue(e.getMessage().contains("RSA key has 2048 bits; at least 3072"), e.getMessage());
  }

  private static String local(Instant instant) {
    // ssh-keygen prints local time without zone; the test commands run with TZ=UTC.
    // (LocalDateTime.toString would drop ":00" seconds, once a minute)
    return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss")
        .format(instant.atOffset(ZoneOffset.UTC));
  }
}
